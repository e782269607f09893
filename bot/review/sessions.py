"""Server-side sessions behind a signed cookie.

The cookie holds a random token plus an HMAC of it made with ``REVIEW_SECRET_KEY``: a forged or
altered cookie is rejected before the database is asked. The database keeps only the token's
SHA-256 with the user and the session's CSRF token, so signing out (or disabling a user) ends a
session for real, and a leaked database holds no usable cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.review.models import ReviewSession, ReviewUser
from bot.review.roles import Role

SESSION_LIFETIME = timedelta(hours=12)


class CookieSigner:
    """HMAC-SHA256 signatures; ``purpose`` keeps a login-form cookie from passing as a session."""

    def __init__(self, secret_key: str, purpose: str) -> None:
        if not secret_key:
            raise ValueError("a signing key is required")
        self._key = hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).digest()

    def _signature(self, value: str) -> str:
        digest = hmac.new(self._key, value.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, value: str) -> str:
        return f"{value}.{self._signature(value)}"

    def unsign(self, signed: str | None) -> str | None:
        """The value if the signature is right, else None."""
        if not signed or "." not in signed:
            return None
        value, _, signature = signed.rpartition(".")
        return value if hmac.compare_digest(signature, self._signature(value)) else None


@dataclass(frozen=True)
class SignedIn:
    """Who is making the request; handlers and extensions read it from ``request``."""

    user_id: int
    username: str
    role: Role
    csrf_token: str
    token_hash: str
    display_name: str  # what customers read when this user answers them; the username if unset

    def may(self, role: Role) -> bool:
        return self.role >= role


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(db: AsyncSession, user: ReviewUser, now: datetime) -> str:
    """Create a session for ``user``; return the token to put (signed) in the cookie."""
    await db.execute(delete(ReviewSession).where(ReviewSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    db.add(
        ReviewSession(
            token_hash=token_hash(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return token


async def load_session(db: AsyncSession, token: str, now: datetime) -> SignedIn | None:
    """The live session for ``token`` (not expired, user still active), else None."""
    row = (
        await db.execute(
            select(ReviewSession, ReviewUser).where(
                ReviewUser.id == ReviewSession.user_id,
                ReviewSession.token_hash == token_hash(token),
                ReviewSession.expires_at > now,
                ReviewUser.is_active.is_(True),
            )
        )
    ).first()
    if row is None:
        return None
    session, user = row
    return SignedIn(
        user.id,
        user.username,
        Role.parse(user.role),
        session.csrf_token,
        session.token_hash,
        user.display_name or user.username,
    )


async def end_session(db: AsyncSession, hashed_token: str) -> None:
    await db.execute(delete(ReviewSession).where(ReviewSession.token_hash == hashed_token))


async def end_user_sessions(db: AsyncSession, user_id: int) -> None:
    """Sign a user out everywhere (disabled, or password changed)."""
    await db.execute(delete(ReviewSession).where(ReviewSession.user_id == user_id))

"""Server-side sessions behind a signed cookie.

The cookie holds a random token plus an HMAC of it made with ``REVIEW_SECRET_KEY``: a forged or
altered cookie is rejected before the database is asked. The database keeps only the token's
SHA-256 with the user and the session's CSRF token, so signing out (or disabling a user) ends a
session for real, and a leaked database holds no usable cookie. The signer and ``SignedIn``, which
every page reads, are in :mod:`bot.review.common.state`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.review.common.models import ReviewSession, ReviewUser
from bot.review.common.roles import Role
from bot.review.common.state import SignedIn

SESSION_LIFETIME = timedelta(hours=12)


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

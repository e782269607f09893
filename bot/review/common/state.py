"""What the review app's handlers share: settings, the CX database, the cookie signers, and who
is signed in on the current request."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import sessionmaker

from bot.review.common.roles import Role
from bot.settings import Settings

SESSION_COOKIE = "cx_review_session"
LOGIN_COOKIE = "cx_review_login"
_SIGNED_IN = "bot.review.signed_in"


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


@dataclass(frozen=True)
class ReviewState:
    settings: Settings
    engine: AsyncEngine
    sessions: sessionmaker
    session_cookie: CookieSigner
    login_cookie: CookieSigner

    def db(self) -> AsyncSession:
        return self.sessions()


STATE = web.AppKey("review_state", ReviewState)


def state(request: web.Request) -> ReviewState:
    return request.config_dict[STATE]


def db(request: web.Request) -> AsyncSession:
    """A new database session (use as ``async with db(request) as session``)."""
    return state(request).db()


def set_signed_in(request: web.Request, who: SignedIn | None) -> None:
    request[_SIGNED_IN] = who


def current_user(request: web.Request) -> SignedIn | None:
    """Who is signed in, or None on public routes without a session."""
    return request.get(_SIGNED_IN)


def signed_in(request: web.Request) -> SignedIn:
    """Who is signed in; only called behind the login check, so there always is someone."""
    who = current_user(request)
    if who is None:
        raise web.HTTPUnauthorized(text="sign in first")
    return who

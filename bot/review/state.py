"""What the review app's handlers share: settings, the CX database, the cookie signers, and who
is signed in on the current request."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import sessionmaker

from bot.review.sessions import CookieSigner, SignedIn
from bot.settings import Settings

SESSION_COOKIE = "cx_review_session"
LOGIN_COOKIE = "cx_review_login"
_SIGNED_IN = "bot.review.signed_in"


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

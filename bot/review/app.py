"""The review app's factory: ``create_app(settings, extra_setup=[...])``.

Extension point: every callable in ``extra_setup`` is called as ``setup(app, settings)`` after
the app's own routes exist. It may add routes (behind login unless it calls
:func:`bot.review.auth.security.mark_public`), a navigation entry
(:func:`bot.review.common.pages.add_nav_link`), templates extending ``base.html``
(:func:`bot.review.common.pages.add_template_dir` and :func:`bot.review.common.pages.render`),
and its own ``cleanup_ctx`` resources. Inside handlers,
:func:`bot.review.common.state.signed_in` says who is asking,
:func:`bot.review.auth.security.requires` guards a handler by role, and
:func:`bot.review.auth.security.signed_in_agent` is the agent inbox's check. State-changing
requests behind login need the CSRF token (form field ``csrf_token`` or header
``X-CSRF-Token``; templates get it as ``csrf_token``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from aiohttp import web

from bot.cxlog.database import create_engine, session_factory
from bot.cxlog.migrate import schema_is_current, upgrade
from bot.review.auth import login_views, user_views
from bot.review.auth.security import (
    PUBLIC_PATHS,
    csrf_protect,
    error_pages,
    require_login,
    security_headers,
)
from bot.review.common.pages import setup_pages
from bot.review.common.state import STATE, CookieSigner, ReviewState
from bot.review.conversations import views as conversation_views
from bot.review.dashboard import views as dashboard_views
from bot.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"
MIN_SECRET_KEY_CHARS = 16
# Forms and JSON bodies here are small; the largest is a note of 2,000 characters.
MAX_BODY_BYTES = 64 * 1024

Setup = Callable[[web.Application, Settings], None]


def _check_secret_key(secret_key: str) -> None:
    if not secret_key:
        raise ValueError(
            "REVIEW_SECRET_KEY is empty; the review app refuses to start without a key to sign "
            "sessions (`python -m bot prepare` writes one to .env)"
        )
    if len(secret_key) < MIN_SECRET_KEY_CHARS:
        raise ValueError(f"REVIEW_SECRET_KEY must have at least {MIN_SECRET_KEY_CHARS} characters")


async def _migrated_database(app: web.Application) -> AsyncIterator[None]:
    """Bring the CX schema (the log's tables and ours) up to date, and close the engine."""
    review = app[STATE]
    try:
        if not await schema_is_current(review.engine):
            # alembic's env.py runs its own event loop: give it a thread.
            await asyncio.to_thread(upgrade, review.settings.cx_database_url)
        yield
    finally:
        await review.engine.dispose()


def create_app(settings: Settings, extra_setup: Sequence[Setup] = ()) -> web.Application:
    """Raise ``ValueError`` for settings the app must not run with (no signing key)."""
    _check_secret_key(settings.review_secret_key)
    app = web.Application(
        middlewares=[error_pages, require_login, csrf_protect], client_max_size=MAX_BODY_BYTES
    )
    engine = create_engine(settings.cx_database_url)
    app[STATE] = ReviewState(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        session_cookie=CookieSigner(settings.review_secret_key, "review-session"),
        login_cookie=CookieSigner(settings.review_secret_key, "review-login-form"),
    )
    app[PUBLIC_PATHS] = ["/login", "/healthz", "/static/"]
    setup_pages(app)
    app.cleanup_ctx.append(_migrated_database)
    app.on_response_prepare.append(security_headers)
    for views in (login_views, conversation_views, dashboard_views, user_views):
        app.add_routes(views.routes)
    app.router.add_static("/static/", STATIC_DIR)
    for setup in extra_setup:
        setup(app, settings)
    return app

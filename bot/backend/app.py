"""The backend's aiohttp application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from aiohttp import web

from bot.backend.database import create_engine
from bot.backend.handlers import ENGINE, IDENTITY_LIMITS, TICKET_FOLLOW_UP, routes
from bot.backend.identity import IdentityLimits
from bot.backend.middleware import bearer_auth, json_errors, no_store_headers
from bot.backend.migrate import schema_is_current
from bot.backend.validation import MAX_BODY_BYTES
from bot.settings import Settings


class SchemaNotCurrent(RuntimeError):
    """The database was never migrated, or is behind this code's migrations."""


def _database(database_url: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def open_database(app: web.Application) -> AsyncIterator[None]:
        engine = create_engine(database_url)
        try:
            if not await schema_is_current(engine):
                raise SchemaNotCurrent(
                    "the backend database schema is missing or out of date; "
                    "run `python -m bot backend migrate` (make run does it for you)"
                )
            app[ENGINE] = engine
            yield
        finally:
            await engine.dispose()

    return open_database


def create_app(settings: Settings) -> web.Application:
    """Raise ``ValueError`` for settings the backend must not run with (no token, bad limits)."""
    if not settings.backend_token:
        raise ValueError(
            "BACKEND_TOKEN is empty; the backend refuses to start without a service token "
            "(`python -m bot prepare` writes one to .env)"
        )
    if settings.backend_ticket_follow_up_hours < 1:
        raise ValueError("BACKEND_TICKET_FOLLOW_UP_HOURS must be at least 1")
    app = web.Application(
        client_max_size=MAX_BODY_BYTES + 1,  # aiohttp rejects bodies >= this size
        middlewares=[json_errors, bearer_auth(settings.backend_token)],
    )
    app[TICKET_FOLLOW_UP] = timedelta(hours=settings.backend_ticket_follow_up_hours)
    app[IDENTITY_LIMITS] = IdentityLimits(
        max_failures=settings.identity_max_failures,
        max_failures_per_address=settings.identity_max_failures_per_address,
        window=timedelta(minutes=settings.identity_window_minutes),
    )
    app.cleanup_ctx.append(_database(settings.backend_database_url))
    app.on_response_prepare.append(no_store_headers)
    app.add_routes(routes())
    return app

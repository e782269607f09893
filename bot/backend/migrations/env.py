"""Alembic environment for the backend: async engines, so SQLite (aiosqlite) and Postgres
(asyncpg) use the same drivers as the running app. Invoked by bot.backend.migrate."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from bot.atomic_migrations import prepare_migration_engine
from bot.backend.database import create_engine
from bot.backend.schema import metadata


def _run_migrations(connection: Connection, options: dict[str, Any]) -> None:
    # Batch mode lets future ALTERs work on SQLite, which rebuilds tables instead.
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, **options
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async_migrations(database_url: str) -> None:
    engine = create_engine(database_url)
    options = prepare_migration_engine(engine)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_migrations, options)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
asyncio.run(_run_async_migrations(context.config.attributes["database_url"]))

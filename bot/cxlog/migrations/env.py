"""Alembic environment for the CX log store: async engines, so SQLite (aiosqlite) and Postgres
(asyncpg) use the same drivers as the running broker. Invoked by bot.cxlog.migrate.

The version table has its own name so the CX store may share a Postgres database with the
tracker store or the reference backend without their migration histories colliding.
"""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from bot.atomic_migrations import prepare_migration_engine
from bot.cxlog.database import create_engine
from bot.cxlog.migrate import VERSION_TABLE, serialise_migrations
from bot.cxlog.models import metadata


def _run_migrations(connection: Connection, options: dict[str, Any]) -> None:
    # Batch mode lets future ALTERs work on SQLite, which rebuilds tables instead.
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        version_table=VERSION_TABLE,
        **options,
    )
    with context.begin_transaction():
        serialise_migrations(connection)
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

"""Alembic environment for the CX log store: async engines, so SQLite (aiosqlite) and Postgres
(asyncpg) use the same drivers as the running broker. Invoked by bot.cxlog.migrate.

The version table has its own name so the CX store may share a Postgres database with the
tracker store or the reference backend without their migration histories colliding.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from bot.cxlog.database import create_engine
from bot.cxlog.migrate import VERSION_TABLE, serialise_migrations
from bot.cxlog.models import metadata


def _run_migrations(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # Batch mode rebuilds a table by copying it and dropping the original; with foreign keys
        # on, that drop would cascade-delete every row that references it. SQLite ignores this
        # PRAGMA inside a transaction, so it comes first; the engine is disposed afterwards.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        # End the transaction SQLAlchemy began for the PRAGMA, or alembic would take it for the
        # caller's and never commit the migrations.
        connection.commit()
    # Batch mode lets future ALTERs work on SQLite, which rebuilds tables instead.
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        version_table=VERSION_TABLE,
    )
    with context.begin_transaction():
        serialise_migrations(connection)
        context.run_migrations()


async def _run_async_migrations(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
asyncio.run(_run_async_migrations(context.config.attributes["database_url"]))

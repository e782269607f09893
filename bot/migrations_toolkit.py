"""What the backend's and the CX store's alembic migrations share: config, upgrade, env.py.

Each package keeps its own migrations directory, version table and revision checks; how alembic
is configured without an alembic.ini, how an upgrade starts and what env.py runs are the same for
both, so they live here once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.atomic_migrations import prepare_migration_engine
from bot.files import prepare_sqlite_file


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    """A config without an alembic.ini: the URL goes to env.py through the config's attributes
    (an ini file would %-interpolate passwords in the URL)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["database_url"] = database_url
    return config


def upgrade(migrations_dir: Path, database_url: str, revision: str) -> None:
    """Bring the schema to ``revision``; env.py runs its own event loop, so call this from
    synchronous code (or a worker thread), never from inside a running loop."""
    prepare_sqlite_file(database_url)
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def run_env(
    create_engine: Callable[[str], AsyncEngine],
    metadata: MetaData,
    *,
    version_table: str | None = None,
    before_migrating: Callable[[Connection], None] | None = None,
) -> None:
    """The body of a migrations/env.py: online only, on an async engine (so SQLite and Postgres
    use the same drivers as the running app), all revisions in one transaction on SQLite;
    ``before_migrating`` runs inside that transaction before alembic reads the version table."""
    if context.is_offline_mode():
        raise SystemExit(
            "offline (--sql) migrations are not supported; run them against a database"
        )

    def run_migrations(connection: Connection, options: dict[str, Any]) -> None:
        if version_table is not None:
            options = {**options, "version_table": version_table}
        # Batch mode lets future ALTERs work on SQLite, which rebuilds tables instead.
        context.configure(
            connection=connection, target_metadata=metadata, render_as_batch=True, **options
        )
        with context.begin_transaction():
            if before_migrating is not None:
                before_migrating(connection)
            context.run_migrations()

    async def run_async_migrations(database_url: str) -> None:
        engine = create_engine(database_url)
        options = prepare_migration_engine(engine)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(run_migrations, options)
        finally:
            await engine.dispose()

    asyncio.run(run_async_migrations(context.config.attributes["database_url"]))

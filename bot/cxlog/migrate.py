"""Run the CX store's alembic migrations programmatically (``python -m bot cxlog migrate``).

The migrations live in this package; configuring alembic and env.py are bot/migrations_toolkit.py.
The review app's tables are further revisions in the same directory, so ``upgrade`` creates them
too. Every process that writes the store migrates on start when the schema is behind (the CX
consumers and the review app of the scale-out profile start together), so on Postgres the
upgrade holds an advisory lock: the first migrates, the others wait and find the schema at head.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import migrations_toolkit

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "cxlog_alembic_version"
# Any constant every migrating process agrees on; derived from the table so it reads as ours.
MIGRATION_LOCK_KEY = zlib.crc32(VERSION_TABLE.encode())


def alembic_config(database_url: str) -> Config:
    """The alembic config of this package's migrations, for ``database_url``."""
    return migrations_toolkit.alembic_config(MIGRATIONS_DIR, database_url)


def upgrade(database_url: str) -> None:
    """Bring the schema to the newest revision(s); env.py runs its own event loop, so
    call this from synchronous code (or a worker thread), never from inside a running loop."""
    migrations_toolkit.upgrade(MIGRATIONS_DIR, database_url, "heads")


def serialise_migrations(connection: Connection) -> None:
    """Inside the migration transaction, before alembic reads the version table: wait for any
    other process migrating this Postgres database (released at commit). SQLite needs nothing,
    it lets one writer at a time in already."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


def head_revisions() -> set[str]:
    return set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def _current_revisions(connection: Connection) -> set[str]:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return set(context.get_current_heads())


async def schema_is_current(engine: AsyncEngine) -> bool:
    """True when the database has been migrated to the newest revision(s)."""
    async with engine.connect() as connection:
        current = await connection.run_sync(_current_revisions)
    return current == head_revisions()

"""Run the alembic migrations programmatically (``python -m bot backend migrate``, ``make run``).

The migrations live in this package; configuring alembic and env.py are bot/migrations_toolkit.py.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import migrations_toolkit

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """The alembic config of this package's migrations, for ``database_url``."""
    return migrations_toolkit.alembic_config(MIGRATIONS_DIR, database_url)


def upgrade(database_url: str) -> None:
    """Bring the schema to the newest revision; env.py runs its own event loop, so
    call this from synchronous code (or a worker thread), never from inside a running loop."""
    migrations_toolkit.upgrade(MIGRATIONS_DIR, database_url, "head")


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def schema_is_current(engine: AsyncEngine) -> bool:
    """True when the database has been migrated to the newest revision."""
    async with engine.connect() as connection:
        current = await connection.run_sync(_current_revision)
    return current == head_revision()

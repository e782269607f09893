"""Run the alembic migrations programmatically (``python -m bot backend migrate``, ``make run``).

There is no alembic.ini: the migrations live in this package and the database URL is handed to
env.py through the config's attributes (an ini file would %-interpolate passwords in the URL).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.files import prepare_sqlite_file

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str) -> None:
    """Bring the schema to the newest revision; env.py runs its own event loop, so call this
    from synchronous code (or a worker thread), never from inside a running loop."""
    prepare_sqlite_file(database_url)
    command.upgrade(alembic_config(database_url), "head")


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def schema_is_current(engine: AsyncEngine) -> bool:
    """True when the database has been migrated to the newest revision."""
    async with engine.connect() as connection:
        current = await connection.run_sync(_current_revision)
    return current == head_revision()

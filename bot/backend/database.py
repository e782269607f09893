"""The async engine for the backend's database (SQLite file by default, Postgres via asyncpg)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.files import prepare_sqlite_file


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys unless asked; WAL lets readers run while a writer commits.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def create_engine(database_url: str) -> AsyncEngine:
    """Engine for ``database_url``; SQLite connections get foreign keys, WAL and a busy timeout."""
    prepare_sqlite_file(database_url)  # a fresh checkout has no var/; the file must be 0600
    if make_url(database_url).get_backend_name() != "sqlite":
        return create_async_engine(database_url, pool_pre_ping=True)
    engine = create_async_engine(database_url, connect_args={"timeout": 15})
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    return engine

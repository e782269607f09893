"""The async SQLAlchemy engine every database of the product gets (SQLite file or Postgres).

The backend's database and the CX log store want the same things from an engine: on SQLite,
foreign keys enforced, WAL so readers run beside a writer, ``synchronous=NORMAL`` (no fsync per
commit, no risk of corruption; a power cut may lose the last commits), a busy timeout, and a
pool. SQLAlchemy 1.4 gives a file SQLite database no pool: a new aiosqlite connection, so a new
thread plus the PRAGMAs, per transaction, which was most of the reference backend's CPU per
request (BENCHMARKS.md, "A cheaper turn"). On Postgres: a pre-pinged pool.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import AsyncAdaptedQueuePool

from bot.files import prepare_sqlite_file, sqlite_path


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(database_url: str, busy_timeout_s: float) -> AsyncEngine:
    """Engine for ``database_url`` (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``).

    ``busy_timeout_s`` is how long a SQLite writer waits for another writer's lock; a
    ``?timeout=`` in the URL wins, so tests can simulate a locked database quickly.
    """
    prepare_sqlite_file(database_url)  # a fresh checkout has no var/; the file must be 0600
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(database_url, pool_pre_ping=True)
    connect_args = {} if "timeout" in url.query else {"timeout": busy_timeout_s}
    pool = {"poolclass": AsyncAdaptedQueuePool} if sqlite_path(url) is not None else {}
    engine = create_async_engine(database_url, connect_args=connect_args, **pool)
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    return engine


def session_factory(engine: AsyncEngine) -> sessionmaker:
    """Sessions that keep loaded objects usable after commit (no lazy reloads in async code)."""
    return sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

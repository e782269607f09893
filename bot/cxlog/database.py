"""The async engine and session factory for the CX log store (SQLite file or Postgres)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import AsyncAdaptedQueuePool

from bot.files import prepare_sqlite_file, sqlite_path

# Seconds a SQLite writer waits for another writer's lock before "database is locked"; short, so
# a long lock (a backup, a stuck review query) makes the broker spool instead of stalling.
SQLITE_BUSY_TIMEOUT_S = 5

T = TypeVar("T")


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked; WAL lets the review app
    # read while the broker writes, and with WAL, synchronous=NORMAL skips an fsync per commit
    # without risking corruption (a power cut may lose the last commits, like the queue would).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(database_url: str) -> AsyncEngine:
    """Engine for ``database_url`` (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``)."""
    prepare_sqlite_file(database_url)  # a fresh checkout has no var/; the file must be 0600
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(database_url, pool_pre_ping=True)
    # A ``?timeout=`` in the URL (seconds) wins, so tests can simulate a locked store quickly.
    has_timeout = "timeout" in url.query
    connect_args = {} if has_timeout else {"timeout": SQLITE_BUSY_TIMEOUT_S}
    # SQLAlchemy 1.4 opens a new aiosqlite connection (a new thread plus the PRAGMAs below) per
    # transaction for file databases; the broker writes one transaction per batch, so keeping
    # connections pooled takes about a fifth off the CPU logging costs the Rasa process.
    pool = {"poolclass": AsyncAdaptedQueuePool} if sqlite_path(url) is not None else {}
    engine = create_async_engine(database_url, connect_args=connect_args, **pool)
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    return engine


def session_factory(engine: AsyncEngine) -> sessionmaker:
    """Sessions that keep loaded objects usable after commit (no lazy reloads in async code)."""
    return sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def in_session(database_url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``await work(session)`` on an engine of its own, disposed after: for a command, or a worker
    thread with its own event loop (``asyncio.run(in_session(url, work))``)."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()

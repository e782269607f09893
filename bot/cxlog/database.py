"""The CX log store's engine and sessions: the product's engine (bot/database.py), short lock wait.

Seconds a SQLite writer waits for another writer's lock before "database is locked" are few, so
a long lock (a backup, a stuck review query) makes the broker spool instead of stalling.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot import database
from bot.database import session_factory

SQLITE_BUSY_TIMEOUT_S = 5
T = TypeVar("T")

__all__ = ["create_engine", "in_session", "session_factory"]


def create_engine(database_url: str) -> AsyncEngine:
    """Engine for the CX store's ``database_url`` (SQLite file or Postgres)."""
    return database.create_engine(database_url, SQLITE_BUSY_TIMEOUT_S)


async def in_session(database_url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``await work(session)`` on an engine of its own, disposed after: for a command, or a worker
    thread with its own event loop (``asyncio.run(in_session(url, work))``)."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()

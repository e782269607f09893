"""The CX log store's engine and sessions: the product's engine (bot/database.py), short lock wait.

Seconds a SQLite writer waits for another writer's lock before "database is locked" are few, so
a long lock (a backup, a stuck review query) makes the broker spool instead of stalling.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import database
from bot.database import session_factory

SQLITE_BUSY_TIMEOUT_S = 5

__all__ = ["create_engine", "session_factory"]


def create_engine(database_url: str) -> AsyncEngine:
    """Engine for the CX store's ``database_url`` (SQLite file or Postgres)."""
    return database.create_engine(database_url, SQLITE_BUSY_TIMEOUT_S)

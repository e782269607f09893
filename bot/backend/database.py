"""The backend's async engine: the product's engine (bot/database.py) with a patient busy timeout.

The backend answers customers; a request may wait out another writer's lock for up to 15 s
rather than fail.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import database

SQLITE_BUSY_TIMEOUT_S = 15


def create_engine(database_url: str) -> AsyncEngine:
    """Engine for the backend's ``database_url`` (SQLite file by default, Postgres via asyncpg)."""
    return database.create_engine(database_url, SQLITE_BUSY_TIMEOUT_S)

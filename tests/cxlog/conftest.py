"""CX log fixtures: a migrated SQLite store per test, Postgres databases on demand."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.cxlog.migrate import upgrade
from bot.cxlog.store import CXStore
from bot.testing.project import copy_database, sqlite_url
from tests.cxlog.helpers import ABANDON_MINUTES

POSTGRES_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cxlog-template") / "cxlog.db"
    upgrade(sqlite_url(path))
    return path


@pytest.fixture
def cx_url(migrated_template: Path, tmp_path: Path) -> str:
    """A private, migrated SQLite CX store."""
    return copy_database(migrated_template, tmp_path / "cxlog.db")


@pytest.fixture
async def store(cx_url: str) -> AsyncIterator[CXStore]:
    cx_store = CXStore.from_url(cx_url, ABANDON_MINUTES)
    yield cx_store
    await cx_store.close()


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty Postgres database for one test, dropped afterwards."""
    name = f"cxlog_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

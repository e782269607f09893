"""Each test gets the real backend on a loopback port over its own freshly seeded database.

SQLite by default: one migrated and seeded template per session, copied per test. The Postgres
module overrides ``database_url`` and runs the core tests again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.testing.project import copy_database, in_worker_thread, sqlite_url
from tests.backend.harness import Api, backend_settings, migrate_and_seed, running_backend


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backend-template") / "backend.db"
    in_worker_thread(migrate_and_seed, sqlite_url(path))
    return path


@pytest.fixture
def database_url(seeded_sqlite_template: Path, tmp_path: Path) -> str:
    return copy_database(seeded_sqlite_template, tmp_path / "backend.db")


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    async with running_backend(backend_settings(database_url)) as client:
        yield client

"""Fixtures for action tests: the REAL reference backend and a client pointed at it.

The backend runs exactly as ``make run`` starts it (``python -m bot backend serve``) on a free
loopback port, over a fresh copy of a database migrated and seeded once per session with the real
CLI, so every test starts from the documented seed data and may change it freely.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from actions.backend_client import BackendClient, get_client
from actions.settings import get_settings
from bot.testing.processes import (
    backend_api_url,
    backend_server,
    migrate_and_seed_backend,
)
from bot.testing.project import copy_database, sqlite_url
from tests.actions.fault_servers import FaultyBackend, running_faulty_backend
from tests.actions.reference import RunningBackend

BACKEND_TEST_TOKEN = "actions-test-token-5c1e"


@pytest.fixture(scope="session")
def seeded_backend_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated and seeded through the real CLI once; tests get copies."""
    path = tmp_path_factory.mktemp("actions-backend") / "seeded.db"
    migrate_and_seed_backend(sqlite_url(path))
    return path


@pytest.fixture
def reference_backend(
    seeded_backend_database: Path, tmp_path: Path, server_logs: Path
) -> Iterator[RunningBackend]:
    database_url = copy_database(seeded_backend_database, tmp_path / "backend.db")
    server = backend_server(
        database_url, server_logs, BACKEND_TEST_TOKEN, name=f"backend-{tmp_path.name}"
    ).start(timeout_s=60)
    try:
        yield RunningBackend(backend_api_url(server), BACKEND_TEST_TOKEN, database_url, server)
    finally:
        server.stop()


@pytest.fixture
async def backend_client(reference_backend: RunningBackend) -> AsyncIterator[BackendClient]:
    """A client with the shipped timeouts, retries and breaker, pointed at the real backend."""
    client = BackendClient(reference_backend.client_settings())
    yield client
    await client.close()


@pytest.fixture
async def faulty_backend() -> AsyncIterator[FaultyBackend]:
    """A stand-in for a misbehaving company backend (see fault_servers.py)."""
    async with running_faulty_backend() as backend:
        yield backend


@pytest.fixture
async def use_shared_client(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Callable[..., BackendClient]]:
    """Point the process's shared client (what actions get from ``get_client()``) at a test
    backend: ``use_shared_client(url, token, BACKEND_READ_TIMEOUT="0.4")`` sets the environment
    and re-reads it; afterwards the client is closed and forgotten, so tests do not leak into
    each other."""

    def point(url: str, token: str, **variables: str) -> BackendClient:
        for name, value in {"BACKEND_URL": url, "BACKEND_TOKEN": token, **variables}.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        get_client.cache_clear()
        return get_client()

    yield point
    await get_client().close()
    get_settings.cache_clear()
    get_client.cache_clear()

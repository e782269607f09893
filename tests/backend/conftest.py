"""Each test gets the real backend on a loopback port over its own freshly seeded database.

SQLite by default: one migrated and seeded template per session, copied per test. The core tests
are marked ``postgres_too`` and run again (``[postgres]``) against the real Postgres on
127.0.0.1:5432 through asyncpg: a migrated and seeded template database is built once; every
test gets a fresh, uniquely named copy that is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.testing.project import copy_database, in_worker_thread, sqlite_url
from tests.backend.harness import Api, backend_settings, migrate_and_seed, running_backend

ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DATABASES = ("sqlite", "postgres")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``postgres_too`` tests run on both databases; the Postgres runs use the machine's
    services, so they share their xdist group (tests/conftest.py)."""
    if metafunc.definition.get_closest_marker("postgres_too"):
        params = [
            pytest.param("sqlite", id="sqlite"),
            pytest.param("postgres", id="postgres", marks=pytest.mark.machine_services),
        ]
        metafunc.parametrize("database_kind", params, indirect=True)


def _libpq_dsn(database: str) -> str:
    return (
        make_url(ADMIN_URL)
        .set(drivername="postgresql", database=database)
        .render_as_string(hide_password=False)
    )


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(_libpq_dsn(make_url(ADMIN_URL).database), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _admin_now(statement: str) -> None:
    in_worker_thread(asyncio.run, _admin(statement))


def _url_for(database: str) -> str:
    return make_url(ADMIN_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backend-template") / "backend.db"
    in_worker_thread(migrate_and_seed, sqlite_url(path))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """Name of a migrated, seeded database that per-test databases are copied from."""
    try:
        _admin_now("SELECT 1")
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"Postgres at {ADMIN_URL} is unreachable: {exc}")
    name = f"backend_template_{uuid.uuid4().hex[:12]}"
    _admin_now(f'CREATE DATABASE "{name}"')
    try:
        in_worker_thread(migrate_and_seed, _url_for(name))
        yield name
    finally:
        _admin_now(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_kind(request: pytest.FixtureRequest) -> str:
    """``sqlite`` unless the test is parametrized (``postgres_too``) with ``postgres``."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(
    database_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    if database_kind == "sqlite":
        template = request.getfixturevalue("seeded_sqlite_template")
        yield copy_database(template, tmp_path / "backend.db")
        return
    template = request.getfixturevalue("postgres_template")
    name = f"backend_test_{uuid.uuid4().hex[:12]}"
    _admin_now(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _url_for(name)
    finally:
        _admin_now(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    async with running_backend(backend_settings(database_url)) as client:
        yield client

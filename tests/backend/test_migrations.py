"""The alembic migrations build exactly the tables the code uses, and the app insists on them."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.backend.app import SchemaNotCurrent
from bot.backend.database import create_engine
from bot.backend.migrate import alembic_config, schema_is_current, upgrade
from bot.backend.schema import metadata
from bot.testing.project import in_worker_thread, sqlite_url
from tests.backend.harness import backend_settings, running_backend


def _differences(connection: Connection) -> list:
    return compare_metadata(MigrationContext.configure(connection), metadata)


async def schema_differences(database_url: str) -> list:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_differences)
    finally:
        await engine.dispose()


@pytest.mark.postgres_too
async def test_migrated_schema_matches_the_table_definitions(database_url: str) -> None:
    assert await schema_differences(database_url) == []


async def test_app_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "var" / "empty.db")  # its directory does not exist yet
    with pytest.raises(SchemaNotCurrent, match="python -m bot backend migrate"):
        async with running_backend(backend_settings(url)):
            pass


async def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "cycle.db")
    in_worker_thread(upgrade, url)
    in_worker_thread(command.downgrade, alembic_config(url), "base")
    engine = create_engine(url)
    try:
        assert not await schema_is_current(engine)
        in_worker_thread(upgrade, url)
        assert await schema_is_current(engine)
    finally:
        await engine.dispose()

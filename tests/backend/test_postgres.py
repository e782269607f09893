"""The core API again, against the real Postgres on 127.0.0.1:5432 through asyncpg.

The core tests themselves are marked ``postgres_too`` in their modules and run a second time
with ``[postgres]`` (tests/backend/conftest.py builds the template and the per-test copies);
this module checks that those runs really get Postgres.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url


@pytest.mark.parametrize("database_kind", ["postgres"], indirect=True)
async def test_these_tests_really_use_postgres(database_url: str) -> None:
    assert make_url(database_url).get_backend_name() == "postgresql"
    assert make_url(database_url).database.startswith("backend_test_")

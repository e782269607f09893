"""The core API again, against the real Postgres on 127.0.0.1:5432 through asyncpg.

A migrated and seeded template database is built once; every test gets a fresh, uniquely named
copy that is dropped afterwards. The tests themselves are imported from the SQLite modules and
run here with this module's ``database_url``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.testing.project import in_worker_thread
from tests.backend.harness import migrate_and_seed
from tests.backend.test_auth import test_requests_without_the_token_get_401_and_change_nothing  # noqa: F401
from tests.backend.test_bad_input import (  # noqa: F401
    test_injection_text_in_free_text_is_stored_verbatim,
    test_malformed_json_is_400,
    test_oversized_values_are_rejected_not_truncated,
    test_sql_injection_in_formatted_fields_is_rejected,
    test_whole_bad_input_corpus_never_breaks_the_backend,
    unchanged_database,
)
from tests.backend.test_migrations import test_migrated_schema_matches_the_table_definitions  # noqa: F401
from tests.backend.test_orders import (  # noqa: F401
    test_cancel_a_processing_order,
    test_cancel_a_shipped_order_is_refused,
    test_change_the_address_of_a_processing_order,
    test_customer_orders_newest_first_with_limit,
    test_five_failed_checks_cool_the_order_off_for_every_conversation,
    test_get_customer,
    test_lookup_with_a_verified_customer_id,
    test_lookup_with_the_orders_email_returns_the_order,
    test_racing_cancels_have_exactly_one_winner,
    test_seed_matches_the_contract,
    test_ten_failures_from_one_address_cool_that_address_off,
    test_throttle_is_shared_by_backend_instances,
    test_wrong_email_is_indistinguishable_from_an_unknown_order,
)
from tests.backend.test_returns import (  # noqa: F401
    test_an_item_is_returned_only_once,
    test_racing_returns_of_one_item_create_one_return,
    test_return_outside_the_window_explains_it,
    test_return_the_shoes_then_find_it_listed,
)
from tests.backend.test_tickets_and_resets import (  # noqa: F401
    test_create_and_fetch_a_ticket,
    test_password_reset_answers_the_same_for_unknown_accounts,
    test_unknown_tickets,
)

ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


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


def _url_for(database: str) -> str:
    return make_url(ADMIN_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def postgres_template() -> Iterator[str]:
    """Name of a migrated, seeded database that per-test databases are copied from."""
    try:
        in_worker_thread(asyncio.run, _admin("SELECT 1"))
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"Postgres at {ADMIN_URL} is unreachable: {exc}")
    name = f"backend_template_{uuid.uuid4().hex[:12]}"
    in_worker_thread(asyncio.run, _admin(f'CREATE DATABASE "{name}"'))
    try:
        in_worker_thread(migrate_and_seed, _url_for(name))
        yield name
    finally:
        in_worker_thread(asyncio.run, _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def database_url(postgres_template: str) -> AsyncIterator[str]:
    name = f"backend_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    try:
        yield _url_for(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_these_tests_really_use_postgres(database_url: str) -> None:
    assert make_url(database_url).get_backend_name() == "postgresql"
    assert make_url(database_url).database.startswith("backend_test_")

"""The failed-check counters on a real seeded database, with the clock in the test's hand.

``verify_order_identity`` takes ``now``, so the window's expiry is tested by moving time, not by
waiting fifteen minutes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.backend.database import create_engine
from bot.backend.errors import ApiError
from bot.backend.identity import IdentityLimits, verify_order_identity
from bot.backend.validation import Identity

START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
RIGHT = Identity(email="alex.kim@example.com")
WRONG = Identity(email="sam.lee@example.com")
LIMITS = IdentityLimits(max_failures=5, max_failures_per_address=10, window=timedelta(minutes=15))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def check(
    engine: AsyncEngine,
    identity: Identity,
    at: datetime,
    order: str = "10001",
    address: str | None = None,
    conversation: str = "conv",
) -> int:
    """200, 404 or 429, as the API would answer."""
    try:
        await verify_order_identity(
            engine, order, identity, conversation, at, client_address=address, limits=LIMITS
        )
    except ApiError as error:
        return error.status
    return 200


async def test_order_cools_off_after_five_failures_and_recovers_when_they_age_out(
    engine: AsyncEngine,
) -> None:
    for minute in range(5):  # one failure a minute, each from its own conversation
        at = START + timedelta(minutes=minute)
        assert await check(engine, WRONG, at, conversation=f"c{minute}") == 404
    assert await check(engine, RIGHT, START + timedelta(minutes=5)) == 429
    # The oldest failure leaves the window at 12:15; four remain, so the check runs again.
    assert await check(engine, RIGHT, START + timedelta(minutes=14, seconds=59)) == 429
    assert await check(engine, RIGHT, START + timedelta(minutes=15, seconds=1)) == 200


async def test_retry_after_counts_down_to_the_oldest_counted_failure(engine: AsyncEngine) -> None:
    for minute in range(5):
        await check(engine, WRONG, START + timedelta(minutes=minute))
    try:
        await verify_order_identity(
            engine, "10001", RIGHT, "conv", START + timedelta(minutes=10), limits=LIMITS
        )
    except ApiError as error:
        assert error.status == 429
        assert error.headers["Retry-After"] == str(5 * 60)
    else:
        pytest.fail("the order should be cooling off")


async def test_refused_checks_during_cooling_off_do_not_extend_it(engine: AsyncEngine) -> None:
    for minute in range(5):
        await check(engine, WRONG, START + timedelta(minutes=minute))
    for second in range(0, 600, 60):  # ten more wrong guesses while it cools off
        assert await check(engine, WRONG, START + timedelta(minutes=5, seconds=second)) == 429
    assert await check(engine, RIGHT, START + timedelta(minutes=19, seconds=1)) == 200


async def test_address_limit_spans_orders(engine: AsyncEngine) -> None:
    orders = [f"9990{n}" for n in range(5)] * 2  # ten unknown orders, two tries each
    for n, order in enumerate(orders):
        at = START + timedelta(seconds=n)
        assert await check(engine, WRONG, at, order, "203.0.113.9") == 404
    later = START + timedelta(minutes=1)
    assert await check(engine, RIGHT, later, "10001", "203.0.113.9") == 429
    assert await check(engine, RIGHT, later, "10001", "203.0.113.10") == 200
    assert (
        await check(engine, RIGHT, START + timedelta(minutes=15, seconds=10), address="203.0.113.9")
        == 200
    )


async def test_failures_without_an_address_count_for_the_order_only(engine: AsyncEngine) -> None:
    for n in range(12):
        await check(engine, WRONG, START + timedelta(seconds=n), order=f"88{n:03d}")
    assert await check(engine, RIGHT, START + timedelta(minutes=1), address="203.0.113.1") == 200


def test_limits_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="IDENTITY_MAX_FAILURES"):
        IdentityLimits(max_failures=0)
    with pytest.raises(ValueError, match="IDENTITY_WINDOW_MINUTES"):
        IdentityLimits(window=timedelta(0))

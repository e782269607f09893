"""The review app on Postgres (127.0.0.1:5432, asyncpg), as in the scale-out profile: the
dialect-specific parts (full-text search on the GIN index, UTC days for the dashboard) and the
same filters, paging, metrics and funnels as on SQLite. Each test gets its own fresh database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.cxlog.migrate import upgrade
from bot.testing.project import in_worker_thread
from bot.testing.review_app import (
    MARCH,
    Browser,
    Chat,
    create_users,
    review_settings,
    running_review_app,
    sample_chats,
    senders,
    write_chats,
)
from tests.review.cases import FILTER_CASES
from tests.review.ground_truth import (
    FUNNELS_ON_3_MAY,
    expected_funnels,
    funnel_scripts,
    replay,
)

ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def _admin(statement: str) -> None:
    dsn = make_url(ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    name = f"review_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        in_worker_thread(upgrade, url)
        await create_users(url)
        yield url
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def viewer(database_url: str) -> AsyncIterator[Browser]:
    await write_chats(database_url, sample_chats())
    async with running_review_app(review_settings(database_url)) as new_browser:
        browser = new_browser()
        await browser.login("viewer")
        yield browser


@pytest.fixture
async def browsers(database_url: str) -> AsyncIterator[Callable[[], Browser]]:
    async with running_review_app(review_settings(database_url)) as new_browser:
        yield new_browser


async def test_these_tests_really_use_postgres(database_url: str) -> None:
    assert make_url(database_url).get_backend_name() == "postgresql"


async def test_filters_and_search_match_sqlite(viewer: Browser) -> None:
    for query, expected in FILTER_CASES:
        assert await senders(viewer, query) == expected, query
    page = (await viewer.get("/conversations")).text
    for intent in ("nlu_fallback", "request_refund", "track_order"):
        assert f'<option value="{intent}">' in page


async def test_paging_and_tags(browsers: Callable[[], Browser], database_url: str) -> None:
    chats = [
        Chat(f"p-{n:03}", MARCH + timedelta(minutes=n // 3)).say("hello there", "greet")
        for n in range(20)
    ]
    await write_chats(database_url, chats)
    browser = browsers()
    await browser.login("annotator")
    seen: list[str] = []
    query = "limit=6"
    while True:
        reply = (await browser.get("/api/conversations?" + query)).json()
        seen += [item["sender_id"] for item in reply["conversations"]]
        if reply["next"] is None:
            break
        query = "limit=6&after=" + reply["next"]
    assert len(set(seen)) == len(seen) == 20
    first = (await browser.get("/api/conversations?limit=1")).json()["conversations"][0]
    assert (await browser.submit(f"/conversations/{first['id']}/tags", {"tag": "pg"})).status == 303
    assert await senders(browser, "tag=pg") == [first["sender_id"]]


async def test_dashboard_days_and_metrics(viewer: Browser) -> None:
    data = (await viewer.get("/api/dashboard?from=2026-03-01&to=2026-03-05")).json()
    assert [day["count"] for day in data["per_day"]] == [1, 1, 1, 1, 0]
    outcomes = {"resolved": 1, "handed_off": 1, "abandoned": 2, "unresolved": 0, "open": 0}
    assert data["outcomes"] == outcomes
    assert data["csat"]["average"] == pytest.approx(8 / 3)
    assert data["nps"]["score"] == 0.0
    assert data["not_understood"]["message_rate"] == pytest.approx(1 / 4)


async def test_funnels_match_the_hand_count(database_url: str) -> None:
    await replay(database_url, [script for script, _ in funnel_scripts()])
    async with running_review_app(review_settings(database_url)) as new_browser:
        browser = new_browser()
        await browser.login("viewer")
        data = (await browser.get("/api/funnels?from=2026-05-03&to=2026-05-03")).json()
    assert data["flows"] == expected_funnels(FUNNELS_ON_3_MAY)

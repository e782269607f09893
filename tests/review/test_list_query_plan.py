"""At 100k conversations every list query is answered from indexes.

SQLite's own plan (EXPLAIN QUERY PLAN) is checked instead of the time a query takes: no full scan
of a table for any filter, and the common listings (all, a date range, an outcome) read the
started_at order straight from an index, so any page costs what the first does. Times are
measured by bench/review_list.py. The first pages are also checked against a plain query.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.sql import Select

from bot.review.conversations.filters import Cursor
from bot.review.conversations.queries import filtered, newest_first
from bot.testing.bulk import FILTERS, seed, sqlite_time
from bot.testing.project import in_worker_thread, sqlite_url
from bot.testing.review_app import Browser, build_template, review_settings, running_review_app

CONVERSATIONS = 100_000
ORDERED_BY_INDEX = ("everything", "date range", "outcome")
DEEP_CURSOR = Cursor(datetime(2025, 11, 1, tzinfo=UTC), CONVERSATIONS // 10)
FULL_SCAN = re.compile(r"^SCAN (conversations|turns|review_conversation_tags)\b(?!.*USING)")


@pytest.fixture(scope="module")
def bulk_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("review-bulk") / "cx.db"
    in_worker_thread(build_template, path)
    # One message each keeps seeding short; without ANALYZE statistics SQLite's plan does not
    # depend on table sizes (bench/review_list.py times three messages per conversation).
    seed(path, CONVERSATIONS, turns_per_conversation=1)
    return path


@pytest.fixture(scope="module")
def connection(bulk_database: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(bulk_database)
    yield connection
    connection.close()


def _sql(statement: Select) -> tuple[str, list[object]]:
    compiled = statement.compile(dialect=sqlite_dialect.dialect())
    params = compiled.construct_params()
    values = [params[name] for name in compiled.positiontup]
    values = [sqlite_time(v) if isinstance(v, datetime) else v for v in values]
    return str(compiled), values


def plan(connection: sqlite3.Connection, statement: Select) -> list[str]:
    sql, values = _sql(statement)
    return [row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql, values)]


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("after", [None, DEEP_CURSOR], ids=["first page", "deep page"])
def test_list_queries_use_indexes(
    connection: sqlite3.Connection, name: str, after: Cursor | None
) -> None:
    assert connection.execute("SELECT count(*) FROM conversations").fetchone()[0] == CONVERSATIONS
    steps = plan(connection, newest_first(filtered(FILTERS[name], "sqlite"), after).limit(51))
    assert not [step for step in steps if FULL_SCAN.search(step)], steps
    assert any("USING" in step for step in steps), steps
    if name in ORDERED_BY_INDEX:
        assert not [step for step in steps if "TEMP B-TREE" in step], steps


async def test_first_pages_at_scale_match_a_plain_query(
    bulk_database: Path, connection: sqlite3.Connection
) -> None:
    async with running_review_app(review_settings(sqlite_url(bulk_database))) as new_browser:
        browser: Browser = new_browser()
        await browser.login("viewer")
        cases = {
            "": "1 = 1",
            "outcome=handed_off": "outcome = 'handed_off'",
            "fallback=yes&csat=2": "had_fallback = 1 AND csat = 2",
        }
        for query, where in cases.items():
            reply = (await browser.get(f"/api/conversations?limit=50&{query}")).json()
            expected = connection.execute(
                f"SELECT sender_id FROM conversations WHERE {where} "  # noqa: S608 (constants)
                "ORDER BY started_at DESC, id DESC LIMIT 100"
            ).fetchall()
            second = (
                await browser.get(f"/api/conversations?limit=50&{query}&after={reply['next']}")
            ).json()
            got = [c["sender_id"] for c in reply["conversations"] + second["conversations"]]
            assert got == [row[0] for row in expected], query

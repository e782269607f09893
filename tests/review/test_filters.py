"""Query-string parsing for the list, the API and the exports."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.review.conversations.filters import (
    ConversationFilter,
    Cursor,
    FilterError,
    parse_cursor,
    parse_filter,
    parse_limit,
)


def test_a_full_filter_round_trips_through_its_query() -> None:
    query = {
        "from": "2026-03-01",
        "to": "2026-03-31",
        "intent": "track_order",
        "outcome": "resolved",
        "csat": "4",
        "fallback": "no",
        "handoff": "yes",
        "tag": "refund-bug",
        "q": "  where   is my order ",
    }
    parsed = parse_filter(query)
    assert parsed == ConversationFilter(
        date_from=date(2026, 3, 1),
        date_to=date(2026, 3, 31),
        intent="track_order",
        outcome="resolved",
        csat=4,
        had_fallback=False,
        had_handoff=True,
        tag="refund-bug",
        text="where is my order",
    )
    assert parse_filter(parsed.as_query()) == parsed
    assert parsed.started_from == datetime(2026, 3, 1, tzinfo=UTC)
    assert parsed.started_before == datetime(2026, 4, 1, tzinfo=UTC)  # "to" is inclusive


def test_empty_values_mean_no_filter() -> None:
    assert parse_filter({"from": "", "intent": " ", "fallback": ""}) == ConversationFilter()
    assert ConversationFilter().as_query() == {}


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-02-30"},
        {"to": "03/01/2026"},
        {"csat": "0"},
        {"csat": "4.5"},
        {"handoff": "true"},
        {"outcome": "RESOLVED"},
        {"intent": "a b"},
        {"tag": "UPPER"},
        {"q": "x" * 201},
    ],
)
def test_malformed_values_raise(query: dict[str, str]) -> None:
    with pytest.raises(FilterError):
        parse_filter(query)


def test_cursor_round_trip_is_exact_to_the_microsecond() -> None:
    cursor = Cursor(datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC), 4711)
    encoded = cursor.encode()
    assert encoded == "1772357415123456-4711"
    assert parse_cursor({"after": encoded}) == cursor
    assert parse_cursor({}) is None


@pytest.mark.parametrize("raw", ["abc", "1-", "-1", "1.5-2", "1-2-3", "9" * 18 + "-1"])
def test_bad_cursors_raise(raw: str) -> None:
    with pytest.raises(FilterError):
        parse_cursor({"after": raw})


def test_limit_bounds() -> None:
    assert parse_limit({}) == 50
    assert parse_limit({"limit": "200"}) == 200
    for bad in ("0", "201", "-1", "ten"):
        with pytest.raises(FilterError):
            parse_limit({"limit": bad})

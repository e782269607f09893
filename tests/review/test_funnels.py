"""The funnels' arithmetic apart from SQL, their definitions, and /api/funnels following the
/api/ conventions (sign-in, date range, errors). Real numbers: test_ground_truth.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.cxlog.funnels import FLOWS
from bot.review.common.definitions import FUNNEL_TERMS, FUNNELS
from bot.review.dashboard.funnels import flow_funnel
from bot.testing.review_app import Browser

CANCEL = next(definition for definition in FUNNELS if definition.key == "cancel")


def test_shares_are_of_the_started_and_each_step_includes_those_further_on() -> None:
    stops = {
        ("cancel", "started", "abandoned"): 2,
        ("cancel", "verified", "unresolved"): 1,
        ("cancel", "verified", "handed_off"): 1,
        ("cancel", "done", "resolved"): 4,
        ("tracking", "done", "resolved"): 9,  # another flow's
    }
    funnel = flow_funnel(CANCEL, stops)
    assert funnel["started"] == 8
    assert [(s["step"], s["conversations"], s["share"]) for s in funnel["steps"]] == [
        ("started", 8, 1.0),
        ("verified", 6, 0.75),
        ("eligible", 4, 0.5),
        ("done", 4, 0.5),
    ]
    left = {item["step"]: item for item in funnel["left"]}
    assert list(left) == ["started", "verified", "eligible"]
    assert left["started"]["outcomes"] == {
        "resolved": 0,
        "handed_off": 0,
        "abandoned": 2,
        "unresolved": 0,
        "open": 0,
    }
    assert (left["verified"]["conversations"], left["verified"]["share"]) == (2, 0.25)
    assert left["verified"]["outcomes"]["handed_off"] == 1
    assert left["eligible"]["conversations"] == 0


def test_a_flow_nobody_started_has_no_shares() -> None:
    funnel = flow_funnel(CANCEL, {})
    assert funnel["started"] == 0
    assert all(step["share"] is None for step in funnel["steps"])
    assert all(item["share"] is None for item in funnel["left"])


def test_every_flow_and_step_has_its_words_and_nothing_else_does() -> None:
    assert [flow.key for flow in FLOWS] == [definition.key for definition in FUNNELS]
    for flow, definition in zip(FLOWS, FUNNELS, strict=True):
        assert flow.step_keys == tuple(step.key for step in definition.steps), flow.key
        assert all(step.text.endswith(".") for step in definition.steps)
    assert {term.key for term in FUNNEL_TERMS} == {"funnel-share", "funnel-left"}


async def test_strangers_get_401_and_bad_ranges_400(browser: Browser) -> None:
    reply = await browser.get("/api/funnels")
    assert reply.status == 401 and reply.json() == {"error": "sign in first"}
    await browser.login("viewer")
    for query, message in (
        ("from=2026-03-05&to=2026-03-01", "from must not be after to"),
        ("from=2020-01-01&to=2026-01-01", "at most 731 days"),
        ("from=yesterday", "from must be a date"),
    ):
        reply = await browser.get("/api/funnels?" + query)
        assert reply.status == 400 and message in reply.json()["error"], query


async def test_the_default_range_is_the_dashboards(browser: Browser) -> None:
    await browser.login("viewer")
    data = (await browser.get("/api/funnels")).json()
    today = datetime.now(UTC).date()
    assert (data["from"], data["to"]) == ((today - timedelta(days=29)).isoformat(), str(today))
    assert [flow["flow"] for flow in data["flows"]] == [flow.key for flow in FLOWS]
    assert all(flow["started"] == 0 for flow in data["flows"])


@pytest.mark.parametrize("page", ["/dashboard", "/api/funnels"])
async def test_every_role_may_read_the_funnels(browser: Browser, page: str) -> None:
    await browser.login("viewer")
    assert (await browser.get(page)).status == 200

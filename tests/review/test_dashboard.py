"""The dashboard's JSON over conversations written through the real pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape

from bot.review.common.definitions import METRICS, OUTCOMES
from bot.testing.processes import PROJECT_ROOT
from bot.testing.review_app import MARCH, Browser, Chat, sample_chats, write_chats
from tests.review.ground_truth import assert_not_understood, assert_rates


@pytest.fixture
async def viewer(browser: Browser, database_url: str) -> Browser:
    address_changes = [
        Chat(f"addr-{n}", MARCH + timedelta(days=4, hours=n))
        .say("I moved, new street please", "change_address", confidence)
        .bot("Which order?")
        for n, confidence in enumerate((0.4, 0.5, 0.6))
    ]
    await write_chats(database_url, [*sample_chats(), *address_changes])
    await browser.login("viewer")
    return browser


async def test_metrics_for_a_date_range(viewer: Browser) -> None:
    data = (await viewer.get("/api/dashboard?from=2026-03-01&to=2026-03-07")).json()
    assert data["from"] == "2026-03-01" and data["to"] == "2026-03-07"
    assert data["conversations"] == 7
    assert data["customer_messages"] == 7
    # Silent since March: decided by the sweep. Every chat but c-track and c-refund ended on
    # the assistant's message without the task done.
    outcomes = {"resolved": 1, "handed_off": 1, "abandoned": 5, "unresolved": 0, "open": 0}
    assert data["outcomes"] == outcomes
    assert (data["decided"], data["open"]) == (7, 0)
    assert [day["count"] for day in data["per_day"]] == [1, 1, 1, 1, 3, 0, 0]
    assert_rates(data, resolution=1 / 7, containment=6 / 7, handoff=1 / 7, abandonment=5 / 7)
    # not understood: messages, of the handled messages, rate; conversations, rate
    assert_not_understood(data, 1, 7, pytest.approx(1 / 7), 1, pytest.approx(1 / 7))
    assert data["csat"]["average"] == pytest.approx((5 + 2 + 1) / 3)
    assert [d["count"] for d in data["csat"]["distribution"]] == [1, 1, 0, 0, 1]
    assert data["nps"] == {
        "score": 0.0,
        "responses": 2,
        "promoters": 1,
        "passives": 0,
        "detractors": 1,
    }
    assert data["top_intents"][:2] == [
        {"intent": "change_address", "messages": 3, "average_confidence": pytest.approx(0.5)},
        {"intent": "request_refund", "messages": 2, "average_confidence": pytest.approx(0.675)},
    ]
    assert data["lowest_confidence_intents"] == [
        {"intent": "change_address", "messages": 3, "average_confidence": pytest.approx(0.5)}
    ]


async def test_the_range_narrows_everything(viewer: Browser) -> None:
    data = (await viewer.get("/api/dashboard?from=2026-03-02&to=2026-03-03")).json()
    assert data["conversations"] == 2
    assert {i["intent"] for i in data["top_intents"]} == {"request_refund", "nlu_fallback"}
    assert data["csat"]["responses"] == 2
    empty = (await viewer.get("/api/dashboard?from=2025-01-01&to=2025-01-02")).json()
    assert empty["conversations"] == 0
    assert empty["containment_rate"] is None and empty["csat"]["average"] is None
    assert empty["not_understood"]["message_rate"] is None


async def test_the_default_range_is_the_last_30_days(viewer: Browser) -> None:
    data = (await viewer.get("/api/dashboard")).json()
    today = datetime.now(UTC).date()
    assert data["to"] == today.isoformat()
    assert data["from"] == (today - timedelta(days=29)).isoformat()
    assert len(data["per_day"]) == 30


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-03-05&to=2026-03-01", "from must not be after to"),
        ("from=2020-01-01&to=2026-01-01", "at most 731 days"),
        ("to=soon", "to must be a date"),
    ],
)
async def test_bad_ranges_are_400(viewer: Browser, query: str, message: str) -> None:
    reply = await viewer.get("/api/dashboard?" + query)
    assert reply.status == 400 and message in reply.json()["error"]
    assert (await viewer.get("/dashboard?" + query)).status == 400


async def test_the_page_points_its_script_at_the_json_for_the_range(viewer: Browser) -> None:
    page = (await viewer.get("/dashboard?from=2026-03-01&to=2026-03-07")).text
    assert 'data-source="/api/dashboard?from=2026-03-01&amp;to=2026-03-07"' in page
    assert '<script src="/static/vendor/chart.umd.js"></script>' in page
    for canvas in ("chart-per-day", "chart-csat", "chart-top-intents", "chart-low-confidence"):
        assert f'<canvas id="{canvas}">' in page


async def test_every_number_has_its_definition_from_one_place(viewer: Browser) -> None:
    page = (await viewer.get("/dashboard")).text
    for definition in METRICS:
        assert f'aria-controls="help-{definition.key}"' in page
        assert f'<span class="kpi-value" id="kpi-{definition.key}">' in page
        assert (
            f'<p class="help-text" id="help-{definition.key}" hidden>{escape(definition.text)}</p>'
            in page
        )
    for definition in OUTCOMES:
        assert escape(definition.text) in page


def test_readme_quotes_every_definition() -> None:
    readme = " ".join((PROJECT_ROOT / "README.md").read_text(encoding="utf-8").split())
    for definition in (*METRICS, *OUTCOMES):
        assert definition.text in readme, definition.key

"""The metric definitions, apart from SQL."""

from __future__ import annotations

from datetime import date

import pytest

from bot.review.dashboard import metrics
from bot.review.dashboard.metrics import IntentStats


def test_rates_are_none_without_data_not_zero() -> None:
    assert metrics.rate(0, 0) is None
    assert metrics.rate(1, 4) == 0.25
    rates = metrics.outcome_rates({"open": 3})
    assert rates["decided"] == 0
    assert rates["containment_rate"] is None and rates["resolution_rate"] is None


def test_outcome_rates_are_over_decided_conversations_only() -> None:
    outcomes = {"resolved": 4, "handed_off": 2, "abandoned": 3, "unresolved": 1, "open": 90}
    assert metrics.outcome_rates(outcomes) == {
        "decided": 10,
        "resolution_rate": 0.4,
        "containment_rate": 0.8,  # everything but the 2 handed off
        "handoff_rate": 0.2,
        "abandonment_rate": 0.3,
        "unresolved_rate": 0.1,
    }
    assert metrics.outcome_rates({"handed_off": 4})["containment_rate"] == 0.0


def test_not_understood_per_message_and_per_conversation() -> None:
    assert metrics.not_understood(3, 12, 2, 8) == {
        "messages": 3,
        "handled_messages": 12,
        "message_rate": 0.25,
        "conversations": 2,
        "conversation_rate": 0.25,
    }
    assert metrics.not_understood(0, 0, 0, 0)["message_rate"] is None


def test_csat_average_and_full_distribution() -> None:
    summary = metrics.csat_summary({5: 3, 4: 1, 1: 1})
    assert summary["average"] == pytest.approx((15 + 4 + 1) / 5)
    assert summary["responses"] == 5
    assert summary["distribution"] == [
        {"score": 1, "count": 1},
        {"score": 2, "count": 0},
        {"score": 3, "count": 0},
        {"score": 4, "count": 1},
        {"score": 5, "count": 3},
    ]
    assert metrics.csat_summary({})["average"] is None


@pytest.mark.parametrize(
    ("answers", "score"),
    [
        ({10: 5}, 100.0),
        ({0: 2, 6: 3}, -100.0),
        ({7: 4, 8: 6}, 0.0),  # passives only
        ({10: 6, 9: 1, 8: 1, 3: 2}, 50.0),  # 70 % promoters - 20 % detractors
        ({}, None),
    ],
)
def test_nps_is_promoters_minus_detractors(answers: dict[int, int], score: float | None) -> None:
    summary = metrics.nps_summary(answers)
    assert summary["score"] == (pytest.approx(score) if score is not None else None)
    responses = sum(answers.values())
    assert summary["promoters"] + summary["passives"] + summary["detractors"] == responses


def test_per_day_fills_quiet_days_with_zero() -> None:
    days = metrics.per_day({date(2026, 3, 2): 4}, date(2026, 3, 1), date(2026, 3, 3))
    assert days == [
        {"date": "2026-03-01", "count": 0},
        {"date": "2026-03-02", "count": 4},
        {"date": "2026-03-03", "count": 0},
    ]


STATS = [
    IntentStats("track_order", 40, 0.95),
    IntentStats("request_refund", 40, 0.61),
    IntentStats("nlu_fallback", 12, 0.3),
    IntentStats("change_address", 2, 0.2),  # too few messages to judge
    IntentStats("greet", 7, 0.88),
]


def test_top_intents_by_messages_then_name() -> None:
    top = metrics.top_intents(STATS, limit=3)
    assert [item["intent"] for item in top] == ["request_refund", "track_order", "nlu_fallback"]
    assert top[0] == {"intent": "request_refund", "messages": 40, "average_confidence": 0.61}


def test_lowest_confidence_skips_rare_intents_and_the_fallback() -> None:
    lowest = metrics.lowest_confidence_intents(STATS, limit=2, min_messages=3)
    assert [item["intent"] for item in lowest] == ["request_refund", "greet"]
    everything = metrics.lowest_confidence_intents(STATS, min_messages=1, excluded=frozenset())
    assert everything[0]["intent"] == "change_address"

"""Service-quality metrics as plain functions over counts, so each definition is unit-tested
apart from SQL. ``None`` means "no data" (shown as a dash), never zero.

The words for each number are in :mod:`bot.review.common.definitions`; in short, every rate is over
*decided* conversations (resolved, handed off, abandoned or unresolved), never over open ones:

  resolution rate     resolved / decided
  containment         (decided - handed off) / decided: no person was involved
  handoff rate        handed off / decided
  abandonment rate    abandoned / decided
  not understood      per message: not-understood messages / messages the assistant handled;
                      per conversation: decided conversations with one / decided
  CSAT                mean of the 1-5 ratings, and how many of each
  NPS                 % promoters (9-10) minus % detractors (0-6), from -100 to 100
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.cxlog.models import DECIDED_OUTCOMES

CSAT_SCORES = range(1, 6)
NPS_SCORES = range(0, 11)
PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def outcome_rates(outcomes: Mapping[str, int]) -> dict[str, Any]:
    """How many conversations are decided, and the outcome rates over them."""
    decided = sum(outcomes.get(outcome, 0) for outcome in DECIDED_OUTCOMES)
    handed_off = outcomes.get("handed_off", 0)
    return {
        "decided": decided,
        "resolution_rate": rate(outcomes.get("resolved", 0), decided),
        "containment_rate": rate(decided - handed_off, decided),
        "handoff_rate": rate(handed_off, decided),
        "abandonment_rate": rate(outcomes.get("abandoned", 0), decided),
        "unresolved_rate": rate(outcomes.get("unresolved", 0), decided),
    }


def not_understood(
    messages: int, handled_messages: int, conversations: int, decided: int
) -> dict[str, Any]:
    return {
        "messages": messages,
        "handled_messages": handled_messages,
        "message_rate": rate(messages, handled_messages),
        "conversations": conversations,
        "conversation_rate": rate(conversations, decided),
    }


def csat_summary(distribution: Mapping[int, int]) -> dict[str, Any]:
    counts = {score: distribution.get(score, 0) for score in CSAT_SCORES}
    responses = sum(counts.values())
    total = sum(score * count for score, count in counts.items())
    return {
        "average": total / responses if responses else None,
        "responses": responses,
        "distribution": [{"score": score, "count": count} for score, count in counts.items()],
    }


def nps_summary(distribution: Mapping[int, int]) -> dict[str, Any]:
    counts = {score: distribution.get(score, 0) for score in NPS_SCORES}
    responses = sum(counts.values())
    promoters = sum(n for score, n in counts.items() if score >= PROMOTER_FROM)
    detractors = sum(n for score, n in counts.items() if score <= DETRACTOR_UP_TO)
    return {
        "score": 100 * (promoters - detractors) / responses if responses else None,
        "responses": responses,
        "promoters": promoters,
        "passives": responses - promoters - detractors,
        "detractors": detractors,
    }


def per_day(counts: Mapping[date, int], first: date, last: date) -> list[dict[str, Any]]:
    """One entry per day from ``first`` to ``last``, zero where nothing happened."""
    days = (last - first).days + 1
    return [
        {"date": day.isoformat(), "count": counts.get(day, 0)}
        for day in (first + timedelta(days=offset) for offset in range(days))
    ]


@dataclass(frozen=True)
class IntentStats:
    intent: str
    messages: int
    average_confidence: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "messages": self.messages,
            "average_confidence": self.average_confidence,
        }


def top_intents(stats: Iterable[IntentStats], limit: int = 10) -> list[dict[str, Any]]:
    ranked = sorted(stats, key=lambda s: (-s.messages, s.intent))
    return [s.as_dict() for s in ranked[:limit]]


def lowest_confidence_intents(
    stats: Iterable[IntentStats],
    limit: int = 10,
    min_messages: int = 3,
    excluded: frozenset[str] = frozenset({"nlu_fallback"}),
) -> list[dict[str, Any]]:
    """The intents the model is least sure of; ``min_messages`` keeps one odd message from
    topping the list, and the fallback intent (whose score is the threshold) is left out."""
    candidates = [
        s
        for s in stats
        if s.messages >= min_messages
        and s.average_confidence is not None
        and s.intent not in excluded
    ]
    ranked = sorted(candidates, key=lambda s: (s.average_confidence, s.intent))
    return [s.as_dict() for s in ranked[:limit]]

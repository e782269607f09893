"""The CX log's rows as JSON-ready dicts: one shape for a turn, a handoff and feedback, which the
review app's API and exports and the right-of-access export (:mod:`bot.cxlog.retention`) share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.cxlog.handoff_reasons import reason_in_words
from bot.cxlog.models import Feedback, Handoff, Turn


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def only(fields: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """``fields`` cut down to ``keys``, in that order."""
    return {key: fields[key] for key in keys}


def turn_dict(turn: Turn) -> dict[str, Any]:
    return {
        "seq": turn.seq,
        "at": iso(turn.created_at),
        "user_text": turn.user_text,
        "intent": turn.intent,
        "confidence": turn.confidence,
        "entities": turn.entities,
        "intent_ranking": turn.intent_ranking,
        "bot_actions": turn.bot_actions,
        "bot_texts": turn.bot_texts,
        "agent_texts": turn.agent_texts,
        "latency_ms": turn.latency_ms,
        "is_fallback": turn.is_fallback,
        "to_agent": turn.to_agent,
    }


def handoff_dict(handoff: Handoff) -> dict[str, Any]:
    return {
        "requested_at": iso(handoff.requested_at),
        "reason": handoff.reason,
        "reason_text": reason_in_words(handoff.reason),
        "accepted_by": handoff.accepted_by,
        "accepted_at": iso(handoff.accepted_at),
        "ended_at": iso(handoff.ended_at),
    }


def feedback_dict(feedback: Feedback | None) -> dict[str, Any] | None:
    if feedback is None:
        return None
    return {"csat": feedback.csat, "nps": feedback.nps, "comment": feedback.comment}

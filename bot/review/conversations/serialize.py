"""Conversations as JSON-ready dicts, the one shape the JSON API and the exports share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.cxlog.handoff_reasons import reason_in_words
from bot.cxlog.models import Conversation, Feedback, Handoff, Turn


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def conversation_summary(conversation: Conversation, tags: list[str]) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "sender_id": conversation.sender_id,
        "channel": conversation.channel,
        "host_page": conversation.host_page,
        "customer_id": conversation.customer_id,
        "started_at": _iso(conversation.started_at),
        "ended_at": _iso(conversation.ended_at),
        "end_reason": conversation.end_reason,
        "outcome": conversation.outcome,
        "had_fallback": conversation.had_fallback,
        "had_handoff": conversation.had_handoff,
        "customer_messages": conversation.turn_count,
        "fallback_messages": conversation.fallback_count,
        "messages_to_agent": conversation.human_turn_count,
        "csat": conversation.csat,
        "nps": conversation.nps,
        "first_intent": conversation.first_intent,
        "top_intent": conversation.top_intent,
        "tags": tags,
    }


def turn_dict(turn: Turn) -> dict[str, Any]:
    return {
        "seq": turn.seq,
        "at": _iso(turn.created_at),
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
        "requested_at": _iso(handoff.requested_at),
        "reason": handoff.reason,
        "reason_text": reason_in_words(handoff.reason),
        "accepted_by": handoff.accepted_by,
        "accepted_at": _iso(handoff.accepted_at),
        "ended_at": _iso(handoff.ended_at),
    }


def feedback_dict(feedback: Feedback | None) -> dict[str, Any] | None:
    if feedback is None:
        return None
    return {"csat": feedback.csat, "nps": feedback.nps, "comment": feedback.comment}


def conversation_detail(
    conversation: Conversation, tags: list[str], with_handoffs: bool = False
) -> dict[str, Any]:
    """The summary plus feedback and every turn (relationships must be loaded, the handoffs
    too when asked for)."""
    detail = {
        **conversation_summary(conversation, tags),
        "feedback": feedback_dict(conversation.feedback),
        "turns": [turn_dict(turn) for turn in conversation.turns],
    }
    if with_handoffs:
        detail["handoffs"] = [handoff_dict(handoff) for handoff in conversation.handoffs]
    return detail

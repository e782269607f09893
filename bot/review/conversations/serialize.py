"""Conversations as JSON-ready dicts, the one shape the JSON API and the exports share (a turn,
a handoff and feedback look as :mod:`bot.cxlog.serialize` has them)."""

from __future__ import annotations

from typing import Any

from bot.cxlog.models import Conversation
from bot.cxlog.serialize import feedback_dict, handoff_dict, iso, turn_dict


def conversation_summary(conversation: Conversation, tags: list[str]) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "sender_id": conversation.sender_id,
        "channel": conversation.channel,
        "host_page": conversation.host_page,
        "customer_id": conversation.customer_id,
        "started_at": iso(conversation.started_at),
        "ended_at": iso(conversation.ended_at),
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

"""Retention and data-subject requests on the CX log store.

- :func:`purge`: delete conversations silent for more than ``CX_RETENTION_DAYS`` (their turns,
  feedback, handoffs and anything the review app hangs on them go with them through
  ``ON DELETE CASCADE``), and processed-event ids older than that.
- :func:`export_conversations`: everything stored about one customer or sender, as JSON-ready
  dicts (right of access).
- :func:`delete_conversations`: erase it (right to erasure). Processed-event ids are hashes
  without the sender and stay, so a late replay cannot bring the data back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.cxlog.database import session_factory
from bot.cxlog.models import Conversation, ProcessedEvent
from bot.cxlog.serialize import feedback_dict, handoff_dict, iso, only, turn_dict
from bot.cxlog.store import CXStore

# What the access export tells of each turn and handoff (the review app's JSON shows more).
ACCESS_TURN_KEYS = (
    "seq",
    "at",
    "user_text",
    "intent",
    "confidence",
    "entities",
    "bot_actions",
    "bot_texts",
)
ACCESS_HANDOFF_KEYS = ("requested_at", "reason", "accepted_at", "ended_at")


@dataclass(frozen=True)
class Subject:
    """Whose data: a customer id (all their conversations) or one conversation's sender id."""

    customer_id: str | None = None
    sender_id: str | None = None

    def __post_init__(self) -> None:
        if bool(self.customer_id) == bool(self.sender_id):
            raise ValueError("give exactly one of customer_id or sender_id")

    def condition(self) -> Any:
        if self.customer_id:
            return Conversation.customer_id == self.customer_id
        return Conversation.sender_id == self.sender_id


@dataclass(frozen=True)
class PurgeResult:
    conversations: int
    processed_events: int


async def purge(store: CXStore, retention_days: int, now: datetime | None = None) -> PurgeResult:
    if retention_days < 1:
        raise ValueError("CX_RETENTION_DAYS must be at least 1")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    async with session_factory(store.engine)() as session, session.begin():
        conversations = await session.execute(
            delete(Conversation)
            .where(Conversation.last_event_at < cutoff)
            .execution_options(synchronize_session=False)
        )
        events = await session.execute(
            delete(ProcessedEvent)
            .where(ProcessedEvent.processed_at < cutoff)
            .execution_options(synchronize_session=False)
        )
    return PurgeResult(conversations.rowcount or 0, events.rowcount or 0)


async def export_conversations(store: CXStore, subject: Subject) -> list[dict[str, Any]]:
    async with session_factory(store.engine)() as session:
        conversations = await _load(session, subject)
        return [_conversation_dict(conversation) for conversation in conversations]


async def delete_conversations(store: CXStore, subject: Subject) -> int:
    async with session_factory(store.engine)() as session, session.begin():
        result = await session.execute(
            delete(Conversation)
            .where(subject.condition())
            .execution_options(synchronize_session=False)
        )
    return result.rowcount or 0


async def _load(session: AsyncSession, subject: Subject) -> list[Conversation]:
    query = (
        select(Conversation)
        .where(subject.condition())
        .options(
            selectinload(Conversation.turns),
            selectinload(Conversation.feedback),
            selectinload(Conversation.handoffs),
        )
        .order_by(Conversation.started_at)
    )
    return list(await session.scalars(query))


def _conversation_dict(conversation: Conversation) -> dict[str, Any]:
    return {
        "sender_id": conversation.sender_id,
        "customer_id": conversation.customer_id,
        "channel": conversation.channel,
        "started_at": iso(conversation.started_at),
        "ended_at": iso(conversation.ended_at),
        "last_event_at": iso(conversation.last_event_at),
        "outcome": conversation.outcome,
        "had_fallback": conversation.had_fallback,
        "had_handoff": conversation.had_handoff,
        "csat": conversation.csat,
        "nps": conversation.nps,
        "turns": [only(turn_dict(turn), ACCESS_TURN_KEYS) for turn in conversation.turns],
        "feedback": feedback_dict(conversation.feedback),
        "handoffs": [
            only(handoff_dict(handoff), ACCESS_HANDOFF_KEYS) for handoff in conversation.handoffs
        ],
    }

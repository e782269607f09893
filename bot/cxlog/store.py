"""The CX log store: applies batches of CX events to the database, idempotently.

Each batch is one transaction: events whose id is already in ``processed_events`` are skipped,
the rest are projected per conversation (``bot.cxlog.projector``) and their ids recorded. A
redelivered or replayed batch therefore changes nothing, and a failed one leaves no trace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import aliased

from bot.cxlog.database import create_engine, session_factory
from bot.cxlog.migrate import schema_is_current, upgrade
from bot.cxlog.models import (
    Conversation,
    Feedback,
    FlowProgress,
    Handoff,
    ProcessedEvent,
    Turn,
)
from bot.cxlog.projector import (
    Projection,
    apply_event,
    close_if_silent,
    new_conversation,
    timestamp_to_datetime,
)

logger = logging.getLogger(__name__)

# Well under SQLite's limit of bound parameters per statement.
IN_CHUNK = 500
# Two writers (consumers) creating the same conversation or recording the same event at once:
# the loser rolls back and retries, then sees the winner's rows.
INTEGRITY_RETRIES = 3


def _chunks(items: Sequence[str], size: int = IN_CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class CXStore:
    """Async access to the CX log database for the broker, the consumer and the CLI."""

    def __init__(self, engine: AsyncEngine, database_url: str, abandon_after: timedelta) -> None:
        self.engine = engine
        self.database_url = database_url
        self.abandon_after = abandon_after
        self._sessions = session_factory(engine)

    @classmethod
    def from_url(cls, database_url: str, abandon_minutes: int) -> CXStore:
        return cls(create_engine(database_url), database_url, timedelta(minutes=abandon_minutes))

    async def close(self) -> None:
        await self.engine.dispose()

    async def ensure_schema(self) -> None:
        """Migrate to the newest revision if needed (alembic runs its own loop: a thread)."""
        if not await schema_is_current(self.engine):
            await asyncio.to_thread(upgrade, self.database_url)

    async def write(self, events: Sequence[dict[str, Any]]) -> int:
        """Apply CX events in order; return how many were new. Raises if the database fails."""
        attempt = 1
        while True:
            try:
                async with self._sessions() as session, session.begin():
                    return await self._apply(session, events)
            except IntegrityError:
                if attempt >= INTEGRITY_RETRIES:
                    raise
                attempt += 1
                logger.info("cxlog: concurrent write to the same rows, retrying the batch")

    async def _apply(self, session: AsyncSession, events: Sequence[dict[str, Any]]) -> int:
        ids = list(dict.fromkeys(event["event_id"] for event in events))
        seen: set[str] = set()
        for chunk in _chunks(ids):
            query = select(ProcessedEvent.event_id).where(ProcessedEvent.event_id.in_(chunk))
            seen.update(await session.scalars(query))
        fresh: list[dict[str, Any]] = []
        for event in events:
            if event["event_id"] not in seen:
                seen.add(event["event_id"])
                fresh.append(event)
        by_sender: dict[str, list[dict[str, Any]]] = {}
        for event in fresh:
            by_sender.setdefault(event["sender_id"], []).append(event)
        projections = await self._load(session, by_sender)
        for sender_id, sender_events in by_sender.items():
            projection = projections[sender_id]
            for event in sender_events:
                apply_event(projection, event, self.abandon_after)
            session.add_all(projection.new_rows)
            for row in projection.dropped_rows:
                await session.delete(row)
        now = datetime.now(UTC)
        session.add_all(
            ProcessedEvent(event_id=event["event_id"], processed_at=now) for event in fresh
        )
        return len(fresh)

    async def _load(
        self, session: AsyncSession, by_sender: dict[str, list[dict[str, Any]]]
    ) -> dict[str, Projection]:
        """The batch's conversations with their last turn, feedback and open handoff, and their
        flow progress, in two queries per chunk; conversations seen for the first time are
        created (and get ids)."""
        turns, handoffs = aliased(Turn), aliased(Handoff)
        last_turn = (
            select(turns.id)
            .where(turns.conversation_id == Conversation.id)
            .order_by(turns.seq.desc())
            .limit(1)
            .correlate(Conversation)
            .scalar_subquery()
        )
        open_handoff = (
            select(handoffs.id)
            .where(handoffs.conversation_id == Conversation.id, handoffs.ended_at.is_(None))
            .order_by(handoffs.requested_at.desc())
            .limit(1)
            .correlate(Conversation)
            .scalar_subquery()
        )
        projections: dict[str, Projection] = {}
        for chunk in _chunks(list(by_sender)):
            rows = await session.execute(
                select(Conversation, Turn, Feedback, Handoff)
                .select_from(Conversation)
                .outerjoin(Turn, Turn.id == last_turn)
                .outerjoin(Feedback, Feedback.conversation_id == Conversation.id)
                .outerjoin(Handoff, Handoff.id == open_handoff)
                .where(Conversation.sender_id.in_(chunk))
            )
            by_id: dict[int, Projection] = {}
            for conversation, turn, feedback, handoff in rows:
                projection = Projection(conversation, turn, feedback, handoff)
                projections[conversation.sender_id] = by_id[conversation.id] = projection
            if by_id:
                flows = await session.scalars(
                    select(FlowProgress).where(FlowProgress.conversation_id.in_(list(by_id)))
                )
                for progress in flows:
                    by_id[progress.conversation_id].flows[progress.flow] = progress
        created = []
        for sender_id, sender_events in by_sender.items():
            if sender_id not in projections:
                first_at = timestamp_to_datetime(sender_events[0]["timestamp"])
                conversation = new_conversation(sender_id, first_at)
                projections[sender_id] = Projection(conversation)
                created.append(conversation)
        if created:
            session.add_all(created)
            await session.flush()
        return projections

    async def name_digests(self, sender_ids: Sequence[str]) -> dict[str, list[str]]:
        """The stored name digests of these conversations (for redacting their next messages)."""
        found: dict[str, list[str]] = {}
        async with self._sessions() as session:
            for chunk in _chunks(list(sender_ids)):
                rows = await session.execute(
                    select(Conversation.sender_id, Conversation.name_digests).where(
                        Conversation.sender_id.in_(chunk)
                    )
                )
                found.update({sender: list(digests or []) for sender, digests in rows})
        return found

    async def sweep_abandoned(self, now: datetime | None = None) -> int:
        """End the open conversations silent for ``abandon_after`` at ``now`` (the wall clock
        unless given) and decide their outcome; return how many were closed."""
        moment = now or datetime.now(UTC)
        cutoff = moment - self.abandon_after
        async with self._sessions() as session, session.begin():
            silent = await session.scalars(
                select(Conversation).where(
                    Conversation.outcome == "open", Conversation.last_event_at <= cutoff
                )
            )
            return sum(
                close_if_silent(conversation, moment, self.abandon_after) for conversation in silent
            )

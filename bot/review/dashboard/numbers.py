"""The dashboard's numbers for a date range: a few aggregate queries, then :mod:`metrics`.

Days are UTC days of a conversation's start (messages: of the message), the same days the
conversation list filters on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.cxlog.models import DECIDED_OUTCOMES, OUTCOMES, Conversation, Turn
from bot.review.conversations.filters import FilterError
from bot.review.conversations.queries import dialect_of
from bot.review.dashboard import metrics

DEFAULT_DAYS = 30
MAX_DAYS = 731


def date_range(date_from: date | None, date_to: date | None, today: date) -> tuple[date, date]:
    """The range asked for, defaulting to the last 30 days; FilterError if it is too long."""
    last = date_to or today
    first = date_from or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise FilterError("from must not be after to")
    if (last - first).days + 1 > MAX_DAYS:
        raise FilterError(f"the dashboard shows at most {MAX_DAYS} days at once")
    return first, last


def _day(column: Any, dialect: str) -> ColumnElement:
    if dialect == "sqlite":
        return func.date(column)
    # Constants inline, not bound: GROUP BY must repeat the select's expression exactly.
    return func.to_char(
        func.timezone(literal_column("'UTC'"), column), literal_column("'YYYY-MM-DD'")
    )


@dataclass
class ConversationCounts:
    """Everything the dashboard needs from the conversations table, from one grouped scan.

    Message counts are kept for decided conversations only: open ones are left out of rates.
    """

    total: int = 0
    customer_messages: int = 0
    handled_messages: int = 0
    not_understood_messages: int = 0
    not_understood_conversations: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    csat: dict[int, int] = field(default_factory=dict)
    nps: dict[int, int] = field(default_factory=dict)

    def add(self, group: Sequence[Any], sums: Sequence[Any]) -> None:
        outcome, csat, nps, had_fallback = group
        count, messages, to_agent, fallbacks = (int(value or 0) for value in sums)
        self.total += count
        self.customer_messages += messages
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + count
        if outcome in DECIDED_OUTCOMES:
            self.handled_messages += messages - to_agent
            self.not_understood_messages += fallbacks
            if had_fallback:
                self.not_understood_conversations += count
        if csat is not None:
            self.csat[csat] = self.csat.get(csat, 0) + count
        if nps is not None:
            self.nps[nps] = self.nps.get(nps, 0) + count


async def _conversation_counts(db: AsyncSession, in_range: Sequence[Any]) -> ConversationCounts:
    groups = (Conversation.outcome, Conversation.csat, Conversation.nps, Conversation.had_fallback)
    rows = await db.execute(
        select(
            *groups,
            func.count(),
            func.sum(Conversation.turn_count),
            func.sum(Conversation.human_turn_count),
            func.sum(Conversation.fallback_count),
        )
        .where(*in_range)
        .group_by(*groups)
    )
    counts = ConversationCounts()
    for row in rows:
        counts.add(row[: len(groups)], row[len(groups) :])
    return counts


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The first moment of ``first`` and the first moment after ``last`` (UTC days)."""
    after = last + timedelta(days=1)
    return datetime.combine(first, time(), UTC), datetime.combine(after, time(), UTC)


def started_between(first: date, last: date) -> tuple[ColumnElement, ColumnElement]:
    """Conversations started on the days from ``first`` to ``last``: every dashboard number's
    range (funnels included)."""
    start, end = day_bounds(first, last)
    return Conversation.started_at >= start, Conversation.started_at < end


async def dashboard_data(db: AsyncSession, first: date, last: date) -> dict[str, Any]:
    start, end = day_bounds(first, last)
    in_range = started_between(first, last)
    counts = await _conversation_counts(db, in_range)
    day = _day(Conversation.started_at, dialect_of(db))
    daily = await db.execute(select(day, func.count()).where(*in_range).group_by(day))
    intents = await db.execute(
        select(Turn.intent, func.count(), func.avg(Turn.confidence))
        .where(
            Turn.created_at >= start,
            Turn.created_at < end,
            Turn.intent.is_not(None),
            # Messages to an agent were never the assistant's to understand.
            Turn.to_agent.is_(False),
        )
        .group_by(Turn.intent)
    )
    intent_stats = [
        metrics.IntentStats(name, count, float(avg) if avg is not None else None)
        for name, count, avg in intents
    ]
    rates = metrics.outcome_rates(counts.outcomes)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "conversations": counts.total,
        "open": counts.outcomes["open"],
        "customer_messages": counts.customer_messages,
        "outcomes": counts.outcomes,
        **rates,
        "not_understood": metrics.not_understood(
            counts.not_understood_messages,
            counts.handled_messages,
            counts.not_understood_conversations,
            rates["decided"],
        ),
        "per_day": metrics.per_day(
            {date.fromisoformat(str(key)): count for key, count in daily}, first, last
        ),
        "csat": metrics.csat_summary(counts.csat),
        "nps": metrics.nps_summary(counts.nps),
        "top_intents": metrics.top_intents(intent_stats),
        "lowest_confidence_intents": metrics.lowest_confidence_intents(intent_stats),
    }

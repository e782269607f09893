"""Reading conversations for the list, the exports and the transcript view.

Lists are newest first and paged by keyset (``started_at``, ``id``) rather than by offset, so the
hundredth page costs what the first does; every filter is one indexed condition (see
``tests/review/test_list_query_plan.py`` and ``bench/review_list.py`` for 100k conversations).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select

from bot.cxlog.models import Conversation, Turn
from bot.review.common.models import ConversationNote, ConversationTag
from bot.review.conversations.filters import ConversationFilter, Cursor
from bot.review.conversations.search import text_condition

MAX_KNOWN_INTENTS = 500


def filtered(flt: ConversationFilter, dialect: str) -> Select:
    """``SELECT conversations`` narrowed by every filter that is set."""
    conditions = []
    if flt.started_from is not None:
        conditions.append(Conversation.started_at >= flt.started_from)
    if flt.started_before is not None:
        conditions.append(Conversation.started_at < flt.started_before)
    if flt.outcome is not None:
        conditions.append(Conversation.outcome == flt.outcome)
    if flt.csat is not None:
        conditions.append(Conversation.csat == flt.csat)
    if flt.had_fallback is not None:
        conditions.append(Conversation.had_fallback.is_(flt.had_fallback))
    if flt.had_handoff is not None:
        conditions.append(Conversation.had_handoff.is_(flt.had_handoff))
    if flt.intent is not None:
        with_intent = select(Turn.conversation_id).where(Turn.intent == flt.intent)
        conditions.append(Conversation.id.in_(with_intent))
    if flt.tag is not None:
        tagged = select(ConversationTag.conversation_id).where(ConversationTag.tag == flt.tag)
        conditions.append(Conversation.id.in_(tagged))
    if flt.text is not None:
        conditions.append(text_condition(flt.text, dialect))
    return select(Conversation).where(*conditions)


def newest_first(query: Select, after: Cursor | None) -> Select:
    if after is not None:
        # The first term alone can use the started_at index; the second breaks ties by id.
        query = query.where(
            Conversation.started_at <= after.started_at,
            or_(
                Conversation.started_at < after.started_at,
                and_(
                    Conversation.started_at == after.started_at,
                    Conversation.id < after.conversation_id,
                ),
            ),
        )
    return query.order_by(Conversation.started_at.desc(), Conversation.id.desc())


def dialect_of(db: AsyncSession) -> str:
    return db.get_bind().dialect.name


@dataclass(frozen=True)
class Page:
    conversations: list[Conversation]
    tags: dict[int, list[str]]
    next_cursor: Cursor | None


async def tags_for(db: AsyncSession, conversation_ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = defaultdict(list)
    if conversation_ids:
        rows = await db.execute(
            select(ConversationTag.conversation_id, ConversationTag.tag)
            .where(ConversationTag.conversation_id.in_(conversation_ids))
            .order_by(ConversationTag.tag)
        )
        for conversation_id, tag in rows:
            tags[conversation_id].append(tag)
    return dict(tags)


async def list_page(
    db: AsyncSession, flt: ConversationFilter, after: Cursor | None, limit: int
) -> Page:
    query = newest_first(filtered(flt, dialect_of(db)), after).limit(limit + 1)
    conversations = list(await db.scalars(query))
    next_cursor = None
    if len(conversations) > limit:
        conversations = conversations[:limit]
        last = conversations[-1]
        next_cursor = Cursor(last.started_at, last.id)
    tags = await tags_for(db, [conversation.id for conversation in conversations])
    return Page(conversations, tags, next_cursor)


async def batches(
    db: AsyncSession, flt: ConversationFilter, size: int, with_turns: bool
) -> AsyncIterator[Page]:
    """Every matching conversation, ``size`` at a time, for exports of any length."""
    after = None
    while True:
        query = newest_first(filtered(flt, dialect_of(db)), after).limit(size)
        if with_turns:
            query = query.options(
                selectinload(Conversation.turns), selectinload(Conversation.feedback)
            )
        conversations = list(await db.scalars(query))
        if not conversations:
            return
        tags = await tags_for(db, [conversation.id for conversation in conversations])
        last = conversations[-1]
        after = Cursor(last.started_at, last.id)
        yield Page(conversations, tags, None)
        # Forget the batch: an export of 100k conversations must not keep them all loaded.
        db.expunge_all()


@dataclass
class Transcript:
    conversation: Conversation
    tags: list[str]
    notes_by_turn: dict[int | None, list[ConversationNote]] = field(default_factory=dict)


async def load_transcript(db: AsyncSession, conversation_id: int) -> Transcript | None:
    conversation = await db.scalar(
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .options(
            selectinload(Conversation.turns),
            selectinload(Conversation.feedback),
            selectinload(Conversation.handoffs),
        )
    )
    if conversation is None:
        return None
    notes = await db.scalars(
        select(ConversationNote)
        .where(ConversationNote.conversation_id == conversation_id)
        .order_by(ConversationNote.created_at, ConversationNote.id)
    )
    tags = await tags_for(db, [conversation_id])
    transcript = Transcript(conversation, tags.get(conversation_id, []))
    for note in notes:
        transcript.notes_by_turn.setdefault(note.turn_id, []).append(note)
    return transcript


# Distinct intents by hopping along the intent index, one seek per intent ("loose index scan"):
# a GROUP BY would read the whole index, a fifth of a second at 300k messages, on every page.
DISTINCT_INTENTS = text(
    "WITH RECURSIVE seen(intent) AS ("
    " SELECT min(intent) FROM turns"
    " UNION ALL"
    " SELECT (SELECT min(intent) FROM turns WHERE intent > seen.intent)"
    " FROM seen WHERE seen.intent IS NOT NULL"
    ") SELECT intent FROM seen WHERE intent IS NOT NULL LIMIT :most"
).bindparams(most=MAX_KNOWN_INTENTS)


async def known_intents(db: AsyncSession) -> list[str]:
    """Every intent the log has seen, for the filter's suggestions."""
    return list(await db.scalars(DISTINCT_INTENTS))


async def known_tags(db: AsyncSession) -> list[str]:
    rows = await db.scalars(select(ConversationTag.tag).group_by(ConversationTag.tag))
    return list(rows)

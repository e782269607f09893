"""The NLU inbox: logged customer messages worth labelling, grouped and sorted by frequency.

A message is worth labelling when the assistant fell back, was unsure, hesitated between its top
two intents, answered something unlike its training examples, when the customer's next move says
the answer missed (``bot.training.surfacing`` has every reason), or a reviewer sent it here from a
transcript. Messages that differ only in case, spacing, trailing punctuation
or numbers (order numbers!) are one inbox item. Only redacted text is ever read or shown.

Never in the inbox: messages written to an agent while a person had the conversation (they were
not meant for the assistant), button payloads (``/intent{...}``, which skip the NLU), and texts
that are nothing but redaction placeholders (``[EMAIL]``), which say nothing to learn from.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.cxlog.models import Conversation, Turn
from bot.training.models import NluAnnotation, NluMark, NluNewIntent
from bot.training.surfacing import (
    Surfacing,
    agent_windows,
    conversation_reasons,
    eligible,
    embed_turns,
    is_novel,
    model_reasons,
    text_key,
)

INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]{2,49}$")
# Names Rasa or the catalogue already use: labelling with them is fine, creating them is not.
RESERVED_INTENTS = {"nlu_fallback", "faq", "out_of_scope", "restart", "session_start", "back"}


@dataclass
class InboxItem:
    key: str
    text: str  # the most recent wording
    count: int = 0
    reasons: Counter = field(default_factory=Counter)
    predicted: Counter = field(default_factory=Counter)
    last_seen: datetime | None = None
    status: str = "open"  # open | labelled | ignored | exported
    intent: str | None = None
    customers: set[str] = field(default_factory=set)  # customer ids, else sender ids

    @property
    def suggested_intent(self) -> str | None:
        """What the assistant guessed most often (fallbacks excluded)."""
        guesses = [(i, n) for i, n in self.predicted.most_common() if i != "nlu_fallback"]
        return guesses[0][0] if guesses else None


async def inbox_items(
    session: AsyncSession, include_done: bool = False, surfacing: Surfacing | None = None
) -> list[InboxItem]:
    """Inbox items, most frequent first; open ones only unless ``include_done``.

    Without ``surfacing`` only the model's own doubts and the customers' explicit signals count;
    with its encoder and novelty calibration, rephrases and novel messages do too.
    """
    surfacing = surfacing or Surfacing()
    marked = set((await session.scalars(select(NluMark.turn_id))).all())
    conversations = (
        await session.scalars(
            select(Conversation)
            .join(Turn)
            .where(Turn.user_text.isnot(None))
            .distinct()
            .options(selectinload(Conversation.turns), selectinload(Conversation.handoffs))
        )
    ).all()
    kept: dict[int, list[Turn]] = {}
    for conversation in conversations:
        windows = agent_windows(conversation.handoffs)
        kept[conversation.id] = [
            turn
            for turn in conversation.turns
            if not turn.to_agent
            and eligible(turn, surfacing.button_titles, windows, text_key)
            and text_key(turn.user_text)
        ]
    eligible_turns = [turn for turns in kept.values() for turn in turns]
    # The encoder is CPU-bound: keep the event loop serving other people meanwhile.
    vectors = await asyncio.to_thread(embed_turns, eligible_turns, surfacing.embedder)
    items: dict[str, InboxItem] = {}
    for conversation in conversations:
        said = [turn for turn in conversation.turns if turn.user_text]
        signals = conversation_reasons(conversation, said, vectors, surfacing)
        for turn in kept[conversation.id]:
            reasons = ["marked"] if turn.id in marked else []
            reasons += model_reasons(turn, surfacing)
            if is_novel(turn, vectors.get(turn.id), surfacing.novelty):
                reasons.append("novel")
            reasons += signals.get(turn.id, [])
            if reasons:
                _add(items, turn, reasons, conversation.customer_id or conversation.sender_id)
    annotations = await session.execute(
        select(NluAnnotation).where(NluAnnotation.text_key.in_(list(items)))
    )
    for annotation in annotations.scalars():
        items[annotation.text_key].status = annotation.status
        items[annotation.text_key].intent = annotation.intent
    found = [item for item in items.values() if include_done or item.status == "open"]
    return sorted(found, key=lambda item: (-item.count, item.key))


def _add(items: dict[str, InboxItem], turn: Turn, reasons: list[str], customer: str) -> None:
    key = text_key(turn.user_text)
    item = items.setdefault(key, InboxItem(key, turn.user_text))
    item.count += 1
    item.reasons.update(reasons)
    item.customers.add(customer)
    if turn.intent:
        item.predicted[turn.intent] += 1
    if item.last_seen is None or turn.created_at > item.last_seen:
        item.last_seen, item.text = turn.created_at, turn.user_text


def check_intent_name(name: str, new: bool = False) -> None:
    if (
        not INTENT_NAME.fullmatch(name)
        or name == "nlu_fallback"
        or (new and name in RESERVED_INTENTS)
    ):
        raise ValueError(
            f"{name!r} is not a usable intent name: 3-50 lowercase letters, digits or _, "
            "starting with a letter, and not a reserved Rasa name"
        )


def check_entities(text: str, entities: list[dict]) -> list[dict]:
    """Entities must point at real spans of the text and name an entity type."""
    checked = []
    for entity in entities:
        start, end, name = int(entity["start"]), int(entity["end"]), str(entity["entity"])
        if not (0 <= start < end <= len(text)) or not INTENT_NAME.fullmatch(name):
            raise ValueError(f"entity {entity!r} does not fit the text")
        checked.append({"start": start, "end": end, "entity": name, "value": text[start:end]})
    return checked


async def _upsert(session: AsyncSession, key: str, values: dict) -> None:
    existing = await session.scalar(select(NluAnnotation).where(NluAnnotation.text_key == key))
    if existing is None:
        session.add(NluAnnotation(text_key=key, **values))
    else:
        for name, value in values.items():
            setattr(existing, name, value)


async def label(
    session: AsyncSession,
    texts: list[str],
    intent: str,
    user: str,
    entities: dict[str, list[dict]] | None = None,
) -> int:
    """Label inbox messages (bulk) with ``intent``; ``entities`` maps a text to its spans."""
    check_intent_name(intent)
    now = datetime.now(UTC)
    for text in texts:
        spans = check_entities(text, (entities or {}).get(text, []))
        values = {
            "example_text": text, "status": "labelled", "intent": intent, "entities": spans,
            "annotated_by": user, "annotated_at": now, "exported_at": None,
        }  # fmt: skip
        await _upsert(session, text_key(text), values)
    await session.commit()
    return len(texts)


async def ignore(session: AsyncSession, texts: list[str], user: str) -> int:
    now = datetime.now(UTC)
    for text in texts:
        values = {
            "example_text": text, "status": "ignored", "intent": None, "entities": [],
            "annotated_by": user, "annotated_at": now,
        }  # fmt: skip
        await _upsert(session, text_key(text), values)
    await session.commit()
    return len(texts)


async def create_intent(session: AsyncSession, name: str, response_text: str, user: str) -> None:
    """Register a new intent and the answer the assistant will give to it."""
    check_intent_name(name, new=True)
    response_text = response_text.strip()
    if not response_text or len(response_text) > 1000:
        raise ValueError("the new intent needs an answer of 1-1000 characters")
    existing = await session.scalar(select(NluNewIntent).where(NluNewIntent.name == name))
    if existing is None:
        session.add(
            NluNewIntent(
                name=name, response_text=response_text, created_by=user,
                created_at=datetime.now(UTC),
            )
        )  # fmt: skip
    else:
        existing.response_text = response_text
    await session.commit()


async def mark_turn(session: AsyncSession, turn_id: int, user: str) -> None:
    """A reviewer sends one logged message to the inbox from a transcript."""
    if await session.get(Turn, turn_id) is None:
        raise LookupError(f"no turn {turn_id}")
    if await session.scalar(select(NluMark).where(NluMark.turn_id == turn_id)) is None:
        session.add(NluMark(turn_id=turn_id, marked_by=user, marked_at=datetime.now(UTC)))
        await session.commit()

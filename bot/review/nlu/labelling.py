"""Labelling decisions sent from the inbox and discovery pages, checked before anything is stored.

The library (:mod:`bot.training.inbox`) checks names and spans; this module adds what only the
app can check: the messages are in the inbox (so only logged, redacted text becomes training
data), the intent and entity types exist (or export would stop on an intent without an answer),
and exported messages are not relabelled behind the training data's back. A refused request
stores nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cxlog.models import Turn
from bot.review.nlu.catalogue import Catalogue
from bot.training import inbox
from bot.training.inbox import check_entities, inbox_items
from bot.training.surfacing import Surfacing

Spans = dict[str, list[dict[str, Any]]]
SPAN_FIELDS = {"start", "end", "entity"}


class Refused(Exception):
    """A request the annotator has to change; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def check_messages(
    session: AsyncSession, texts: list[str], surfacing: Surfacing | None = None
) -> None:
    """Every text must be the current wording of an inbox item that is not exported yet: the
    inbox as the page showed it, so with the ``surfacing`` (novel messages, customers' signals)
    the page used."""
    items = await inbox_items(session, include_done=True, surfacing=surfacing)
    statuses = {item.text: item.status for item in items}
    missing = [text for text in texts if text not in statuses]
    if missing:
        raise Refused(
            f"{len(missing)} of these messages are not (or no longer) in the NLU inbox, "
            f"e.g. {missing[0]!r}; reload the page"
        )
    exported = [text for text in texts if statuses[text] == "exported"]
    if exported:
        raise Refused(
            f"{exported[0]!r} is already exported into the training data; change it in data/nlu",
            status=409,
        )


def _span(text: str, span: Any, catalogue: Catalogue) -> dict[str, Any]:
    if not isinstance(span, dict) or set(span) != SPAN_FIELDS:
        raise Refused("each entity is an object with exactly start, end and entity")
    if not all(
        isinstance(span[key], int) and not isinstance(span[key], bool) for key in ("start", "end")
    ):
        raise Refused("entity start and end are character offsets (whole numbers)")
    if span["entity"] not in catalogue.entities:
        raise Refused(f"unknown entity type {span['entity']!r}; domain.yml lists the types")
    try:
        return check_entities(text, [span])[0]
    except ValueError as error:
        raise Refused(str(error)) from None


def check_spans(catalogue: Catalogue, texts: list[str], entities: Any) -> Spans:
    """``{text: [{start, end, entity}]}`` for texts being labelled; spans may not overlap."""
    if entities is None:
        return {}
    if not isinstance(entities, dict):
        raise Refused("entities must map a message text to a list of entities")
    checked: Spans = {}
    for text, spans in entities.items():
        if text not in texts:
            raise Refused(f"entities given for {text!r}, which is not among the messages")
        if not isinstance(spans, list):
            raise Refused("entities must map a message text to a list of entities")
        found = sorted((_span(text, span, catalogue) for span in spans), key=lambda s: s["start"])
        for before, after in zip(found, found[1:], strict=False):
            if after["start"] < before["end"]:
                raise Refused(f"entities overlap in {text!r}: mark each word once")
        checked[text] = [{key: span[key] for key in SPAN_FIELDS} for span in found]
    return checked


async def label_messages(
    session: AsyncSession,
    catalogue: Catalogue,
    texts: list[str],
    intent: str,
    user: str,
    entities: Any = None,
    surfacing: Surfacing | None = None,
) -> int:
    """Label inbox messages with an intent the project knows or the inbox created."""
    if intent not in catalogue.intents:
        raise Refused(f"unknown intent {intent!r}: pick one from the list or create it first")
    await check_messages(session, texts, surfacing)
    spans = check_spans(catalogue, texts, entities)
    try:
        return await inbox.label(session, texts, intent, user, spans)
    except ValueError as error:
        raise Refused(str(error)) from None


async def ignore_messages(
    session: AsyncSession, texts: list[str], user: str, surfacing: Surfacing | None = None
) -> int:
    await check_messages(session, texts, surfacing)
    return await inbox.ignore(session, texts, user)


async def create_intent(
    session: AsyncSession,
    catalogue: Catalogue,
    name: str,
    answer: str,
    user: str,
    texts: Sequence[str] = (),
    entities: Any = None,
    surfacing: Surfacing | None = None,
) -> int:
    """Create (or re-word the answer of) a new intent and label ``texts`` with it in one go."""
    if name in catalogue.domain_intents:
        raise Refused(f"{name!r} already exists in domain.yml; label the messages with it", 409)
    chosen = list(texts)
    if chosen:
        await check_messages(session, chosen, surfacing)
    spans = check_spans(catalogue, chosen, entities)
    try:
        inbox.check_intent_name(name, new=True)
        await inbox.create_intent(session, name, answer, user)
        return await inbox.label(session, chosen, name, user, spans) if chosen else 0
    except ValueError as error:
        raise Refused(str(error)) from None


async def mark_message(session: AsyncSession, turn_id: int, user: str) -> int:
    """Send one logged customer message to the inbox; returns its conversation's id."""
    turn = await session.get(Turn, turn_id)
    if turn is None:
        raise Refused(f"no logged message {turn_id}", status=404)
    if turn.user_text is None:
        raise Refused("that turn has no customer message to label")
    await inbox.mark_turn(session, turn_id, user)
    return turn.conversation_id

"""Tags and notes reviewers put on conversations (annotator role and up).

Validation happens before anything is written, so bad input stores nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cxlog.models import Turn
from bot.review.common.forms import folded_name
from bot.review.common.models import ConversationNote, ConversationTag
from bot.review.common.roles import Role
from bot.review.common.state import SignedIn
from bot.review.conversations.filters import TAG_NAME

TAG_RULE = "a tag has 1-40 characters: a-z, 0-9, - and _, starting with a letter or digit"
MAX_NOTE_CHARS = 2000
MAX_TAGS_PER_CONVERSATION = 20


class AnnotationError(ValueError):
    """Input that cannot be stored; the message says why."""


class NotAllowed(PermissionError):
    """Someone tried to change another reviewer's note."""


def normalise_tag(raw: str) -> str:
    return folded_name(raw, TAG_NAME, AnnotationError(TAG_RULE))


async def add_tag(
    db: AsyncSession, conversation_id: int, raw_tag: str, who: SignedIn, now: datetime
) -> str:
    tag = normalise_tag(raw_tag)
    existing = set(
        await db.scalars(
            select(ConversationTag.tag).where(ConversationTag.conversation_id == conversation_id)
        )
    )
    if tag in existing:
        return tag
    if len(existing) >= MAX_TAGS_PER_CONVERSATION:
        raise AnnotationError(f"a conversation can have at most {MAX_TAGS_PER_CONVERSATION} tags")
    db.add(
        ConversationTag(
            conversation_id=conversation_id, tag=tag, created_by=who.username, created_at=now
        )
    )
    return tag


async def remove_tag(db: AsyncSession, conversation_id: int, raw_tag: str) -> None:
    tag = normalise_tag(raw_tag)
    await db.execute(
        delete(ConversationTag).where(
            ConversationTag.conversation_id == conversation_id, ConversationTag.tag == tag
        )
    )


def normalise_note(raw: str) -> str:
    body = raw.strip()
    if not body:
        raise AnnotationError("the note is empty")
    if len(body) > MAX_NOTE_CHARS:
        raise AnnotationError(f"a note has at most {MAX_NOTE_CHARS} characters")
    return body


async def add_note(
    db: AsyncSession,
    conversation_id: int,
    turn_id: int | None,
    raw_body: str,
    who: SignedIn,
    now: datetime,
) -> ConversationNote:
    body = normalise_note(raw_body)
    if turn_id is not None:
        owner = await db.scalar(select(Turn.conversation_id).where(Turn.id == turn_id))
        if owner != conversation_id:
            raise AnnotationError("that message is not part of this conversation")
    note = ConversationNote(
        conversation_id=conversation_id,
        turn_id=turn_id,
        author=who.username,
        body=body,
        created_at=now,
    )
    db.add(note)
    return note


async def delete_note(db: AsyncSession, conversation_id: int, note_id: int, who: SignedIn) -> None:
    """Authors delete their own notes; admins delete any."""
    note = await db.get(ConversationNote, note_id)
    if note is None or note.conversation_id != conversation_id:
        raise AnnotationError("no such note on this conversation")
    if note.author != who.username and not who.may(Role.ADMIN):
        raise NotAllowed("only the author or an admin can delete this note")
    await db.delete(note)

"""Helpers the CX log tests share (test modules import this, never each other or conftest)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.cxlog.broker import build_sanitizer
from bot.cxlog.events import Sanitizer
from bot.cxlog.models import Conversation, ProcessedEvent, Turn
from bot.cxlog.projector import Projection, apply_event, new_conversation, timestamp_to_datetime
from bot.cxlog.redaction import Redactor
from bot.cxlog.store import CXStore
from bot.settings import load_settings
from tests.cxlog.rasa_events import Chat

ABANDON_MINUTES = 30
ABANDON_AFTER = timedelta(minutes=ABANDON_MINUTES)
# How long a test waits for the broker's writer or the consumer before giving up.
WAIT_LIMIT_S = 60.0
# Each turn of chat_with_turns logs user + action + bot (action_listen is not kept).
KEPT_PER_TURN = 3


async def table_counts(url: str) -> tuple[int, int, int]:
    """How many conversations, turns and processed event ids the store at ``url`` holds."""
    store = CXStore.from_url(url, ABANDON_MINUTES)
    try:
        async with store.engine.connect() as connection:
            return (
                await connection.scalar(select(func.count()).select_from(Conversation)),
                await connection.scalar(select(func.count()).select_from(Turn)),
                await connection.scalar(select(func.count()).select_from(ProcessedEvent)),
            )
    finally:
        await store.close()


def project(chat: Chat, projection: Projection | None = None) -> Projection:
    """The chat's events, sanitized, applied to ``projection`` (a new conversation if none)."""
    sanitizer = Sanitizer(Redactor(), frozenset({"customer_first_name"}))
    events = sanitizer.sanitize_all(chat.events)
    if projection is None:
        start = timestamp_to_datetime(events[0]["timestamp"])
        projection = Projection(new_conversation(chat.sender_id, start))
    for event in events:
        apply_event(projection, event, ABANDON_AFTER)
    return projection


def cx_events(chat: Chat) -> list[dict]:
    return build_sanitizer(load_settings()).sanitize_all(chat.events)


def resolved_chat(sender_id: str = "s1") -> Chat:
    chat = Chat(sender_id)
    chat.session_start({"customer_id": "C-1"}, customer_id="C-1")
    chat.user("hi, I'm at anna@example.com", "greet")
    chat.reply("utter_greet", "Hello!")
    chat.user("where is order #10001", "track_order", confidence=0.66)
    chat.reply("action_track_order", "It ships tomorrow.")
    chat.slot("csat", 5)
    chat.user("bye", "goodbye")
    chat.reply("utter_goodbye", "Bye!")
    return chat


def chat_with_turns(sender_id: str, turns: int) -> Chat:
    chat = Chat(sender_id)
    for number in range(turns):
        chat.user(f"where is order #{10000 + number}, mail me at x{number}@example.com", "track")
        chat.reply("action_track_order", f"Order {10000 + number} ships tomorrow.")
    return chat

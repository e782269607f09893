"""Real Rasa + action server + CXLogEventBroker: a REST conversation lands in the CX store,
redacted, with its intents, outcome and CSAT."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cxlog.migrate import schema_is_current
from bot.cxlog.models import Conversation, Feedback, Turn
from bot.cxlog.store import CXStore
from bot.testing.processes import ServerProcess, api_url, say
from tests.cxlog.helpers import ABANDON_MINUTES, WAIT_LIMIT_S

pytestmark = pytest.mark.slow

SENDER = "cxlog-e2e-customer"
EMAIL = "jane.roe@example.com"
PHONE = "+44 20 7946 0958"


def post(url: str, payload: object) -> object:
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


async def stored(cx_url: str) -> tuple[Conversation | None, list[Turn], Feedback | None]:
    store = CXStore.from_url(cx_url, ABANDON_MINUTES)
    try:
        if not await schema_is_current(store.engine):
            return None, [], None  # the broker creates the store with its first batch
        async with store.engine.connect() as connection:
            conversation = (
                await connection.execute(
                    select(Conversation).where(Conversation.sender_id == SENDER)
                )
            ).one_or_none()
            if conversation is None:
                return None, [], None
            turns = (
                await connection.execute(
                    select(Turn).where(Turn.conversation_id == conversation.id).order_by(Turn.seq)
                )
            ).all()
            feedback = (
                await connection.execute(
                    select(Feedback).where(Feedback.conversation_id == conversation.id)
                )
            ).one_or_none()
            return conversation, turns, feedback
    finally:
        await store.close()


async def wait_until_stored(cx_url: str, user_turns: int) -> tuple:
    deadline = time.monotonic() + WAIT_LIMIT_S
    while True:
        conversation, turns, feedback = await stored(cx_url)
        if (
            conversation is not None
            and sum(turn.user_text is not None for turn in turns) >= user_turns
            and feedback is not None
        ):
            return conversation, turns, feedback
        if time.monotonic() > deadline:
            raise AssertionError(f"CX store has {conversation} with {len(turns)} turns")
        await asyncio.sleep(0.2)


async def test_a_rest_conversation_is_logged_redacted(
    rasa_stack: ServerProcess, cx_database_url: str
) -> None:
    customer = {"customer_id": "C-42"}
    assert say(rasa_stack, SENDER, "hello", customer), "the bot answered nothing"
    say(rasa_stack, SENDER, f"my email is {EMAIL} and my phone is {PHONE}, order #10001", customer)
    say(rasa_stack, SENDER, "goodbye", customer)
    tracker_events = api_url(rasa_stack, f"/conversations/{SENDER}/tracker/events")
    post(tracker_events, [{"event": "slot", "name": "csat", "value": 5}])

    conversation, turns, feedback = await wait_until_stored(cx_database_url, user_turns=3)
    user_turns = [turn for turn in turns if turn.user_text is not None]
    assert [turn.user_text for turn in user_turns] == [
        "hello",
        "my email is [EMAIL] and my phone is [PHONE], order #10001",
        "goodbye",
    ]
    assert user_turns[0].intent == "greet" and user_turns[-1].intent == "goodbye"
    assert all(turn.confidence is not None and turn.intent_ranking for turn in user_turns)
    assert user_turns[0].bot_texts and user_turns[0].latency_ms is not None
    assert "action_greet" in user_turns[0].bot_actions
    # A customer id in raw REST metadata is not believed (only a signed widget token is).
    assert conversation.customer_id is None and conversation.channel == "rest"
    assert conversation.turn_count == 3
    assert conversation.csat == 5 and feedback.csat == 5
    assert conversation.outcome == "resolved"
    assert conversation.ended_at is not None

    database = Path(cx_database_url.removeprefix("sqlite+aiosqlite:///"))
    on_disk = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    assert EMAIL.encode() not in on_disk and b"7946 0958" not in on_disk

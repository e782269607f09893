"""The NLU inbox surfaces confident but doubtful answers, with the reason, through the real CX
store: conversations go through the sanitizer (redaction) and the store as the broker writes them,
and the inbox uses the real encoder and the novelty calibration of the project's training data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cxlog.database import create_engine, session_factory
from bot.cxlog.migrate import upgrade
from bot.cxlog.store import CXStore
from bot.settings import Settings
from bot.testing.processes import PROJECT_ROOT
from bot.testing.project import sqlite_url
from bot.testing.review_app import Chat, write_chats
from bot.training.discovery import discover
from bot.training.inbox import InboxItem, inbox_items
from bot.training.surfacing import Surfacing, load_surfacing

START = datetime.now(UTC) - timedelta(hours=3)
WRAP_ANSWER = "Tick 'This is a gift' at checkout to add gift wrapping."
TRACK_ANSWER = "Your order is on its way."


def faq(chat: Chat, text: str, answer: str, score: float, confidence: float = 0.97) -> Chat:
    """A question the FAQ selector answered with ``answer`` at retrieval score ``score``."""
    chat.say(text, "faq", confidence)
    chat.events[-1]["parse_data"]["response_selector"] = {
        "all_retrieval_intents": ["faq"],
        "faq": {"response": {"intent_response_key": answer, "confidence": score}},
    }
    return chat.bot(WRAP_ANSWER, "utter_faq")


def chat(name: str, minutes: int = 0) -> Chat:
    return Chat(name, START + timedelta(minutes=minutes))


@pytest.fixture(scope="module")
def surfacing() -> Surfacing:
    return load_surfacing(replace(Settings(), project_dir=PROJECT_ROOT))


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[str]:
    url = sqlite_url(tmp_path / "cx.db")
    await asyncio.to_thread(upgrade, url)
    yield url


async def surfaced(url: str, surfacing: Surfacing | None) -> dict[str, InboxItem]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return {item.text: item for item in await inbox_items(session, surfacing=surfacing)}
    finally:
        await engine.dispose()


async def test_a_confident_answer_unlike_its_training_examples_is_novel(
    database: str, surfacing: Surfacing
) -> None:
    await write_chats(
        database,
        [
            faq(chat("gift-1"), "how do i check the balance on my gift card", "faq/gift_wrap", 0.9),
            faq(chat("gift-2", 1), "could you wrap it as a present", "faq/gift_wrap", 0.99),
            chat("track", 2)
            .say("where has my parcel got to", "track_order", 0.98)
            .bot(TRACK_ANSWER),
            chat("stock", 3)
            .say("do you do student discounts", "track_order", 0.9)
            .bot(TRACK_ANSWER),
        ],
        now=START + timedelta(minutes=10),  # still open: no "left after the answer" signal
    )
    items = await surfaced(database, surfacing)
    assert set(items) == {
        "how do i check the balance on my gift card",
        "do you do student discounts",
    }
    assert dict(items["how do i check the balance on my gift card"].reasons) == {"novel": 1}
    assert items["do you do student discounts"].suggested_intent == "track_order"
    # Without the encoder (today's rules) none of these would have reached the inbox.
    assert await surfaced(database, None) == {}


async def test_an_faq_answer_picked_with_a_low_score_is_surfaced(
    database: str, surfacing: Surfacing
) -> None:
    await write_chats(
        database,
        [faq(chat("wrap"), "could you wrap it as a present", "faq/gift_wrap", 0.31)],
        now=START + timedelta(minutes=10),
    )
    items = await surfaced(database, surfacing)
    assert dict(items["could you wrap it as a present"].reasons) == {"faq_unsure": 1}


async def test_the_customers_next_move_surfaces_the_message_before_it(
    database: str, surfacing: Surfacing
) -> None:
    chats = [
        chat("wrong").say("where has my parcel got to", "track_order", 0.98).bot(TRACK_ANSWER)
        .say("no that's not what i asked", "deny", 0.9).bot("Sorry!"),
        chat("rephrase", 1).say("when do you restock the red boots", "track_order", 0.95)
        .bot(TRACK_ANSWER).say("when will the red boots be back in stock", "faq", 0.9),
        chat("person", 2).say("can i change the colour of my order", "cancel_order", 0.93)
        .bot("Your order is cancelled.").say("i want a human", "request_human", 0.99),
        chat("rated", 3).say("is my parcel insured", "track_order", 0.92).bot(TRACK_ANSWER)
        .say("thanks", "thank", 0.99).bot("You're welcome!").slot("csat", 1),
        chat("happy", 4).say("where is my order", "track_order", 0.99).bot(TRACK_ANSWER)
        .say("great thanks", "thank", 0.99).bot("You're welcome!").slot("csat", 5),
        chat("left", 5).say("what's the status of my parcel to spain", "track_order", 0.96)
        .bot(TRACK_ANSWER),
    ]  # fmt: skip
    await write_chats(database, chats)
    store = CXStore.from_url(database, abandon_minutes=30)
    try:
        await store.sweep_abandoned()
    finally:
        await store.close()
    items = await surfaced(database, surfacing)
    reasons = {text: set(item.reasons) for text, item in items.items()}
    assert reasons["where has my parcel got to"] == {"said_wrong"}
    assert reasons["when do you restock the red boots"] >= {"rephrased"}
    assert reasons["can i change the colour of my order"] >= {"asked_for_person"}
    assert reasons["is my parcel insured"] >= {"low_csat"}
    assert "abandoned" in reasons["what's the status of my parcel to spain"]
    assert "where is my order" not in items  # answered, thanked, rated 5
    assert "no that's not what i asked" not in items  # the signal itself is not the problem


async def test_payloads_titles_placeholders_and_agent_chats_never_enter(
    database: str, surfacing: Surfacing
) -> None:
    chats = [
        chat("payload").say("/affirm", "nlu_fallback", 0.2).bot("Sorry?"),
        chat("title", 1).say("Yes, that one", "nlu_fallback", 0.2).bot("Sorry?"),
        chat("mail", 2).say("anna.k@example.org", "nlu_fallback", 0.2).bot("Sorry?"),
        chat("agent", 3).say("i need a person", "request_human", 0.99)
        .action("action_handoff_to_human")
        .say("hi jo, the blue one please, size 9", "nlu_fallback", 0.1)
        .say("thanks jo that sorted it", "nlu_fallback", 0.2),
        chat("kept", 4).say("do you sell bird seed", "nlu_fallback", 0.2).bot("Sorry?"),
    ]  # fmt: skip
    await write_chats(database, chats)
    items = await surfaced(database, surfacing)
    assert list(items) == ["do you sell bird seed"]


async def test_discovery_groups_by_meaning_ignores_placeholders_and_counts_customers(
    database: str, surfacing: Surfacing
) -> None:
    gift = [
        "how much is left on my gift card", "what's my gift voucher balance",
        "can i check the credit on a giftcard", "gift card balance please",
        "how do i see what my gift card is worth",
    ]  # fmt: skip
    other = [
        "email me at [EMAIL] about my loyalty points", "my number is [PHONE], call me about bikes",
        "write to [EMAIL] re the student discount", "call [PHONE] about the price match",
    ]  # fmt: skip
    chats = [chat(f"g{n}", n).say(text, "nlu_fallback", 0.2) for n, text in enumerate(gift)]
    chats += [chat("g-again", 9).say(gift[0], "nlu_fallback", 0.2)]  # a second customer, same words
    chats += [chat(f"o{n}", 20 + n).say(text, "nlu_fallback", 0.2) for n, text in enumerate(other)]
    await write_chats(database, chats)
    clusters = discover(list((await surfaced(database, surfacing)).values()), min_size=2,
                        embedder=surfacing.embedder)  # fmt: skip
    biggest = clusters[0]
    assert set(biggest.texts) == set(gift)
    assert biggest.size == 6 and biggest.customers == 6
    assert "gift" in biggest.suggested_name
    assert all(not set(cluster.texts) & set(gift) for cluster in clusters[1:])
    # [EMAIL] and [PHONE] do not make a topic: no cluster holds only placeholder-sharing messages
    assert not any(
        set(cluster.texts) <= set(other) and len(cluster.texts) > 1 for cluster in clusters
    )

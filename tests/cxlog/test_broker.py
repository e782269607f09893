"""CXLogEventBroker against a real SQLite file: writes, outages, overflow, load."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import select

from bot.cxlog.broker import CXLogEventBroker
from bot.cxlog.models import Conversation, Turn
from bot.cxlog.store import CXStore
from bot.testing.project import sqlite_url
from tests.cxlog.helpers import (
    ABANDON_MINUTES,
    KEPT_PER_TURN,
    WAIT_LIMIT_S,
    chat_with_turns,
    table_counts,
)
from tests.cxlog.rasa_events import Chat

# Not a timing assertion: only how long a test waits for the background writer before failing.


async def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.05)


async def make_broker(url: str, spool_dir: Path, **options: object) -> CXLogEventBroker:
    config = EndpointConfig(
        url=url, type="bot.cxlog.broker.CXLogEventBroker", spool_dir=str(spool_dir), **options
    )
    broker = await EventBroker.create(config)
    assert isinstance(broker, CXLogEventBroker)
    return broker


@asynccontextmanager
async def opened_broker(
    url: str, spool_dir: Path, **options: object
) -> AsyncIterator[CXLogEventBroker]:
    """A broker that is closed afterwards, also when the test fails."""
    broker = await make_broker(url, spool_dir, **options)
    try:
        yield broker
    finally:
        await broker.close()


@pytest.fixture
async def broker(cx_url: str, tmp_path: Path) -> AsyncIterator[CXLogEventBroker]:
    async with opened_broker(cx_url, tmp_path / "spool") as cx_broker:
        yield cx_broker


def publish(broker: CXLogEventBroker, events: Iterable[dict]) -> None:
    """Publish ``events`` one by one, as Rasa's processor does."""
    for event in events:
        broker.publish(event)


async def settled(broker: CXLogEventBroker) -> None:
    """Everything published so far is in the store (queue drained, spool replayed)."""
    writer = broker.writer
    await writer.drain()
    await wait_for(lambda: not writer.spool.pending, "the spool to be replayed")
    await writer.drain()


async def test_published_events_reach_the_store_redacted(
    broker: CXLogEventBroker, cx_url: str
) -> None:
    chat = chat_with_turns("s1", 3)
    publish(broker, chat.events)
    await settled(broker)
    assert await table_counts(cx_url) == (1, 3, 3 * KEPT_PER_TURN)
    store = CXStore.from_url(cx_url, ABANDON_MINUTES)
    async with store.engine.connect() as connection:
        texts = list(await connection.scalars(select(Turn.user_text).order_by(Turn.seq)))
    await store.close()
    assert texts[0] == "where is order #10000, mail me at [EMAIL]"


async def test_publish_never_raises_on_garbage(broker: CXLogEventBroker, cx_url: str) -> None:
    for junk in (None, "text", 42, {"event": "user"}, {"sender_id": "s", "event": "bot"}):
        broker.publish(junk)  # type: ignore[arg-type]
    chat = chat_with_turns("s1", 1)
    publish(broker, chat.events)
    await settled(broker)
    assert await table_counts(cx_url) == (1, 1, KEPT_PER_TURN)


async def test_locked_store_spools_then_replays_without_loss_or_duplicates(
    cx_url: str, tmp_path: Path
) -> None:
    database = cx_url.removeprefix("sqlite+aiosqlite:///")
    async with opened_broker(f"{cx_url}?timeout=0.2", tmp_path / "spool") as broker:
        first, second = chat_with_turns("before", 2), chat_with_turns("during", 4)
        publish(broker, first.events)
        await settled(broker)

        lock = sqlite3.connect(database)
        lock.execute("BEGIN EXCLUSIVE")  # another process holding the database
        publish(broker, second.events[:10])
        await broker.writer.drain()
        await wait_for(lambda: broker.writer.spool.pending, "events to be spooled")
        spooled = broker.writer.spool.seal()
        assert spooled and "@example.com" not in "".join(p.read_text() for p in spooled)
        publish(broker, second.events[10:])  # arrive while still locked: queued behind the spool
        await broker.writer.drain()
        publish(broker, first.events)  # a redelivery of what was already stored
        lock.rollback()
        lock.close()

        await settled(broker)
        assert broker.writer.stats.spooled > 0 and broker.writer.stats.replayed > 0
    assert await table_counts(cx_url) == (2, 6, 6 * KEPT_PER_TURN)


async def test_store_down_at_start_spools_until_it_appears(tmp_path: Path) -> None:
    missing_dir = tmp_path / "not-yet"
    url = sqlite_url(missing_dir / "cxlog.db")
    async with opened_broker(url, tmp_path / "spool") as broker:
        # The engine created the directory and an empty 0600 database in it; a file in the
        # directory's place makes SQLite fail to open.
        (missing_dir / "cxlog.db").unlink()
        missing_dir.rmdir()
        missing_dir.write_text("not a directory")
        chat = chat_with_turns("s1", 2)
        publish(broker, chat.events)
        await broker.writer.drain()
        await wait_for(lambda: broker.writer.spool.pending, "events to be spooled")
        missing_dir.unlink()
        missing_dir.mkdir()
        await settled(broker)
    assert await table_counts(url) == (1, 2, 2 * KEPT_PER_TURN)


async def test_a_full_queue_spills_to_the_spool_without_loss(cx_url: str, tmp_path: Path) -> None:
    # A queue of five: overrun in one go.
    async with opened_broker(cx_url, tmp_path / "spool", queue_size=5) as broker:
        chat = chat_with_turns("s1", 20)
        publish(broker, chat.events)
        assert broker.writer.stats.spooled > 0
        await settled(broker)
    assert await table_counts(cx_url) == (1, 20, 20 * KEPT_PER_TURN)


async def test_close_spools_what_it_cannot_write_and_the_next_broker_replays_it(
    cx_url: str, tmp_path: Path
) -> None:
    database = cx_url.removeprefix("sqlite+aiosqlite:///")
    spool_dir = tmp_path / "spool"
    broker = await make_broker(f"{cx_url}?timeout=0.2", spool_dir)
    lock = sqlite3.connect(database)
    lock.execute("BEGIN EXCLUSIVE")
    chat = chat_with_turns("s1", 3)
    publish(broker, chat.events)
    await broker.close()
    lock.rollback()
    lock.close()
    assert any(spool_dir.glob("cxlog-*.jsonl"))

    async with opened_broker(cx_url, spool_dir) as restarted:
        restarted.publish(chat.events[0])  # any activity; the replay also runs on its own
        await settled(restarted)
    assert await table_counts(cx_url) == (1, 3, 3 * KEPT_PER_TURN)


async def test_load_2000_turns_from_50_concurrent_conversations_lose_nothing(
    broker: CXLogEventBroker, cx_url: str
) -> None:
    conversations, turns_each = 50, 40
    chats = [chat_with_turns(f"load-{number}", turns_each) for number in range(conversations)]

    async def converse(chat: Chat) -> None:
        for event in chat.events:
            broker.publish(event)
            await asyncio.sleep(0)  # interleave the conversations like concurrent turns

    await asyncio.gather(*(converse(chat) for chat in chats))
    await settled(broker)
    total_turns = conversations * turns_each
    assert await table_counts(cx_url) == (conversations, total_turns, total_turns * KEPT_PER_TURN)


async def test_a_conversation_left_silent_is_swept_to_abandoned(
    broker: CXLogEventBroker, cx_url: str
) -> None:
    silent = Chat("silent", start=time.time() - 2 * 3600)
    silent.user("where is my order", "track_order")
    silent.reply("utter_ask_order_number", "Which order number?")
    publish(broker, silent.events)
    await settled(broker)
    store = CXStore.from_url(cx_url, ABANDON_MINUTES)
    try:
        for _ in range(100):
            async with store.engine.connect() as connection:
                outcome = await connection.scalar(select(Conversation.outcome))
            if outcome == "abandoned":
                break
            await asyncio.sleep(0.1)
    finally:
        await store.close()
    assert outcome == "abandoned"

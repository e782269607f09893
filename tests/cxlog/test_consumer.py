"""The scale-out path against the real RabbitMQ: Rasa's PikaEventBroker → consumer → store."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import pytest
from rasa.core.brokers.pika import PikaEventBroker
from sqlalchemy import select

from bot.cxlog.broker import build_sanitizer
from bot.cxlog.consumer import CXLogConsumer
from bot.cxlog.models import Turn
from bot.cxlog.store import CXStore
from bot.settings import load_settings
from bot.testing.processes import ServerProcess
from tests.cxlog.helpers import (
    ABANDON_MINUTES,
    KEPT_PER_TURN,
    WAIT_LIMIT_S,
    chat_with_turns,
    table_counts,
)

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass(frozen=True)
class Route:
    exchange: str
    queue: str


@pytest.fixture
async def route() -> AsyncIterator[Route]:
    """A private exchange and queue per test (other suites publish to Rasa's default ones)."""
    suffix = uuid.uuid4().hex[:10]
    names = Route(exchange=f"cxlog-test-{suffix}", queue=f"cxlog-test-{suffix}")
    yield names
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(names.queue)
        await channel.exchange_delete(names.exchange)


async def publish_with_rasa(route: Route, events: list[dict]) -> None:
    """Publish exactly as a Rasa node configured with ``event_broker: type: pika`` does."""
    broker = PikaEventBroker(
        "127.0.0.1", "guest", "guest", queues=[route.queue], exchange_name=route.exchange,
        event_loop=asyncio.get_running_loop(),
    )  # fmt: skip
    await broker.connect()
    try:
        for event in events:
            broker.publish(event)
        await asyncio.gather(*list(broker._background_tasks))  # publish() hands events to tasks
    finally:
        await broker.close()


async def wait_for_count(url: str, processed: int, at_least: bool = False) -> int:
    deadline = time.monotonic() + WAIT_LIMIT_S
    while True:
        found = (await table_counts(url))[2]
        if found == processed or (at_least and found >= processed):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{found} processed events, expected {processed}")
        await asyncio.sleep(0.02)


async def queue_depth(route: Route) -> int:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(route.queue, durable=True, passive=True)
        return queue.declaration_result.message_count


def consumer_process(route: Route, cx_url: str, log_dir: Path) -> ServerProcess:
    command = [sys.executable, "-m", "bot", "cxlog", "consume", "--queue", route.queue]
    command += ["--exchange", route.exchange]
    env = {"CX_DATABASE_URL": cx_url, "CX_BATCH_SIZE": "50", "PYTHONPATH": os.getcwd()}
    return ServerProcess("cxlog-consumer", command, "", log_dir, env)


async def test_consumer_killed_mid_stream_loses_and_duplicates_nothing(
    route: Route, cx_url: str, tmp_path: Path
) -> None:
    first = [chat_with_turns(f"a-{number}", 20) for number in range(20)]
    second = [chat_with_turns(f"b-{number}", 20) for number in range(10)]
    first_events = [event for chat in first for event in chat.events]
    second_events = [event for chat in second for event in chat.events]
    total_turns = 30 * 20

    consumer = consumer_process(route, cx_url, tmp_path).launch()
    try:
        await asyncio.sleep(0)  # the consumer declares the queue; Rasa's broker does too
        await publish_with_rasa(route, first_events)
        at_kill = await wait_for_count(cx_url, 1, at_least=True)
        consumer.kill()  # SIGKILL: unacknowledged messages go back to the queue
        assert at_kill < len(first) * 20 * KEPT_PER_TURN, "consumer finished before the kill"
        await publish_with_rasa(route, second_events)  # while no consumer runs

        consumer = consumer_process(route, cx_url, tmp_path).launch()
        await wait_for_count(cx_url, total_turns * KEPT_PER_TURN)
    finally:
        consumer.stop()
    assert await table_counts(cx_url) == (30, total_turns, total_turns * KEPT_PER_TURN)
    assert await queue_depth(route) == 0


async def test_consumer_rejects_garbage_and_stores_redacted_events(
    route: Route, cx_url: str
) -> None:
    settings = load_settings()
    store = CXStore.from_url(cx_url, ABANDON_MINUTES)
    consumer = CXLogConsumer(
        store, build_sanitizer(settings), AMQP_URL, route.queue, route.exchange, batch_size=10
    )
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    try:
        chat = chat_with_turns("s1", 2)
        connection = await aio_pika.connect(AMQP_URL)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.declare_exchange(
                route.exchange, type=aio_pika.ExchangeType.FANOUT
            )
            queue = await channel.declare_queue(route.queue, durable=True)
            await queue.bind(exchange, "")  # the consumer may not have bound it yet
            for body in (b"not json", b"[1, 2]", b"\xff\xfe"):
                await exchange.publish(aio_pika.Message(body), "")
        await publish_with_rasa(route, chat.events)
        await wait_for_count(cx_url, 2 * KEPT_PER_TURN)
    finally:
        stop.set()
        await running
        await store.close()
    assert consumer.stats.rejected == 3
    assert await queue_depth(route) == 0
    store = CXStore.from_url(cx_url, ABANDON_MINUTES)
    async with store.engine.connect() as connection:
        texts = list(await connection.scalars(select(Turn.user_text).order_by(Turn.seq)))
    await store.close()
    assert texts == [
        "where is order #10000, mail me at [EMAIL]",
        "where is order #10001, mail me at [EMAIL]",
    ]


async def test_consumer_holds_messages_while_the_store_is_locked(route: Route, cx_url: str) -> None:
    database = cx_url.removeprefix("sqlite+aiosqlite:///")
    store = CXStore.from_url(f"{cx_url}?timeout=0.2", ABANDON_MINUTES)
    consumer = CXLogConsumer(
        store, build_sanitizer(load_settings()), AMQP_URL, route.queue, route.exchange
    )
    stop = asyncio.Event()
    lock = sqlite3.connect(database)
    lock.execute("BEGIN EXCLUSIVE")  # writes fail until released (WAL readers still read)
    running = asyncio.create_task(consumer.run(stop))
    try:
        chat = chat_with_turns("s1", 5)
        await publish_with_rasa(route, chat.events)
        await asyncio.sleep(1.5)  # the consumer retries meanwhile; nothing may be acknowledged
        assert consumer.stats.received > 0 and consumer.stats.written == 0
        assert await table_counts(cx_url) == (0, 0, 0)
        lock.rollback()
        lock.close()
        await wait_for_count(cx_url, 5 * KEPT_PER_TURN)
    finally:
        stop.set()
        await running
        await store.close()
    assert await table_counts(cx_url) == (1, 5, 5 * KEPT_PER_TURN)
    assert await queue_depth(route) == 0

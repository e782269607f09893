"""RabbitMQ consumer for the scale-out profile: ``python -m bot cxlog consume``.

Rasa's own ``PikaEventBroker`` publishes every tracker event to a fanout exchange; this process
reads the durable queue bound to it and feeds the same sanitizer → projector → store path as the
in-process broker. Messages are acknowledged only after the batch is committed, so a crash or a
restart loses nothing (RabbitMQ redelivers unacknowledged messages) and the store's event ids make
redeliveries no-ops. While the store is down the batch is retried and, thanks to the prefetch
limit, the rest simply waits in RabbitMQ. Any number of consumers may share the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from aio_pika.exceptions import AMQPConnectionError

from bot.cxlog.events import Sanitizer
from bot.cxlog.store import CXStore
from bot.cxlog.writer import (
    RETRY_MAX_S,
    RETRY_MIN_S,
    STORE_ERRORS,
    SWEEP_EVERY_S,
    load_stored_names,
    next_batch,
    write_isolating,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

RASA_EXCHANGE = "rasa-exchange"  # rasa.core.brokers.pika.RABBITMQ_EXCHANGE
POLL_S = 1.0


@dataclass
class ConsumerStats:
    received: int = 0
    written: int = 0
    rejected: int = 0


class CXLogConsumer:
    def __init__(
        self,
        store: CXStore,
        sanitizer: Sanitizer,
        amqp_url: str,
        queue_name: str,
        exchange_name: str = RASA_EXCHANGE,
        batch_size: int = 500,
    ) -> None:
        self.store = store
        self.sanitizer = sanitizer
        self.amqp_url = amqp_url
        self.queue_name = queue_name
        self.exchange_name = exchange_name
        self.batch_size = batch_size
        self.stats = ConsumerStats()
        self._next_sweep = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; unacknowledged messages go back to the queue."""
        if not await self._retry_until_stopped(self.store.ensure_schema, stop):
            return
        connection = await self._connect(stop)
        if connection is None:
            return
        async with connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.batch_size)
            # Declared exactly as Rasa declares them, so either side may start first.
            exchange = await channel.declare_exchange(
                self.exchange_name, type=aio_pika.ExchangeType.FANOUT
            )
            queue = await channel.declare_queue(self.queue_name, durable=True)
            await queue.bind(exchange, "")
            inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
            consumer_tag = await queue.consume(inbox.put)
            logger.info("cxlog: consuming %s into %s", self.queue_name, self.store.engine.url)
            while not stop.is_set():
                batch = await next_batch(inbox, self.batch_size, POLL_S)
                if batch:
                    await self._handle(batch, stop)
                await self._sweep()
            await queue.cancel(consumer_tag)

    async def _handle(self, batch: list[AbstractIncomingMessage], stop: asyncio.Event) -> None:
        self.stats.received += len(batch)
        raws: list[tuple[AbstractIncomingMessage, dict[str, Any]]] = []
        for message in batch:
            raw = _decode(message.body)
            if raw is None:
                logger.warning("cxlog: rejected a message that is not a JSON event")
                await self._reject(message)
            else:
                raws.append((message, raw))
        await load_stored_names(self.store, self.sanitizer, [raw for _, raw in raws])
        pairs = [(message, self.sanitizer.sanitize(raw)) for message, raw in raws]
        events = [event for _, event in pairs if event is not None]

        async def write() -> None:
            await self._write_isolating(pairs, events)

        if not await self._retry_until_stopped(write, stop):
            return  # stopping: the messages stay unacknowledged and are redelivered
        self.stats.written += len(events)
        for message, _ in pairs:
            if not message.processed:
                await message.ack()

    async def _write_isolating(
        self,
        pairs: list[tuple[AbstractIncomingMessage, dict[str, Any] | None]],
        events: list[dict[str, Any]],
    ) -> None:
        """Write the batch; events that fail for a reason of their own are rejected alone."""
        messages = [message for message, event in pairs if event is not None]

        async def reject(index: int) -> None:
            await self._reject(messages[index])

        await write_isolating(self.store, events, reject)

    async def _connect(self, stop: asyncio.Event) -> AbstractRobustConnection | None:
        """RabbitMQ may start after us (or restart): keep trying until it answers or we stop."""

        async def connect() -> AbstractRobustConnection:
            return await aio_pika.connect_robust(self.amqp_url)

        return await _until_stopped(connect, stop, (AMQPConnectionError, OSError), "RabbitMQ")

    async def _reject(self, message: AbstractIncomingMessage) -> None:
        self.stats.rejected += 1
        await message.reject(requeue=False)

    async def _sweep(self) -> None:
        if time.monotonic() < self._next_sweep:
            return
        self._next_sweep = time.monotonic() + SWEEP_EVERY_S
        try:
            await self.store.sweep_abandoned()
        except STORE_ERRORS as error:
            logger.warning("cxlog: abandonment sweep failed (%s)", error)

    @staticmethod
    async def _retry_until_stopped(
        operation: Callable[[], Awaitable[None]], stop: asyncio.Event
    ) -> bool:
        """Run ``operation`` until it succeeds (True) or ``stop`` is set (False)."""

        async def succeeded() -> bool:
            await operation()
            return True

        return await _until_stopped(succeeded, stop, STORE_ERRORS, "store") is not None


async def _until_stopped(
    operation: Callable[[], Awaitable[T]],
    stop: asyncio.Event,
    errors: tuple[type[BaseException], ...],
    service: str,
) -> T | None:
    """What ``operation`` returns, trying again with back-off while it fails with one of
    ``errors`` (``service`` is unavailable); ``None`` once ``stop`` is set."""
    delay = RETRY_MIN_S
    while not stop.is_set():
        try:
            return await operation()
        except errors as error:
            logger.warning("cxlog: %s unavailable (%s); retrying in %.1fs", service, error, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, RETRY_MAX_S)
    return None


def _decode(body: bytes) -> dict[str, Any] | None:
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return raw if isinstance(raw, dict) else None

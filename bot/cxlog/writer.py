"""The broker's background writer: bounded queue → redaction → batched store writes or spool.

``submit`` never blocks and never raises: when the queue is full, its backlog moves to the spool.
While the spool holds anything, new batches are appended behind it (so events stay in order)
and the writer replays it with back-off until the store takes it again. Events are redacted
before they are written or spooled; the raw events only ever live in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from bot.cxlog.events import Sanitizer
from bot.cxlog.spool import Spool
from bot.cxlog.store import CXStore

logger = logging.getLogger(__name__)

T = TypeVar("T")

# What "the store is unreachable or locked" looks like from aiosqlite and asyncpg: worth waiting
# for. Any other error is a problem with the events themselves (see CXLogWriter._write).
STORE_ERRORS = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeoutError,
    OSError,
    TimeoutError,
)
# A transaction costs the same for one turn as for fifty, and writing while Rasa still answers
# the turn competes with it for the CPU: waiting a moment after the first event keeps logging
# cheap and still under the review app's 2 s. bench/cx_logging_overhead.py, one customer at a
# time: +5.3 % turn latency with 0.5 s, +4.1 % with 1.0 s (ten customers: +3.5 %, +4.4 %).
LINGER_S = 1.0
RETRY_MIN_S = 0.5
RETRY_MAX_S = 30.0
SWEEP_EVERY_S = 60.0


@dataclass
class WriterStats:
    received: int = 0
    written: int = 0
    spooled: int = 0
    replayed: int = 0


class CXLogWriter:
    def __init__(
        self,
        store: CXStore,
        sanitizer: Sanitizer,
        spool: Spool,
        queue_size: int,
        batch_size: int,
        linger_s: float = LINGER_S,
    ) -> None:
        self.store = store
        self.sanitizer = sanitizer
        self.spool = spool
        self.batch_size = batch_size
        self.linger_s = linger_s
        self.stats = WriterStats()
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=queue_size)
        self._task: asyncio.Task[None] | None = None
        self._schema_ready = False
        self._retry_delay = RETRY_MIN_S
        self._next_replay = 0.0
        self._next_sweep = 0.0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="cxlog-writer")

    def submit(self, raw: dict[str, Any]) -> None:
        """Queue one raw Rasa event. If the queue is full, the whole backlog and this event go
        to the spool, redacted and in order (the writer appends later events behind them)."""
        self.stats.received += 1
        if not isinstance(raw, dict):
            logger.warning("cxlog: ignored a published %s (not an event)", type(raw).__name__)
            return
        try:
            self._queue.put_nowait(raw)
            return
        except asyncio.QueueFull:
            pass
        backlog = []
        while not self._queue.empty():
            backlog.append(self._queue.get_nowait())
            self._queue.task_done()
        backlog.append(raw)
        logger.warning("cxlog: writer queue full, moving %d events to the spool", len(backlog))
        self._spool(self.sanitizer.sanitize_all(backlog))

    async def drain(self) -> None:
        """Wait until everything submitted so far was written or spooled (tests, shutdown)."""
        await self._queue.join()

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Write or spool what is queued, then stop; whatever cannot be written stays spooled."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drain(), timeout_s)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        leftover = []
        while not self._queue.empty():
            leftover.append(self._queue.get_nowait())
        self.spool.append(self.sanitizer.sanitize_all(leftover))
        await self.store.close()

    async def _run(self) -> None:
        while True:
            batch = await self._next_batch()
            try:
                await self._deliver(batch)
            except Exception:  # a bug must not stop the writer, which keeps serving later turns
                logger.exception("cxlog: writer failed on a batch of %d events", len(batch))
            finally:
                for _ in batch:
                    self._queue.task_done()
            await self._maintain()

    async def _next_batch(self) -> list[dict[str, Any]]:
        """Wait for an event (or until a replay or sweep is due), let the rest of the turn and
        other conversations' turns arrive for ``linger_s``, then take what is queued."""
        wake_at = (
            min(self._next_replay, self._next_sweep) if self.spool.pending else self._next_sweep
        )
        wait_s = max(0.01, wake_at - time.monotonic())
        return await next_batch(self._queue, self.batch_size, wait_s, linger_s=self.linger_s)

    async def _deliver(self, raw_batch: list[dict[str, Any]]) -> None:
        if not raw_batch:
            return
        writable = not self.spool.pending and await self._store_ready()
        if writable:
            await load_stored_names(self.store, self.sanitizer, raw_batch)
        events = self.sanitizer.sanitize_all(raw_batch)
        if not writable:
            self._spool(events)
            return
        try:
            await self._write(events)
            self.stats.written += len(events)
        except STORE_ERRORS as error:
            logger.warning("cxlog: store unavailable (%s); spooling", _describe(error))
            self._spool(events)
            self._schedule_replay(failed=True)

    async def _maintain(self) -> None:
        now = time.monotonic()
        if self.spool.pending and now >= self._next_replay:
            await self._replay()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_EVERY_S
            if self.spool.pending or not await self._store_ready():
                return
            try:
                await self.store.sweep_abandoned()
            except STORE_ERRORS as error:
                logger.warning("cxlog: abandonment sweep failed (%s)", _describe(error))

    async def _replay(self) -> None:
        if not await self._store_ready():
            self._schedule_replay(failed=True)
            return
        for segment in self.spool.seal():
            events = self.spool.read(segment)
            try:
                await self._write(events)
            except STORE_ERRORS as error:
                logger.warning("cxlog: spool replay paused (%s)", _describe(error))
                self._schedule_replay(failed=True)
                return
            self.spool.remove(segment)
            self.stats.replayed += len(events)
            logger.info("cxlog: replayed %d spooled events from %s", len(events), segment.name)
        self._schedule_replay(failed=False)

    async def _write(self, events: list[dict[str, Any]]) -> None:
        """Write a batch; events that make it fail go to the spool's rejected file."""

        async def reject(index: int) -> None:
            self.spool.reject(events[index])

        await write_isolating(self.store, events, reject)

    async def _store_ready(self) -> bool:
        if self._schema_ready:
            return True
        try:
            await self.store.ensure_schema()
        except STORE_ERRORS as error:
            logger.warning("cxlog: store not ready (%s)", _describe(error))
            return False
        self._schema_ready = True
        return True

    def _spool(self, events: list[dict[str, Any]]) -> None:
        if self.spool.append(events):
            self.stats.spooled += len(events)
            logger.warning(
                "cxlog: spooled %d events (spool now %d bytes)",
                len(events),
                self.spool.size_bytes(),
            )

    def _schedule_replay(self, failed: bool) -> None:
        self._retry_delay = min(self._retry_delay * 2, RETRY_MAX_S) if failed else RETRY_MIN_S
        self._next_replay = time.monotonic() + (self._retry_delay if failed else 0.0)


async def next_batch(
    queue: asyncio.Queue[T], batch_size: int, wait_s: float, linger_s: float | None = None
) -> list[T]:
    """Up to ``batch_size`` queued items: ``[]`` if none arrives within ``wait_s``; after the
    first, with ``linger_s``, wait that long for more unless a whole batch is queued already.
    Shared by the in-process writer and the RabbitMQ consumer."""
    try:
        batch = [await asyncio.wait_for(queue.get(), wait_s)]
    except TimeoutError:
        return []
    if linger_s is not None and queue.qsize() < batch_size:
        await asyncio.sleep(linger_s)
    while len(batch) < batch_size and not queue.empty():
        batch.append(queue.get_nowait())
    return batch


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"


async def write_isolating(
    store: CXStore, events: list[dict[str, Any]], reject: Callable[[int], Awaitable[None]]
) -> None:
    """Write ``events`` as one batch; if the events themselves make it fail, write them one by
    one and hand the index of each offending one to ``reject``, so they cannot block the rest.
    ``STORE_ERRORS`` (the store, not the events) propagate: the caller retries or spools.
    Shared by the in-process writer and the RabbitMQ consumer."""
    try:
        await store.write(events)
        return
    except STORE_ERRORS:
        raise
    except Exception:
        logger.exception("cxlog: a batch of %d events failed; isolating the cause", len(events))
    for index, event in enumerate(events):
        try:
            await store.write([event])
        except STORE_ERRORS:
            raise
        except Exception:
            logger.exception("cxlog: rejected event %s", event.get("event_id"))
            await reject(index)


async def load_stored_names(
    store: CXStore, sanitizer: Sanitizer, raw_batch: list[dict[str, Any]]
) -> None:
    """Known name digests of conversations this process has not seen yet (e.g. after a
    restart); without the store, redaction falls back to what is cached. Shared by the
    in-process writer and the RabbitMQ consumer."""
    names = sanitizer.names
    senders = {raw.get("sender_id") for raw in raw_batch}
    unknown = [sender for sender in senders if isinstance(sender, str) and sender not in names]
    if not unknown:
        return
    try:
        stored = await store.name_digests(unknown)
    except STORE_ERRORS:
        return
    for sender in unknown:
        names.merge_stored(sender, stored.get(sender, ()))

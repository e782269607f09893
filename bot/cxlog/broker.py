"""Rasa event broker that feeds the CX log from inside the Rasa process (default install).

endpoints.yml::

    event_broker:
      type: bot.cxlog.broker.CXLogEventBroker
      # all optional: defaults from CX_DATABASE_URL, BOT_VAR_DIR/spool, CX_QUEUE_SIZE, CX_BATCH_SIZE
      url: sqlite+aiosqlite:///var/cxlog.db
      spool_dir: var/spool
      queue_size: 10000
      batch_size: 500

Rasa calls ``publish`` for every new tracker event while it handles a turn; it only hands the
event to the background writer (``bot.cxlog.writer``), so a turn never waits for the database and
no logging error can fail it (the CPU it costs is measured by bench/cx_logging_overhead.py).
Rasa awaits ``close`` on shutdown, which writes or spools what is still queued.
"""

from __future__ import annotations

import logging
from asyncio import AbstractEventLoop
from pathlib import Path
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.cxlog.events import Sanitizer
from bot.cxlog.redaction import Redactor
from bot.cxlog.spool import Spool
from bot.cxlog.store import CXStore
from bot.cxlog.writer import CXLogWriter
from bot.settings import Settings, load_settings

logger = logging.getLogger(__name__)


def build_sanitizer(settings: Settings) -> Sanitizer:
    redactor = Redactor(settings.redacted_kinds, settings.cx_phone_regions)
    return Sanitizer(redactor, frozenset(settings.cx_name_slots))


def build_writer(settings: Settings, options: dict[str, Any] | None = None) -> CXLogWriter:
    """The writer with the project's settings; endpoint ``options`` override them (``url``,
    ``spool_dir``, ``queue_size``, ``batch_size``)."""
    options = options or {}
    store = CXStore.from_url(
        options.get("url") or settings.cx_database_url, settings.cx_abandon_minutes
    )
    spool = Spool(
        Path(options.get("spool_dir") or settings.var_dir / "spool"),
        settings.cx_spool_max_mb * 1024 * 1024,
    )
    return CXLogWriter(
        store,
        build_sanitizer(settings),
        spool,
        queue_size=int(options.get("queue_size") or settings.cx_queue_size),
        batch_size=int(options.get("batch_size") or settings.cx_batch_size),
    )


class CXLogEventBroker(EventBroker):
    """Never blocks, never raises: events go to a bounded queue, a background task writes them."""

    def __init__(self, writer: CXLogWriter) -> None:
        self.writer = writer

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: AbstractEventLoop | None = None
    ) -> CXLogEventBroker:
        options = {**broker_config.kwargs, "url": broker_config.url} if broker_config else {}
        writer = build_writer(load_settings(), options)
        writer.start()
        logger.info("cxlog: logging conversations to %s", writer.store.engine.url)
        return cls(writer)

    def publish(self, event: dict[str, Any]) -> None:
        try:
            self.writer.submit(event)
        except Exception:  # logging must never fail a customer's turn
            logger.exception("cxlog: could not queue an event")

    def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        await self.writer.stop()

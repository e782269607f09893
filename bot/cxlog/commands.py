"""``python -m bot cxlog ...``: migrate, consume, purge, export, delete.

Every ``python -m bot`` call builds this parser, so the heavy imports (Rasa, SQLAlchemy,
aio-pika) happen only when a cxlog command actually runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.settings import Settings, load_settings

if TYPE_CHECKING:
    from bot.cxlog.store import CXStore


def register(commands: argparse._SubParsersAction) -> None:
    """The ``cxlog`` command and its subcommands, for bot/cli.py."""
    cxlog = commands.add_parser("cxlog", help="CX log: migrate, consume, purge, export, delete")
    cxlog.set_defaults(handler=lambda args: run(load_settings(), args))
    commands = cxlog.add_subparsers(dest="cxlog_command", required=True)
    commands.add_parser("migrate", help="create or upgrade the CX log database")
    consume = commands.add_parser("consume", help="feed the CX log from RabbitMQ (scale-out)")
    consume.add_argument("--queue", help="queue to read (default RABBITMQ_QUEUE)")
    consume.add_argument("--exchange", help="Rasa's fanout exchange (default rasa-exchange)")
    commands.add_parser(
        "purge",
        help="delete conversations older than CX_RETENTION_DAYS (CX log and Rasa's tracker store)",
    )
    for name, help_text in (
        ("export", "print one customer's conversations as JSON (right of access)"),
        ("delete", "delete one customer's conversations (right to erasure)"),
    ):
        command = commands.add_parser(name, help=help_text)
        who = command.add_mutually_exclusive_group(required=True)
        who.add_argument("--customer-id", help="all conversations of this customer")
        who.add_argument("--sender-id", help="one conversation")


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.cxlog_command == "migrate":
        from bot.cxlog.migrate import upgrade

        upgrade(settings.cx_database_url)
        print(f"cxlog: {settings.cx_database_url} is up to date")
        return 0
    return asyncio.run(_run_async(settings, args))


async def _run_async(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cxlog.retention import Subject, delete_conversations, export_conversations
    from bot.cxlog.store import CXStore

    store = CXStore.from_url(settings.cx_database_url, settings.cx_abandon_minutes)
    try:
        if args.cxlog_command == "consume":
            return await _consume(settings, store, args)
        await store.ensure_schema()
        if args.cxlog_command == "purge":
            return await _purge(settings, store)
        subject = Subject(customer_id=args.customer_id, sender_id=args.sender_id)
        if args.cxlog_command == "export":
            conversations = await export_conversations(store, subject)
            json.dump({"conversations": conversations}, sys.stdout, indent=2, ensure_ascii=False)
            print()
            return 0
        deleted = await delete_conversations(store, subject)
        print(f"cxlog: deleted {deleted} conversations")
        return 0
    finally:
        await store.close()


async def _purge(settings: Settings, store: CXStore) -> int:
    from bot.cxlog.retention import purge
    from bot.cxlog.tracker_retention import purge_tracker_store

    days = settings.cx_retention_days
    result = await purge(store, days)
    print(
        f"cxlog: purged {result.conversations} conversations and "
        f"{result.processed_events} event ids older than {days} days"
    )
    if settings.rasa_tracker_database_url:
        cutoff = datetime.now(UTC) - timedelta(days=days)
        trackers = await asyncio.to_thread(
            purge_tracker_store, settings.rasa_tracker_database_url, cutoff
        )
        print(f"cxlog: purged {trackers} conversations from Rasa's tracker store")
    return 0


async def _consume(settings: Settings, store: CXStore, args: argparse.Namespace) -> int:
    from bot.cxlog.broker import build_sanitizer
    from bot.cxlog.consumer import RASA_EXCHANGE, CXLogConsumer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    consumer = CXLogConsumer(
        store,
        build_sanitizer(settings),
        settings.rabbitmq_url,
        args.queue or settings.rabbitmq_queue,
        exchange_name=args.exchange or RASA_EXCHANGE,
        batch_size=settings.cx_batch_size,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    await consumer.run(stop)
    return 0

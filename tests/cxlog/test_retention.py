"""Retention purge, per-customer export and delete, through the functions and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.cxlog.models import Conversation, Feedback, ProcessedEvent, Turn
from bot.cxlog.retention import Subject, delete_conversations, export_conversations, purge
from bot.cxlog.store import CXStore
from bot.testing.processes import PROJECT_ROOT
from bot.testing.project import sqlite_url
from tests.cxlog.helpers import cx_events, resolved_chat
from tests.cxlog.rasa_events import Chat

NOW = datetime(2027, 6, 1, tzinfo=UTC)


def chat_at(sender_id: str, when: datetime, customer_id: str) -> Chat:
    chat = Chat(sender_id, start=when.timestamp())
    chat.session_start(customer_id=customer_id)
    chat.user("where is order #10001? I'm on +44 20 7946 0958", "track_order")
    chat.reply("action_track_order", "It ships tomorrow.")
    chat.slot("csat", 4)
    return chat


async def row_counts(store: CXStore) -> dict[str, int]:
    found = {}
    async with store.engine.connect() as connection:
        for model in (Conversation, Turn, Feedback, ProcessedEvent):
            found[model.__tablename__] = await connection.scalar(
                select(func.count()).select_from(model)
            )
    return found


async def test_purge_removes_old_conversations_with_everything_attached(store: CXStore) -> None:
    await store.write(cx_events(chat_at("old", NOW - timedelta(days=400), "C-1")))
    await store.write(cx_events(chat_at("recent", NOW - timedelta(days=10), "C-1")))
    result = await purge(store, retention_days=365, now=NOW)
    assert result.conversations == 1
    counts = await row_counts(store)
    assert (counts["conversations"], counts["turns"], counts["feedback"]) == (1, 1, 1)
    async with store.engine.connect() as connection:
        assert list(await connection.scalars(select(Conversation.sender_id))) == ["recent"]


async def test_purge_refuses_a_retention_below_one_day(store: CXStore) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await purge(store, retention_days=0)


async def test_export_has_one_customers_conversations_only(store: CXStore) -> None:
    await store.write(cx_events(chat_at("a1", NOW - timedelta(days=2), "C-1")))
    await store.write(cx_events(chat_at("a2", NOW - timedelta(days=1), "C-1")))
    await store.write(cx_events(chat_at("b1", NOW, "C-2")))
    exported = await export_conversations(store, Subject(customer_id="C-1"))
    assert [conversation["sender_id"] for conversation in exported] == ["a1", "a2"]
    first = exported[0]
    assert first["turns"][0]["user_text"] == "where is order #10001? I'm on [PHONE]"
    assert first["feedback"] == {"csat": 4, "nps": None, "comment": None}
    json.dumps(exported)  # JSON-ready
    by_sender = await export_conversations(store, Subject(sender_id="b1"))
    assert [conversation["customer_id"] for conversation in by_sender] == ["C-2"]


async def test_delete_erases_a_customer_and_a_replay_cannot_bring_it_back(store: CXStore) -> None:
    events = cx_events(chat_at("a1", NOW, "C-7"))
    await store.write(events)
    await store.write(cx_events(resolved_chat("other")))
    assert await delete_conversations(store, Subject(customer_id="C-7")) == 1
    assert await export_conversations(store, Subject(customer_id="C-7")) == []
    assert await store.write(events) == 0  # e.g. a spooled copy replayed later
    assert await export_conversations(store, Subject(customer_id="C-7")) == []
    assert (await row_counts(store))["conversations"] == 1


def test_subject_needs_exactly_one_identifier() -> None:
    with pytest.raises(ValueError):
        Subject()
    with pytest.raises(ValueError):
        Subject(customer_id="C-1", sender_id="s1")


def run_cli(cx_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "cxlog", *args],
        cwd=PROJECT_ROOT,
        env={"CX_DATABASE_URL": cx_url, "PATH": "/usr/bin:/bin", "CX_RETENTION_DAYS": "30"},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_cli_export_delete_purge(store: CXStore, cx_url: str) -> None:
    await store.write(cx_events(chat_at("a1", datetime.now(UTC), "C-1")))
    await store.write(cx_events(chat_at("old", datetime.now(UTC) - timedelta(days=31), "C-9")))

    exported = run_cli(cx_url, "export", "--customer-id", "C-1")
    assert exported.returncode == 0, exported.stderr
    assert [c["sender_id"] for c in json.loads(exported.stdout)["conversations"]] == ["a1"]

    missing_who = run_cli(cx_url, "delete")
    assert missing_who.returncode == 2 and "--customer-id" in missing_who.stderr

    deleted = run_cli(cx_url, "delete", "--sender-id", "a1")
    assert deleted.returncode == 0 and "deleted 1 conversations" in deleted.stdout

    purged = run_cli(cx_url, "purge")
    assert purged.returncode == 0 and "purged 1 conversations" in purged.stdout
    assert (await row_counts(store))["conversations"] == 0


def test_cli_migrate_creates_a_fresh_store(tmp_path) -> None:
    url = sqlite_url(tmp_path / "fresh" / "cxlog.db")
    migrated = run_cli(url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "fresh" / "cxlog.db").exists()

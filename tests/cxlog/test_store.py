"""The store against real databases: schema, projection, idempotency, search, sweep."""

from __future__ import annotations

import asyncio
import warnings
from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from bot.cxlog.migrate import upgrade
from bot.cxlog.models import Conversation, Feedback, ProcessedEvent, Turn, metadata
from bot.cxlog.projector import timestamp_to_datetime
from bot.cxlog.store import CXStore
from tests.cxlog.helpers import ABANDON_MINUTES, cx_events, resolved_chat
from tests.cxlog.rasa_events import Chat


async def counts(store: CXStore) -> tuple[int, int, int, int]:
    found = []
    async with store.engine.connect() as connection:
        for model in (Conversation, Turn, Feedback, ProcessedEvent):
            found.append(await connection.scalar(select(func.count()).select_from(model)))
    return tuple(found)


def _schema_differences(connection: Connection) -> list:
    own_tables = set(metadata.tables)

    def ours(obj: object, name: str | None, kind: str, reflected: bool, _other: object) -> bool:
        table = obj if kind == "table" else getattr(obj, "table", None)
        return getattr(table, "name", name) in own_tables

    context = MigrationContext.configure(connection, opts={"include_object": ours})
    with warnings.catch_warnings():
        # The Postgres full-text index is an expression index, which alembic cannot reflect.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        return compare_metadata(context, metadata)


async def test_migrations_create_exactly_the_models(store: CXStore) -> None:
    async with store.engine.connect() as connection:
        assert await connection.run_sync(_schema_differences) == []


async def test_a_conversation_is_stored_redacted(store: CXStore) -> None:
    assert await store.write(cx_events(resolved_chat())) > 0
    async with store.engine.connect() as connection:
        conversation = (await connection.execute(select(Conversation))).one()
        turns = (await connection.execute(select(Turn).order_by(Turn.seq))).all()
    assert conversation.sender_id == "s1" and conversation.customer_id == "C-1"
    assert conversation.outcome == "resolved" and conversation.csat == 5
    assert conversation.top_intent == "track_order" and conversation.turn_count == 3
    assert conversation.started_at.tzinfo is not None
    assert [turn.intent for turn in turns] == ["greet", "track_order", "goodbye"]
    assert turns[0].user_text == "hi, I'm at [EMAIL]"
    assert turns[1].user_text == "where is order #10001"
    assert turns[1].bot_texts == ["It ships tomorrow."] and turns[1].latency_ms == 150


async def test_replaying_events_changes_nothing(store: CXStore) -> None:
    events = cx_events(resolved_chat())
    written = await store.write(events)
    before = await counts(store)
    assert await store.write(events) == 0
    assert await store.write(events[3:] + events[:3]) == 0
    assert await counts(store) == before
    assert before[3] == written


async def test_a_conversation_split_over_batches_continues_its_turns(store: CXStore) -> None:
    events = cx_events(resolved_chat())
    for start in range(0, len(events), 3):
        await store.write(events[start : start + 3])
    async with store.engine.connect() as connection:
        seqs = list(await connection.scalars(select(Turn.seq).order_by(Turn.seq)))
        outcome = await connection.scalar(select(Conversation.outcome))
    assert seqs == [0, 1, 2] and outcome == "resolved"


async def test_duplicates_inside_one_batch_count_once(store: CXStore) -> None:
    events = cx_events(resolved_chat())
    assert await store.write(events + events) == len(events)


async def test_concurrent_writers_of_one_conversation_do_not_duplicate(cx_url: str) -> None:
    events = cx_events(resolved_chat())
    writers = [CXStore.from_url(cx_url, ABANDON_MINUTES) for _ in range(3)]
    try:
        written = await asyncio.gather(*(writer.write(events) for writer in writers))
        assert sum(written) == len(events)
        assert await counts(writers[0]) == (1, 3, 1, len(events))
    finally:
        for writer in writers:
            await writer.close()


async def test_full_text_search_finds_turns_and_forgets_deleted_ones(store: CXStore) -> None:
    await store.write(cx_events(resolved_chat("s1")))
    await store.write(cx_events(resolved_chat("s2")))
    search = text(
        "SELECT conversations.sender_id FROM turns_fts JOIN turns ON turns.id = turns_fts.rowid "
        "JOIN conversations ON conversations.id = turns.conversation_id "
        "WHERE turns_fts MATCH :query ORDER BY conversations.sender_id"
    )
    async with store.engine.begin() as connection:
        assert list(await connection.scalars(search, {"query": "order"})) == ["s1", "s2"]
        await connection.execute(text("DELETE FROM conversations WHERE sender_id = 's1'"))
        assert list(await connection.scalars(search, {"query": "order"})) == ["s2"]
        assert await connection.scalar(select(func.count()).select_from(Turn)) == 3


async def test_sweep_closes_silent_conversations_and_a_message_reopens(store: CXStore) -> None:
    open_chat = Chat("open")
    open_chat.user("where is my order", "track_order")
    open_chat.reply("utter_ask_order_number", "Which order?")
    await store.write(cx_events(open_chat))
    await store.write(cx_events(resolved_chat("done")))
    silent_since = timestamp_to_datetime(open_chat.clock)
    assert await store.sweep_abandoned(silent_since + timedelta(minutes=29)) == 0
    assert await store.sweep_abandoned(silent_since + timedelta(minutes=31)) == 1
    async with store.engine.connect() as connection:
        outcomes = dict(
            (await connection.execute(select(Conversation.sender_id, Conversation.outcome))).all()
        )
    assert outcomes == {"open": "abandoned", "done": "resolved"}
    open_chat.user("12345", "inform")
    await store.write(cx_events(open_chat))
    async with store.engine.connect() as connection:
        outcome = await connection.scalar(
            select(Conversation.outcome).where(Conversation.sender_id == "open")
        )
    assert outcome == "open"


async def test_name_digests_are_persisted_for_later_redaction(store: CXStore) -> None:
    chat = Chat("s1")
    chat.slot("customer_first_name", "Anna")
    await store.write(cx_events(chat))
    digests = await store.name_digests(["s1", "unknown"])
    assert list(digests) == ["s1"] and len(digests["s1"]) == 1


async def test_postgres_schema_and_idempotent_writes(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    store = CXStore.from_url(postgres_url, ABANDON_MINUTES)
    try:
        async with store.engine.connect() as connection:
            assert await connection.run_sync(_schema_differences) == []
        events = cx_events(resolved_chat())
        assert await store.write(events) == len(events)
        assert await store.write(events) == 0
        assert await counts(store) == (1, 3, 1, len(events))
        search = text(
            "SELECT count(*) FROM turns WHERE to_tsvector('simple', coalesce(user_text, '')) "
            "@@ plainto_tsquery('simple', :query)"
        )
        async with store.engine.connect() as connection:
            assert await connection.scalar(search, {"query": "order"}) == 1
    finally:
        await store.close()

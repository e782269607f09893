"""The cached SQL tracker store on a real SQLite file: same answers as Rasa's, fewer rebuilds."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    Event,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.utils.common import all_subclasses

from bot.deploy.rasa_patches import _ORIGINAL_RESOLVE, _action_result_validator, passes_by_event
from bot.deploy.tracker_store import CachedSQLTrackerStore

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
DOMAIN = Domain.from_yaml(
    """
    intents: [greet]
    slots:
      email:
        type: text
        mappings: [{type: custom}]
    """
)


class RecordingBroker:
    """Stands in for RabbitMQ / the CX log: records what the store publishes."""

    def __init__(self) -> None:
        self.published: list[dict] = []

    def publish(self, event: dict) -> None:
        self.published.append(event)


def store(db: Path, **options: object) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db), **options)


def run(coroutine):  # noqa: ANN001, ANN201 (test helper)
    return asyncio.run(coroutine)


def turn(store: CachedSQLTrackerStore, sender: str, text: str) -> None:
    """One turn as Rasa runs it: get (or create) the tracker, add events, save."""
    tracker = run(store.get_or_create_tracker(sender))
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    tracker.update(SlotSet("email", f"{text}@example.com"))
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))


def rasa_view(db: Path, sender: str) -> list[dict]:
    """What Rasa's own store rebuilds from the database."""
    tracker = run(SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db)).retrieve(sender))
    return [event.as_dict() for event in tracker.events]


def test_turns_reuse_the_tracker_and_store_each_event_once(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    broker = RecordingBroker()
    cached = store(db, event_broker=broker)
    for text in ("a", "b", "c"):
        turn(cached, "s1", text)
    first = run(cached.retrieve("s1"))
    run(cached.save(first))
    assert run(cached.retrieve("s1")) is first, "a saved tracker is handed to the next turn"
    assert [event.as_dict() for event in first.events] == rasa_view(db, "s1")
    assert first.get_slot("email") == "c@example.com"
    assert [event["event"] for event in broker.published] == [
        event["event"] for event in rasa_view(db, "s1")
    ], "the broker sees every stored event exactly once"


def test_rows_are_the_ones_rasas_own_store_writes(tmp_path: Path) -> None:
    def rows(db: Path) -> list[tuple]:  # all but the clock: the timestamp column and field
        query = "SELECT sender_id, type_name, intent_name, action_name, timestamp, data FROM events"
        with sa.create_engine(f"sqlite:///{db}").connect() as connection:
            found = connection.exec_driver_sql(query).all()
        data = [json.loads(row.data) for row in found]
        pairs = list(zip(found, data, strict=True))
        assert all(row.timestamp == fields.pop("timestamp") for row, fields in pairs)
        return [(*row[:4], fields) for row, fields in pairs]

    rasa_store = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    for target in (store(tmp_path / "ours.db"), rasa_store):
        turn(target, "s1", "où est ma commande? a/b 🙂")
    assert rows(tmp_path / "ours.db") == rows(tmp_path / "rasa.db")


def test_a_second_reader_during_a_turn_gets_its_own_copy(tmp_path: Path) -> None:
    cached = store(tmp_path / "tracker.db")
    turn(cached, "s1", "a")
    in_turn = run(cached.retrieve("s1"))
    reader = run(cached.retrieve("s1"))
    assert reader is not in_turn
    in_turn.update(SlotSet("email", "unsaved@example.com"))
    assert reader.get_slot("email") == "a@example.com"


def test_a_turn_served_by_another_node_is_seen(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    node_a, node_b = store(db), store(db)
    turn(node_a, "s1", "a")
    turn(node_b, "s1", "b")  # the balancer sent this turn to the other node
    tracker = run(node_a.retrieve("s1"))
    assert tracker.get_slot("email") == "b@example.com"
    assert [event.as_dict() for event in tracker.events] == rasa_view(db, "s1")
    run(node_a.save(tracker))
    assert len(rasa_view(db, "s1")) == len(tracker.events), "no event stored twice"


def test_without_validation_a_node_would_serve_a_stale_tracker(tmp_path: Path) -> None:
    """Why the scale-out profile validates: this is the bug the max-id check prevents."""
    db = tmp_path / "tracker.db"
    node_a, node_b = store(db, validate_cache=False), store(db)
    turn(node_a, "s1", "a")
    turn(node_b, "s1", "b")
    assert run(node_a.retrieve("s1")).get_slot("email") == "a@example.com"


def test_a_new_session_is_reloaded_from_the_database(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    cached = store(db)
    turn(cached, "s1", "a")
    tracker = run(cached.retrieve("s1"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    run(cached.save(tracker))
    again = run(cached.retrieve("s1"))
    assert again is not tracker
    assert [event.as_dict() for event in again.events] == rasa_view(db, "s1")


def test_the_cache_is_bounded(tmp_path: Path) -> None:
    cached = store(tmp_path / "tracker.db", cache_size=2)
    for sender in ("s1", "s2", "s3"):
        turn(cached, sender, "a")
    assert list(cached._entries) == ["s2", "s3"]
    assert run(cached.retrieve("s1")).get_slot("email") == "a@example.com"


@pytest.mark.parametrize("cls", all_subclasses(Event), ids=lambda cls: cls.__name__)
def test_event_types_resolve_as_in_rasa(cls: type[Event]) -> None:
    assert Event.resolve_by_type(cls.type_name) is _ORIGINAL_RESOLVE(cls.type_name)


def test_unknown_event_types_behave_as_in_rasa() -> None:
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


def test_action_results_are_validated_with_the_cached_validator() -> None:
    action = RemoteAction("action_x", None)
    good = {"events": [{"event": "slot", "name": "email", "value": "x"}], "responses": []}
    assert action._validate_action_result(good)
    assert action._validate_action_result(good)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list", "responses": []})


EVENTS = [
    SlotSet("email", "a@b.c"),
    ActionExecuted("action_listen"),
    UserUttered("hi", {"name": "greet", "confidence": 0.9}, [{"entity": "e", "value": 1}]),
    BotUttered("hello", {"buttons": [{"title": "Yes", "payload": "/affirm"}]}),
    ActiveLoop("track_order_form"),
    FollowupAction("action_track_order"),
    SessionStarted(),
    Restarted(),
    AllSlotsReset(),
    ConversationPaused(),
]
BROKEN = [
    {"event": "slot", "value": 1},  # no name
    {"event": "slot", "name": 3, "value": 1},
    {"event": "no_such_event"},
    {"event": ["slot"]},
    {"event": 7},
    {"name": "email"},
    "slot",
    {"event": "user", "parse_data": {"entities": [{"entity": "e"}]}},  # entity without value
    {"event": "action", "name": "x", "hide_rule_turn": "yes"},
    {"event": "action", "name": "x", "timestamp": "noon"},
]


@pytest.mark.parametrize("event", [e.as_dict() for e in EVENTS] + BROKEN)
def test_the_per_event_check_never_passes_what_rasas_schema_rejects(event: object) -> None:
    result = {"events": [SlotSet("a", 1).as_dict(), event], "responses": [{"text": "hi"}]}
    full = _action_result_validator().is_valid(result)
    assert passes_by_event(result) == full, "the same verdict as the full schema"
    if not full:
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            RemoteAction("action_x", None)._validate_action_result(result)


def test_responses_are_still_checked_by_the_per_event_path() -> None:
    assert not passes_by_event({"events": [], "responses": "not a list"})
    assert not passes_by_event(["not", "an", "object"])
    assert passes_by_event(
        {"events": None, "responses": []}
    ) == _action_result_validator().is_valid({"events": None, "responses": []})


def test_sqlite_connections_are_pooled_across_turns(tmp_path: Path) -> None:
    cached = store(tmp_path / "pooled.db")
    opened: list[object] = []
    sa.event.listen(cached.engine, "connect", lambda connection, _record: opened.append(1))
    for text in ("a", "b", "c"):
        turn(cached, "s1", text)
    run(cached.retrieve("s2"))
    assert len(opened) == 1, "one connection serves every session of the turns"


def test_sqlite_commits_go_to_a_write_ahead_log(tmp_path: Path) -> None:
    def pragmas(cached: CachedSQLTrackerStore) -> tuple[str, int]:
        with cached.engine.connect() as connection:
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            return mode, connection.exec_driver_sql("PRAGMA synchronous").scalar()

    assert pragmas(store(tmp_path / "wal.db")) == ("wal", 1)  # 1 = NORMAL
    # SQLite's defaults (rollback journal, a disk sync per commit) when asked for
    assert pragmas(store(tmp_path / "plain.db", sqlite_wal=False)) == ("delete", 2)
    node_a, node_b = store(tmp_path / "wal.db"), store(tmp_path / "wal.db")
    turn(node_a, "s1", "a")
    turn(node_b, "s1", "b")  # another process's committed turn is visible at once
    assert run(node_a.retrieve("s1")).get_slot("email") == "b@example.com"


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A new, empty database on the machine's Postgres (dropped afterwards)."""
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        pytest.skip(f"Postgres at {POSTGRES_ADMIN} is unreachable: {exc}")
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.mark.machine_services
def test_two_nodes_on_postgres_store_each_event_once(postgres_database: str) -> None:
    """The scale-out profile's store: the compiled statements in psycopg2's parameter style."""

    def node(broker: RecordingBroker | None = None) -> CachedSQLTrackerStore:
        return CachedSQLTrackerStore(
            domain=DOMAIN, dialect="postgresql", host="127.0.0.1", port=5432,
            db=postgres_database, username="postgres", event_broker=broker,
        )  # fmt: skip

    def stored() -> list[dict]:
        return [event.as_dict() for event in run(rasa_store.retrieve("s1")).events]

    rasa_store = SQLTrackerStore(
        domain=DOMAIN, dialect="postgresql", host="127.0.0.1", port=5432,
        db=postgres_database, username="postgres",
    )  # fmt: skip
    broker = RecordingBroker()
    node_a, node_b = node(broker), node()
    turn(node_a, "s1", "a")
    turn(node_a, "s1", "où? 🙂")
    assert [event["event"] for event in broker.published] == [e["event"] for e in stored()]
    assert stored()[-3]["text"] == "où? 🙂"
    turn(node_b, "s1", "b")  # the balancer sent this turn to the other node
    tracker = run(node_a.retrieve("s1"))
    assert tracker.get_slot("email") == "b@example.com"
    assert [event.as_dict() for event in tracker.events] == stored()
    run(node_a.save(tracker))
    assert len(stored()) == len(tracker.events), "no event stored twice"


def test_a_tracker_it_did_not_hand_out_gets_only_its_new_events_stored(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    turn(SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db)), "s1", "a")
    elsewhere = run(SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db)).retrieve("s1"))
    elsewhere.update(SlotSet("email", "b@example.com"))
    run(store(db).save(elsewhere))  # counts what the current session already holds
    assert rasa_view(db, "s1") == [event.as_dict() for event in elsewhere.events]

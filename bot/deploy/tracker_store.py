"""Rasa's SQL tracker store with the live trackers kept in process between turns.

Rasa's `SQLTrackerStore` rebuilds a conversation from its SQL rows (JSON decode, one event
object per row, replayed into a fresh tracker) on every retrieve, and a turn retrieves twice:
once to process the message and once more in `save` to work out which events the event broker
has not seen. This store keeps the tracker object a turn saved, and the next turn of that
conversation gets that same object back; `save` appends only the events after the ones already
stored and streams exactly those to the event broker.

Why handing out the cached object is safe: the lock store serialises the turns of one
conversation, so one turn at a time owns it. A retrieve marks the entry checked out until the
tracker comes back through `save`; a second retrieve meanwhile (an API read during a turn)
gets a fresh copy from the database, and a turn that fails before saving leaves the entry
checked out until the next save replaces it. The cache is a bounded LRU (`cache_size`).

Several nodes (endpoints.scale.yml) write the same database, so a node's cached tracker can
fall behind when another node served a turn. With `validate_cache: true` (the default) a cached
tracker is only used while the highest event id stored for the conversation is still the one
this node last wrote or read: one indexed `max(id)` query instead of reloading every event.

On SQLite (the default install) the database runs in WAL mode with `synchronous=NORMAL`
(`sqlite_wal: false` keeps SQLite's defaults): a commit then writes the log without waiting
for the disk, which was 29 % of the Rasa process's busy time per turn in the rollback-journal
default. A crash of the process loses nothing; a power cut can lose the last turns' events.
SQLAlchemy 1.4 gives a file SQLite database no pool (a new connection, its pragmas and a close
for every session, three sessions a turn): this store keeps a small pool of open connections.
"""

from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.deploy import rasa_patches
from bot.deploy.compiled_sql import CompiledStatement, pooled_cursor

rasa_patches.install()


def _write_ahead_log(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_ROW_COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


def _current_session_events(table: sa.Table) -> sa.sql.Select:
    """Rasa's ``_event_query`` for the current session (ids and JSON only), as Core."""
    start = (
        sa.select(sa.func.max(table.c.timestamp).label("session_start"))
        .where(table.c.sender_id == sa.bindparam("sender"))
        .where(table.c.type_name == SessionStarted.type_name)
        .subquery()
    )
    after_start = sa.or_(
        table.c.timestamp >= start.c.session_start, start.c.session_start.is_(None)
    )
    return (
        sa.select(table.c.id, table.c.data)
        .where(table.c.sender_id == sa.bindparam("sender"), after_start)
        .order_by(table.c.id)
    )


@dataclass
class _Entry:
    tracker: DialogueStateTracker
    stored: int  # events of `tracker` already in the database
    last_id: int | None  # highest event row id of the conversation when we last saw it
    checked_out: bool = False


class CachedSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` plus an in-process LRU of the trackers it last saved."""

    def __init__(
        self,
        *args: Any,
        cache_size: int = 10_000,
        validate_cache: bool = True,
        sqlite_wal: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in ("", None):
            self._pool_sqlite_connections()
            if sqlite_wal:
                sa.event.listen(self.engine, "connect", _write_ahead_log)
        self.cache_size = int(cache_size)
        self.validate_cache = bool(validate_cache)
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        table = self.SQLEvent.__table__
        dialect = self.engine.dialect
        self._max_id_sql = CompiledStatement(
            sa.select(sa.func.max(table.c.id)).where(table.c.sender_id == sa.bindparam("sender")),
            dialect,
        )
        self._insert_sql = CompiledStatement(sa.insert(table), dialect, column_keys=_ROW_COLUMNS)
        session_events = _current_session_events(table)
        self._session_events_sql = CompiledStatement(session_events, dialect)
        self._session_count_sql = CompiledStatement(
            sa.select(sa.func.count()).select_from(session_events.subquery()), dialect
        )

    def _pool_sqlite_connections(self) -> None:
        """Rasa's engine with a pool (the Rasa process is this database's only user)."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url,
            poolclass=sa.pool.QueuePool,
            pool_size=2,
            connect_args={"check_same_thread": False},  # pooled: any thread may check one out
        )
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _cached(self, sender_id: str) -> DialogueStateTracker | None:
        entry = self._entries.get(sender_id)
        if entry is None or entry.checked_out:
            return None
        if self.validate_cache:
            with pooled_cursor(self.engine) as cursor:
                if self._max_id_sql.scalar(cursor, sender=sender_id) != entry.last_id:
                    del self._entries[sender_id]  # another node wrote this conversation
                    return None
        entry.checked_out = True
        self._entries.move_to_end(sender_id)
        return entry.tracker

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The cached tracker if it is current, else Rasa's rebuild from the database."""
        cached = self._cached(sender_id)
        if cached is not None:
            return cached
        with pooled_cursor(self.engine) as cursor:
            rows = self._session_events_sql.rows(cursor, sender=sender_id)
        if not rows or not self.domain:
            return None
        events = [json.loads(data) for _, data in rows]
        last_id = max(row_id for row_id, _ in rows)
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if sender_id not in self._entries:
            self._remember(sender_id, _Entry(tracker, len(events), last_id, checked_out=True))
        return tracker

    def _remember(self, sender_id: str, entry: _Entry) -> None:
        self._entries[sender_id] = entry
        self._entries.move_to_end(sender_id)
        while len(self._entries) > self.cache_size:
            self._entries.popitem(last=False)

    async def create_tracker(
        self, sender_id: str, append_action_listen: bool = True
    ) -> DialogueStateTracker:
        """Rasa's new tracker, checked out to the turn that asked for it."""
        tracker = await super().create_tracker(sender_id, append_action_listen)
        entry = self._entries.get(sender_id)
        if entry is not None and entry.tracker is tracker:
            entry.checked_out = True
        return tracker

    def _row(self, sender_id: str, event: Event) -> dict[str, Any]:
        """Rasa's row for ``event`` (same columns, same JSON), for one batched INSERT."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": rasa_patches.dumps(data),
        }

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the events not yet stored, stream the same events, keep the tracker."""
        sender_id = tracker.sender_id
        entry = self._entries.get(sender_id)
        known = entry is not None and entry.tracker is tracker
        if known:
            stored = entry.stored
        else:  # a tracker we did not hand out: what is stored of its current session
            with pooled_cursor(self.engine) as cursor:
                stored = self._session_count_sql.scalar(cursor, sender=sender_id)
        new_events = list(itertools.islice(tracker.events, stored, None))
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new_events, sender_id)
        rows = [self._row(sender_id, event) for event in new_events]
        last_id = entry.last_id if known else None
        if rows or not known:
            with pooled_cursor(self.engine) as cursor:
                if rows:  # one executemany, not the ORM's unit of work with an INSERT per row
                    self._insert_sql.execute_many(cursor, rows)
                # the lock store keeps other writers of this conversation out: ours hold the max
                last_id = self._max_id_sql.scalar(cursor, sender=sender_id)
        if any(isinstance(event, SessionStarted) for event in new_events):
            # the database now holds a shorter "current session" than this tracker: reload
            self._entries.pop(sender_id, None)
        else:
            self._remember(sender_id, _Entry(tracker, len(tracker.events), last_id))

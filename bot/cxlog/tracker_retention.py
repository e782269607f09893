"""Retention for Rasa's SQL tracker store, which keeps every message and slot in clear.

The CX log keeps redacted copies; the tracker store is the bot's memory and holds the
originals. ``python -m bot cxlog purge`` therefore deletes from it, too, every conversation
whose latest event is older than ``CX_RETENTION_DAYS``: all of its rows, so no half
conversation is left for Rasa to resume. The database is the one of ``RASA_TRACKER_DATABASE_URL``
(a synchronous SQLAlchemy URL, like Rasa's own: SQLite file by default, ``postgresql://`` in
the scale-out profile). Rasa's ``SQLTrackerStore`` has one table, ``events``, with a row per
event (``sender_id``, ``timestamp`` as Unix seconds); Rasa creates it on first start, so a
store that does not exist yet has nothing to purge and is not created here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, MetaData, String, Table, create_engine, func, inspect, select
from sqlalchemy.engine import make_url

from bot.files import sqlite_path

EVENTS = Table(
    "events",
    MetaData(),
    Column("sender_id", String(255)),
    Column("timestamp", Float),
)


def purge_tracker_store(database_url: str, cutoff: datetime) -> int:
    """Delete conversations whose latest event is before ``cutoff``; return how many."""
    path = sqlite_path(make_url(database_url))
    if path is not None and not path.exists():
        return 0
    engine = create_engine(database_url)
    try:
        if not inspect(engine).has_table(EVENTS.name):
            return 0
        stale = (
            select(EVENTS.c.sender_id)
            .group_by(EVENTS.c.sender_id)
            .having(func.max(EVENTS.c.timestamp) < cutoff.timestamp())
        )
        with engine.begin() as connection:
            senders = list(connection.scalars(stale))
            for start in range(0, len(senders), 500):  # bounded IN lists
                batch = senders[start : start + 500]
                connection.execute(EVENTS.delete().where(EVENTS.c.sender_id.in_(batch)))
        return len(senders)
    finally:
        engine.dispose()

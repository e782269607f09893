"""Databases and spool files with conversations in them are readable by their owner only."""

from __future__ import annotations

import os
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text

from bot.backend.database import create_engine as backend_engine
from bot.cxlog.spool import Spool
from bot.cxlog.store import CXStore
from bot.files import prepare_sqlite_file
from bot.testing.project import sqlite_url
from tests.cxlog.helpers import cx_events
from tests.cxlog.rasa_events import Chat


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def sidecars(path: Path) -> list[Path]:
    return [candidate for candidate in path.parent.iterdir() if candidate.name != path.name]


async def test_cx_store_database_and_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "var" / "cxlog.db"
    store = CXStore.from_url(sqlite_url(path), 30)
    try:
        await store.ensure_schema()
        chat = Chat("s1")
        chat.user("hello", "greet")
        await store.write(cx_events(chat))
        assert mode(path.parent) == 0o700 and mode(path) == 0o600
        assert sidecars(path) and all(mode(file) == 0o600 for file in sidecars(path))
    finally:
        await store.close()


async def test_backend_database(tmp_path: Path) -> None:
    path = tmp_path / "data" / "backend.db"
    engine = backend_engine(sqlite_url(path))
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x INTEGER)"))
    await engine.dispose()
    assert mode(path.parent) == 0o700 and mode(path) == 0o600


async def test_tracker_database_prepared_before_rasa_opens_it(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    prepare_sqlite_file(f"sqlite:///{path}")
    store = SQLTrackerStore(dialect="sqlite", db=str(path))
    await store.save(DialogueStateTracker.from_events("s1", [UserUttered("hi, I'm Anna")]))
    assert mode(path) == 0o600
    assert (await store.keys()) == ["s1"]


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    path.touch()
    os.chmod(path, 0o644)
    (tmp_path / "tracker.db-journal").touch(mode=0o644)
    prepare_sqlite_file(f"sqlite:///{path}")
    assert mode(path) == 0o600 and mode(tmp_path / "tracker.db-journal") == 0o600


def test_spool_segments_and_rejects(tmp_path: Path) -> None:
    directory = tmp_path / "var" / "spool"
    spool = Spool(directory, max_bytes=1_000_000)
    spool.append([{"event_id": "1", "text": "hello"}])
    spool.reject({"event_id": "2"})
    assert mode(directory.parent) == 0o700 and mode(directory) == 0o700
    files = list(directory.iterdir())
    assert len(files) == 2 and all(mode(file) == 0o600 for file in files)

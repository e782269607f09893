"""The purge deletes old conversations from a tracker database written by Rasa's SQLTrackerStore."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from bot.cxlog.tracker_retention import purge_tracker_store
from bot.files import prepare_sqlite_file
from bot.settings import Settings
from bot.testing.processes import PROJECT_ROOT

NOW = datetime.now(UTC)
CUTOFF = NOW - timedelta(days=30)


def tracker(sender_id: str, *ages_in_days: float) -> DialogueStateTracker:
    """A conversation with one customer turn per age (days before now)."""
    events = []
    for age in ages_in_days:
        at = (NOW - timedelta(days=age)).timestamp()
        events += [
            UserUttered("hi, I'm Anna, call me on +44 20 7946 0958", timestamp=at),
            SlotSet("customer_id", "C1001", timestamp=at),
            ActionExecuted("utter_greet", timestamp=at + 0.1),
            BotUttered("Hello Anna!", timestamp=at + 0.2),
        ]
    return DialogueStateTracker.from_events(sender_id, events)


async def fill(store: SQLTrackerStore) -> None:
    await store.save(tracker("old", 400, 90))
    await store.save(tracker("came-back", 400, 2))  # old start, recent activity: kept whole
    await store.save(tracker("recent", 1))


async def check_purged(store: SQLTrackerStore, database_url: str) -> None:
    before = len((await store.retrieve_full_tracker("came-back")).events)
    assert purge_tracker_store(database_url, CUTOFF) == 1
    assert await store.retrieve("old") is None
    assert sorted(await store.keys()) == ["came-back", "recent"]
    assert len((await store.retrieve_full_tracker("came-back")).events) == before
    assert purge_tracker_store(database_url, CUTOFF) == 0


async def test_sqlite_tracker_store(tmp_path: Path) -> None:
    path = tmp_path / "var" / "tracker.db"
    prepare_sqlite_file(f"sqlite:///{path}")
    store = SQLTrackerStore(dialect="sqlite", db=str(path))
    await fill(store)
    await check_purged(store, f"sqlite:///{path}")
    assert path.stat().st_mode & 0o777 == 0o600


async def test_postgres_tracker_store(postgres_url: str) -> None:
    url = make_url(postgres_url)
    store = SQLTrackerStore(
        dialect="postgresql", host=url.host, port=url.port, db=url.database, username=url.username
    )
    await fill(store)
    await check_purged(store, str(url.set(drivername="postgresql")))
    store.engine.dispose()


def test_a_missing_tracker_database_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    assert purge_tracker_store(f"sqlite:///{path}", CUTOFF) == 0
    assert not path.exists()


def run_purge(cx_url: str, tracker_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "cxlog", "purge"],
        cwd=PROJECT_ROOT,
        env={
            "PATH": os.environ["PATH"],
            "CX_DATABASE_URL": cx_url,
            "CX_RETENTION_DAYS": "30",
            "RASA_TRACKER_DATABASE_URL": tracker_url,
        },
        capture_output=True,
        text=True,
        timeout=180,
    )


async def test_cli_purge_covers_the_tracker_store(tmp_path: Path, cx_url: str) -> None:
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(dialect="sqlite", db=str(path))
    await fill(store)
    purged = run_purge(cx_url, f"sqlite:///{path}")
    assert purged.returncode == 0, purged.stderr
    assert "purged 1 conversations from Rasa's tracker store" in purged.stdout
    assert sorted(await store.keys()) == ["came-back", "recent"]


def test_the_default_url_is_the_tracker_store_rasa_uses() -> None:
    config = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())["tracker_store"]
    assert config["type"].endswith("SQLTrackerStore") and config["dialect"] == "sqlite"
    used = (PROJECT_ROOT / config["db"]).resolve()  # Rasa runs from the project root
    assert make_url(Settings().rasa_tracker_database_url).database == str(used)

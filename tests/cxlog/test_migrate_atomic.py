"""A CX store upgrade on SQLite is all or nothing: the sqlite3 driver runs DDL outside any
transaction, so without env.py's own BEGIN a failing revision left the earlier ones applied, and
a reader during an upgrade saw tables without their newest columns (CI: "no such column
conversations.current_flow" while the broker was still migrating)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic import command

from bot.cxlog.migrate import MIGRATIONS_DIR, alembic_config, upgrade
from bot.files import prepare_sqlite_file
from bot.testing.project import sqlite_url


def _migrations_whose_last_revision_fails(tmp_path: Path) -> Path:
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    revision = copy / "versions" / "cx0003_flow_funnels.py"
    source = revision.read_text()
    failing = source.replace(
        'op.create_index("ix_flow_progress_flow_step", "flow_progress", ["flow", "step"])',
        'op.create_index("ix_flow_progress_flow_step", "flow_progress", ["flow", "step"])\n'
        '    raise RuntimeError("disk full halfway through the upgrade")',
    )
    assert failing != source, "the revision this test breaks has changed"
    revision.write_text(failing)
    return copy


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}


def test_a_failing_upgrade_leaves_no_table_behind(tmp_path: Path) -> None:
    path = tmp_path / "cxlog.db"
    url = sqlite_url(path)
    prepare_sqlite_file(url)
    config = alembic_config(url)
    config.set_main_option("script_location", str(_migrations_whose_last_revision_fails(tmp_path)))

    with pytest.raises(RuntimeError, match="disk full"):
        command.upgrade(config, "heads")

    assert _tables(path) == set()
    upgrade(url)  # the real migrations then run as if nothing had happened
    assert {"conversations", "flow_progress", "cxlog_alembic_version"} <= _tables(path)

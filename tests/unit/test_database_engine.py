"""The engine both databases get, on a real SQLite file: pooled, WAL, foreign keys, lock timeout."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.backend.database import create_engine as backend_engine
from bot.cxlog.database import create_engine as cx_engine
from bot.testing.project import sqlite_url


@pytest.mark.parametrize(("make", "busy_s"), [(backend_engine, 15), (cx_engine, 5)])
async def test_sqlite_connections_are_pooled_and_configured(
    tmp_path: Path, make: object, busy_s: int
) -> None:
    engine = make(sqlite_url(tmp_path / "x.db"))
    opened: list[object] = []
    sa.event.listen(engine.sync_engine, "connect", lambda *_: opened.append(1))
    for _ in range(3):  # three requests' transactions
        async with engine.begin() as connection:
            pragmas = [
                (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("foreign_keys", "journal_mode", "synchronous")
            ]
    await engine.dispose()
    assert pragmas == [1, "wal", 1]  # synchronous 1 = NORMAL
    assert len(opened) == 1, "one pooled connection, not one (and one thread) per transaction"
    assert await busy_timeout_ms(make(sqlite_url(tmp_path / "y.db"))) == busy_s * 1000


async def busy_timeout_ms(engine: AsyncEngine) -> int:
    """How long the engine's SQLite connections wait for a lock (disposes the engine)."""
    async with engine.connect() as connection:
        value = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    await engine.dispose()
    return value


async def test_a_timeout_in_the_url_wins(tmp_path: Path) -> None:
    assert await busy_timeout_ms(cx_engine(f"{sqlite_url(tmp_path / 'z.db')}?timeout=0.2")) == 200

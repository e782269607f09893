"""All-or-nothing alembic upgrades on SQLite, for the CX store and the reference backend.

The sqlite3 driver runs DDL outside any transaction and alembic, assuming SQLite cannot roll
DDL back, commits each revision on its own: a reader during an upgrade (the review app, the
broker's first batch) saw tables without their newest columns, and a failed upgrade left a
half-migrated schema behind. SQLite can roll DDL back once the driver leaves transactions to us.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


def _take_over_transactions(dbapi_connection: Any, _record: Any) -> None:
    # Batch mode rebuilds a table by copying it and dropping the original; with foreign keys on,
    # that drop would cascade-delete every row that references it. SQLite ignores this PRAGMA
    # inside a transaction, so it is set on connect (the migration engine is disposed after).
    dbapi_connection.cursor().execute("PRAGMA foreign_keys=OFF")
    dbapi_connection.isolation_level = None  # the driver no longer BEGINs or COMMITs itself


def _begin(connection: Connection) -> None:
    # IMMEDIATE: take the write lock now, so two processes migrating at once run one after the
    # other and the second finds the schema at head.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def prepare_migration_engine(engine: AsyncEngine) -> dict[str, Any]:
    """Set ``engine`` up for migrating; return the extra ``context.configure`` options."""
    if engine.dialect.name != "sqlite":
        return {}
    event.listen(engine.sync_engine, "connect", _take_over_transactions)
    event.listen(engine.sync_engine, "begin", _begin)
    # The whole upgrade then runs in one transaction instead of one per revision.
    return {"transactional_ddl": True}

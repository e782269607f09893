"""SQLAlchemy statements compiled once and run on a pooled DBAPI connection.

A tracker-store turn runs the same few statements every time: the conversation's highest event
id, the INSERT of the turn's events, and the events of its current session when it is not
cached. Through the ORM each execution builds a Session, a Connection with its event dispatch
and a statement cache key: 13 % of the Rasa process's busy samples at 50 customers
(profile-s6-big). Compiled once for the engine's dialect, the same SQL goes straight to the
driver's cursor, with the driver's own parameter style (qmark for sqlite3, pyformat for
psycopg2), so the rows are the ones SQLAlchemy would have written and read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ClauseElement


class CompiledStatement:
    """One statement in the dialect's SQL, with its parameters put in the driver's order."""

    def __init__(
        self,
        statement: ClauseElement,
        dialect: sa.engine.Dialect,
        column_keys: Sequence[str] | None = None,
    ) -> None:
        self._compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        self.sql = str(self._compiled)

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        bound = self._compiled.construct_params(dict(values))
        if self._compiled.positional:
            return tuple(bound[name] for name in self._compiled.positiontup)
        return bound

    def scalar(self, cursor: Any, **values: Any) -> Any:
        cursor.execute(self.sql, self.parameters(values))
        row = cursor.fetchone()
        return None if row is None else row[0]

    def rows(self, cursor: Any, **values: Any) -> list[tuple[Any, ...]]:
        cursor.execute(self.sql, self.parameters(values))
        return cursor.fetchall()

    def execute_many(self, cursor: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        cursor.executemany(self.sql, [self.parameters(row) for row in rows])


@contextmanager
def pooled_cursor(engine: sa.engine.Engine) -> Iterator[Any]:
    """A cursor on a connection from ``engine``'s pool; committed if the block succeeds, else
    rolled back, and the connection goes back to the pool either way."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()

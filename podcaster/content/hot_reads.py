"""One-row reads for the lean path, run on the pooled DBAPI connection without SQLAlchemy's execution layer.

Why not ``Connection.execute``: for a one-row primary-key read, SQLAlchemy's execution context, result
and row objects, events and the connection wrapper cost 150-250 µs a statement here (bench/lean.py),
more than the database takes to answer and more than the rest of a lean feed or media request. A
``HotRead`` keeps SQLAlchemy where it matters and only skips that layer: the statement is an ordinary
Core ``select`` compiled once by the engine's dialect (so SQLite and PostgreSQL each get their own SQL
and parameter style), the connection comes from the engine's pool (its checkout events, such as the
ping after idling in ``extensions``, still run), and values are converted by the column types' own
result processors (SQLite's text datetimes become ``datetime``s as they would through SQLAlchemy).
A driver error comes out as SQLAlchemy's ``DBAPIError`` subclass, its ``connection_invalidated`` set
when the dialect calls it a disconnect (the connection is then dropped from the pool), so callers
handle it exactly as an error from ``Connection.execute``. Listeners of the engine's
``before_cursor_execute`` event are called (with no connection or context object), so counting the
statements of a request still counts these.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Select
from sqlalchemy.exc import DBAPIError


class HotRead:
    """A Core ``select`` compiled once for ``engine``, run for its first row (raw and converted).

    Args:
        engine: the engine whose pool and dialect are used.
        statement: the select (bound parameters by name, e.g. ``bindparam("slug")``).
    """

    def __init__(self, engine: Engine, statement: Select) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self.engine = engine
        self.sql = str(compiled)
        # LIMIT and other values fixed in the statement; the named ones come with each call.
        self._defaults = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}
        self._order = compiled.positiontup if compiled.positional else None
        self.names = tuple(column.key for column in statement.selected_columns)
        self._processors = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                                 for column in statement.selected_columns)
        self._dbapi_error = dialect.loaded_dbapi.Error

    def raw(self, parameters: Mapping[str, Any]) -> tuple | None:
        """The first row as the driver returned it (compare rows cheaply), or None.

        Raises:
            sqlalchemy.exc.DBAPIError: the driver failed (``connection_invalidated`` after a disconnect).
        """
        values = {**self._defaults, **parameters}
        bound = tuple(values[name] for name in self._order) if self._order is not None else values
        try:
            connection = self.engine.raw_connection()
        except self._dbapi_error as error:
            # The pool hands a failed connect up as the driver's own error; wrapped as Connection.execute
            # would, so the lean path sees SQLAlchemy's OperationalError (a 503 from Flask, one warning).
            raise DBAPIError.instance(self.sql, bound, error, self._dbapi_error,
                                      dialect=self.engine.dialect) from error
        try:
            cursor = connection.cursor()
            try:
                events = self.engine.dispatch.before_cursor_execute
                if events:  # statement counters (tests/helpers/queries.py) see these reads too
                    events(None, cursor, self.sql, bound, None, False)  # no Connection, no context here
                cursor.execute(self.sql, bound)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except self._dbapi_error as error:
            gone = self.engine.dialect.is_disconnect(error, connection.dbapi_connection, None)
            if gone:
                # What ``Connection.execute`` does on a disconnect (SQLAlchemy has no public name for it):
                # every connection made before this one is replaced at its next checkout, not just this one.
                self.engine.pool._invalidate(connection, error)
            raise DBAPIError.instance(self.sql, bound, error, self._dbapi_error, connection_invalidated=gone,
                                      dialect=self.engine.dialect) from error
        finally:
            connection.close()  # back to the pool (which rolls the read's transaction back)
        return None if row is None else tuple(row)

    def convert(self, row: tuple) -> dict[str, Any]:
        """A raw row's values by column name, converted as SQLAlchemy would."""
        return {name: value if process is None else process(value)
                for name, value, process in zip(self.names, row, self._processors, strict=True)}

"""What every view shares: one table in the ledger's own database (SQLite or PostgreSQL), its
own tracking table, and a batch commit that writes the view's rows and moves its tracking
position in ONE transaction.

A view is a `TrackingRecorder` of the eventsourcing library (so `max_tracking_id` and `wait`
work as the library documents), built on the ledger's datastore: no second connection pool.
Moving the position is a compare-and-set — "from exactly N to M" — rather than the library's
"to anything higher": two processes that follow the same view (a projector, and a rebuild
started beside it) can then never both apply the same events; the loser gets `PositionMoved`
and starts again from where the view really is.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Protocol

from eventsourcing.persistence import IntegrityError, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

#: The application whose notification log every view follows (its tracking records say so).
LEDGER_NAME = "PlanLedger"

Row = dict[str, Any]


class PositionMoved(Exception):
    """The view is not at the position a batch was computed from (another process moved it)."""


class Cursor(Protocol):
    """What views need of a DB-API cursor; rows read by column name."""

    def execute(self, statement: Any, params: Any = ...) -> Any: ...

    def executemany(self, statement: Any, params: Any) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Any: ...


class SQLView(TrackingRecorder, ABC):
    """A view's table, queries and batch commit, written once for both stores.

    Statements use `%s` placeholders and `{table}` / `{tracking}` for the qualified names;
    `statement()` adapts them to the store.
    """

    view_name: ClassVar[str]
    #: The table's columns and their SQL types, the first one its primary key.
    columns: ClassVar[tuple[tuple[str, str], ...]]
    #: A row whose key is already there replaces it (False: a duplicate key is an error).
    upsert: ClassVar[bool]
    #: CREATE INDEX statements (with `{table}`).
    indexes: ClassVar[tuple[str, ...]] = ()

    @property
    def ddl(self) -> list[str]:
        key, _ = self.columns[0]
        columns = ", ".join(
            f"{name} {kind}{' PRIMARY KEY' if name == key else ''}" for name, kind in self.columns
        )
        return [f"CREATE TABLE IF NOT EXISTS {{table}} ({columns})", *self.indexes]

    def _insert(self, values: str) -> str:
        """INSERT (or upsert) of the view's columns from `values` (a VALUES or SELECT clause)."""
        names = [name for name, _ in self.columns]
        statement = f"INSERT INTO {{table}} ({', '.join(names)}) {values}"
        if self.upsert:
            updates = ", ".join(f"{n} = excluded.{n}" for n in names[1:])
            statement += f" ON CONFLICT ({names[0]}) DO UPDATE SET {updates}"
        return statement

    @abstractmethod
    def write_rows(self, cursor: Cursor, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert (or upsert) rows, each a tuple in `columns` order, in the cursor's transaction."""

    @property
    @abstractmethod
    def table(self) -> str:
        """The view table's name as SQL (schema-qualified on PostgreSQL)."""

    @property
    @abstractmethod
    def tracking(self) -> str:
        """The view's tracking table's name as SQL."""

    @abstractmethod
    def _placeholders(self, statement: str) -> str: ...

    @abstractmethod
    def transaction(self, *, commit: bool) -> Any:
        """A context manager yielding a cursor, in one transaction of the view's store."""

    def statement(self, template: str) -> str:
        return self._placeholders(template.format(table=self.table, tracking=self.tracking))

    # ---- position ------------------------------------------------------------------------

    def position(self) -> int:
        """The position in the ledger's log up to which this view has processed (0: none)."""
        return self.max_tracking_id(LEDGER_NAME) or 0

    def record(self, after: int, last: int, rows: Sequence[tuple[Any, ...]]) -> None:
        """Write the rows of the events after position `after` up to `last`, and move the
        view to `last`, in one transaction (`PositionMoved` if it is not at `after`)."""
        with self.batch(after, last) as cursor:
            self.write_rows(cursor, rows)

    @contextmanager
    def batch(self, after: int, last: int) -> Iterator[Cursor]:
        """A transaction that moves the view from position `after` to `last`; write its rows
        with the yielded cursor. Raises `PositionMoved` when the view is not at `after`."""
        try:
            with self.transaction(commit=True) as cursor:
                self._move_position(cursor, after, last)
                yield cursor
        except IntegrityError as error:  # a concurrent first insert of the tracking row
            raise PositionMoved(str(error)) from error

    def _move_position(self, cursor: Cursor, after: int, last: int) -> None:
        if after == 0:
            cursor.execute(
                self.statement(
                    "INSERT INTO {tracking} (application_name, notification_id) VALUES (%s, %s) "
                    "ON CONFLICT (application_name) DO NOTHING RETURNING notification_id"
                ),
                (LEDGER_NAME, last),
            )
        else:
            cursor.execute(
                self.statement(
                    "UPDATE {tracking} SET notification_id = %s "
                    "WHERE application_name = %s AND notification_id = %s RETURNING notification_id"
                ),
                (last, LEDGER_NAME, after),
            )
        if cursor.fetchone() is None:
            raise PositionMoved(f"{self.view_name} is no longer at position {after}")

    # ---- rebuilding ----------------------------------------------------------------------

    def reset(self) -> None:
        """Drop the view's table and forget its position, and create the table anew: one
        transaction, so a reader sees the old view or an empty one, never no table at all."""
        with self.transaction(commit=True) as cursor:
            cursor.execute(self.statement("DROP TABLE IF EXISTS {table}"))
            cursor.execute(
                self.statement("DELETE FROM {tracking} WHERE application_name = %s"), (LEDGER_NAME,)
            )
            for statement in self.ddl:
                cursor.execute(self.statement(statement))

    def select(self, template: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.transaction(commit=False) as cursor:
            cursor.execute(self.statement(template), tuple(params))
            return [dict(row) for row in cursor.fetchall()]


class SQLiteView(SQLView, SQLiteTrackingRecorder):
    """A view in the embedded SQLite file; the library's tracking statements are pointed at
    the view's own tracking table (the library names every SQLite tracking table `tracking`)."""

    def __init__(self, datastore: SQLiteDatastore) -> None:
        self._tracking_table = f"{self.view_name}_tracking"
        super().__init__(datastore)
        self.insert_tracking_statement = self._own_tracking(self.insert_tracking_statement)
        self.select_max_tracking_id_statement = self._own_tracking(
            self.select_max_tracking_id_statement
        )

    def _own_tracking(self, statement: str) -> str:
        return re.sub(r"\btracking\b", self._tracking_table, statement)

    def construct_create_table_statements(self) -> list[str]:
        tracking = [self._own_tracking(s) for s in super().construct_create_table_statements()]
        return tracking + [self.statement(s) for s in self.ddl]

    @property
    def table(self) -> str:
        return self.view_name

    @property
    def tracking(self) -> str:
        return self._tracking_table

    def _placeholders(self, statement: str) -> str:
        return statement.replace("%s", "?")

    def write_rows(self, cursor: Cursor, rows: Sequence[tuple[Any, ...]]) -> None:
        values = f"VALUES ({', '.join(['%s'] * len(self.columns))})"
        cursor.executemany(self.statement(self._insert(values)), rows)

    def transaction(self, *, commit: bool) -> Any:
        return self.datastore.transaction(commit=commit)


class PostgresView(SQLView, PostgresTrackingRecorder):
    """A view in the ledger's PostgreSQL database, with the library's `<view>_tracking` table."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        super().__init__(datastore, tracking_table_name=f"{self.view_name}_tracking")

    def create_table(self) -> None:
        """The library's tracking table, then the view's table and indexes."""
        super().create_table()
        with self.transaction(commit=True) as cursor:
            cursor.execute(_ONE_CREATOR_AT_A_TIME)
            for statement in self.ddl:
                cursor.execute(self.statement(statement))

    def _create_table(self, curs: Any) -> None:
        curs.execute(_ONE_CREATOR_AT_A_TIME)
        super()._create_table(curs)

    @property
    def table(self) -> str:
        return f"{_quoted(self.datastore.schema)}.{_quoted(self.view_name)}"

    @property
    def tracking(self) -> str:
        return f"{_quoted(self.datastore.schema)}.{_quoted(self.tracking_table_name)}"

    def _placeholders(self, statement: str) -> str:
        return statement

    def write_rows(self, cursor: Cursor, rows: Sequence[tuple[Any, ...]]) -> None:
        """One statement for all rows: each column sent as one array, unnested by the server."""
        if not rows:
            return
        arrays = ", ".join(f"%b::{kind.split()[0]}[]" for _, kind in self.columns)
        cursor.execute(
            self.statement(self._insert(f"SELECT * FROM unnest({arrays})")),
            [list(c) for c in zip(*rows, strict=True)],
        )

    def transaction(self, *, commit: bool) -> Any:
        return self.datastore.transaction(commit=commit)


#: Workers starting together on a fresh database would race to CREATE the same tables.
_ONE_CREATOR_AT_A_TIME = "SELECT pg_advisory_xact_lock(20260301)"


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def open_view(
    view_classes: tuple[type[SQLiteView], type[PostgresView]],
    datastore: SQLiteDatastore | PostgresDatastore,
) -> SQLView:
    """The view on the ledger's store (its table created if missing)."""
    sqlite_class, postgres_class = view_classes
    view: SQLiteView | PostgresView
    if isinstance(datastore, SQLiteDatastore):
        view = sqlite_class(datastore)
    else:
        view = postgres_class(datastore)
    view.create_table()
    return view

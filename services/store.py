"""The few questions the library's recorders do not answer, asked of the store directly."""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import IO
from uuid import UUID

import psycopg
from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory
from eventsourcing.postgres import BasePostgresFactory, PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier


def positions_of(
    recorder: ApplicationRecorder, plan_id: UUID, first_version: int, last_version: int
) -> dict[int, int]:
    """The global position (notification id) of each of a plan's events in a version range."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        statement = (
            f"SELECT originator_version AS version, rowid AS position "  # noqa: S608
            f"FROM {recorder.events_table_name} "
            "WHERE originator_id=? AND originator_version BETWEEN ? AND ?"
        )
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, (plan_id.hex, first_version, last_version))
            return {row["version"]: row["position"] for row in cursor.fetchall()}
    if isinstance(recorder, PostgresApplicationRecorder):
        query = SQL(
            "SELECT originator_version AS version, notification_id AS position FROM {}.{} "
            "WHERE originator_id=%s AND originator_version BETWEEN %s AND %s"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(query, (plan_id, first_version, last_version))
            return {row["version"]: row["position"] for row in cursor.fetchall()}
    raise TypeError(f"no position query for {type(recorder).__name__}")


def without_prepared_statements(factory: InfrastructureFactory) -> InfrastructureFactory:
    """Make the PostgreSQL pool's connections never use server-side prepared statements.

    After a write loses a race (a unique violation inside the library's insert pipeline),
    psycopg's cache of prepared statements can name one the server never kept, and a later
    write on that pooled connection fails with 'prepared statement "_pg3_N" does not exist' —
    a 500 for an innocent request. A threshold of None turns preparing off, even where the
    library asks for it. The pool is not open yet, so every connection gets the setting.
    """
    if isinstance(factory, BasePostgresFactory):
        kwargs = factory.datastore.pool.kwargs
        if isinstance(kwargs, dict):
            kwargs["prepare_threshold"] = None
    return factory


#: A PostgreSQL advisory lock key of our own: "oneplan" in ASCII.
STORE_SETUP_LOCK = int.from_bytes(b"oneplan", "big")


@contextmanager
def store_setup_lock(env: Mapping[str, str]) -> Iterator[None]:
    """One process at a time creates the store's types and tables (a file lock on SQLite).

    The API's workers, the projector and the relay start together. On a fresh database each
    creates the event store's types and tables, and PostgreSQL answers concurrent
    `CREATE TYPE` / `CREATE TABLE IF NOT EXISTS` of one name with a unique violation (the
    library expects DuplicateObject) in all but one: that process fails to start. A session
    advisory lock held while the tables are made lets the others wait, then find them made.
    """
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
        with _file_lock(env.get("SQLITE_DBNAME", "")):
            yield
        return
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        yield
        return
    with _connect(env) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (STORE_SETUP_LOCK,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (STORE_SETUP_LOCK,))


def _connect(env: Mapping[str, str]) -> psycopg.Connection[tuple[object, ...]]:
    """A connection of its own (not the pool's), for a session-level advisory lock."""
    return psycopg.connect(
        dbname=env.get("POSTGRES_DBNAME"),
        host=env.get("POSTGRES_HOST"),
        port=env.get("POSTGRES_PORT"),
        user=env.get("POSTGRES_USER"),
        password=env.get("POSTGRES_PASSWORD"),
        connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT") or 5),
        autocommit=True,
    )


class SoleHolder:
    """A lock one process at a time holds for as long as it plays a part (the relay): a
    session advisory lock on PostgreSQL, an `flock` on a file beside the SQLite database.

    Either is released by the operating system or the server when the holder dies, however
    it dies, so a standby can take over. On PostgreSQL the lock lives as long as its
    connection: `still_held()` asks the server, and a holder that lost it must stop.
    """

    def __init__(self, env: Mapping[str, str], name: str) -> None:
        self._env = env
        digest = hashlib.sha256(f"oneplan:{name}".encode()).digest()
        self._key = int.from_bytes(digest[:8], "big", signed=True)
        self._path = _lock_path(env, name)
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None
        self._file: IO[str] | None = None
        #: An in-memory SQLite database: one process only, nobody to share a lock with.
        self._alone = False

    @property
    def held(self) -> bool:
        return self._alone or self._connection is not None or self._file is not None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits."""
        if self.held:
            return True
        if self._env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
            connection = _connect(self._env)
            try:
                row = connection.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
            except psycopg.Error:
                connection.close()
                raise
            if row is not None and row[0]:
                self._connection = connection
            else:
                connection.close()
        elif self._path is not None:
            lock_file = open(self._path, "a")  # noqa: SIM115 - held open while the lock is
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock_file.close()
            else:
                self._file = lock_file
        else:
            self._alone = True
        return self.held

    def still_held(self) -> bool:
        """Whether the lock is still ours (PostgreSQL: whether its session is alive)."""
        if self._connection is not None:
            try:
                self._connection.execute("SELECT 1")
            except psycopg.Error:
                self.release()
        return self.held

    def release(self) -> None:
        self._alone = False
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(psycopg.Error):  # closing the session releases its lock
                connection.close()
        lock_file, self._file = self._file, None
        if lock_file is not None:
            lock_file.close()  # closing the file releases its flock


def _lock_path(env: Mapping[str, str], name: str) -> str | None:
    database = env.get("SQLITE_DBNAME", "")
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.sqlite" or not _on_disk(database):
        return None
    return f"{database}.{name}-lock"


def _on_disk(database: str) -> bool:
    """Whether an SQLite database name is a file other processes can open too."""
    return bool(database) and ":memory:" not in database and "mode=memory" not in database


@contextmanager
def _file_lock(database: str) -> Iterator[None]:
    """SQLite's twin of the advisory lock: the workers and the projector of `oneplan serve`
    start together on the same fresh file, and their view migrations collide."""
    if not _on_disk(database):
        yield
        return
    with open(f"{database}.setup-lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)

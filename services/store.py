"""The few questions the library's recorders do not answer, asked of the store directly."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
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

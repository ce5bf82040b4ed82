"""The plan timeline's SQL on each store: its table, the rows written with the events, and
the queries `TimelineQueries` asks (see `services.timeline`).

SQLite and PostgreSQL share one set of statements; only a few spellings differ. The rows are
written inside the library's own insert of the events: in `_insert_events`, the hook the
library's "searchable timestamps" example uses, so they commit or roll back together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from services.timeline import TimelineQueries, TimelineRow

# One set of statements; `:name` parameters, `{t}` the table, `{greatest}` and `{true}` the
# dialect's spellings. The running maxima come from the previous version's row.
_INSERT = """
INSERT INTO {t} (plan_id, version, recorded_us, recorded_through_us, occurred_us,
                 occurred_through_us, backdated, corrects_version, corrected_occurred_us)
SELECT :plan_id, :version, :recorded_us,
       {greatest}(:recorded_us, COALESCE(prev.recorded_through_us, :recorded_us)),
       :occurred_us,
       {greatest}(:occurred_us, COALESCE(prev.occurred_through_us, :occurred_us)),
       :occurred_us < COALESCE(prev.occurred_through_us, :occurred_us),
       CAST(:corrects_version AS BIGINT), CAST(:corrected_occurred_us AS BIGINT)
FROM (SELECT 1 AS one) AS one
LEFT JOIN {t} AS prev ON prev.plan_id = :plan_id AND prev.version = :version - 1
"""
_RUN = (
    "(SELECT version FROM {t} WHERE plan_id = :plan_id AND occurred_through_us <= :at "
    "ORDER BY occurred_through_us DESC, version DESC LIMIT 1)"
)
_QUERIES = {
    "version_at": "SELECT version FROM {t} WHERE plan_id = :plan_id AND recorded_through_us <= :at "
    "ORDER BY recorded_through_us DESC, version DESC LIMIT 1",
    # What valid_at needs, in one round trip: the run of versions that had all happened by
    # the time, every correction known by `upto`, and the back-dated entries after the run.
    "happened": f"SELECT 'run' AS kind, {_RUN} AS version, NULL AS corrects_version, "
    "NULL AS corrected_occurred_us, NULL AS target_occurred_us "
    "UNION ALL SELECT 'correction', c.version, c.corrects_version, c.corrected_occurred_us, "
    "target.occurred_us FROM {t} AS c JOIN {t} AS target "
    "ON target.plan_id = c.plan_id AND target.version = c.corrects_version "
    "WHERE c.plan_id = :plan_id AND c.corrects_version IS NOT NULL AND c.version <= :upto "
    "UNION ALL SELECT 'late', version, NULL, NULL, NULL FROM {t} WHERE plan_id = :plan_id "
    "AND backdated = {true} AND corrects_version IS NULL "
    f"AND version > COALESCE({_RUN}, 0) AND version <= :upto AND occurred_us <= :at",
    "events_in": "SELECT 1 AS part, originator_version, topic, state FROM {events} "
    "WHERE originator_id = :plan_id AND originator_version {in_versions} "
    "ORDER BY originator_version",
    "versions": "SELECT version FROM {t} WHERE plan_id = :plan_id ORDER BY version",
    "last_version": "SELECT MAX(version) AS version FROM {t} WHERE plan_id = :plan_id",
    "plan_ids": "SELECT plan_id FROM {t} UNION SELECT originator_id FROM {events} ORDER BY 1",
}
# What rebuilding the plan at a version needs, in one round trip: the nearest snapshot at or
# before the version, then the events after it up to the version.
_REBUILD = (
    "WITH v AS ({version}), snap AS (SELECT originator_version, topic, state FROM {{snapshots}} "
    "WHERE originator_id = :plan_id AND originator_version <= (SELECT version FROM v) "
    "ORDER BY originator_version DESC LIMIT 1) "
    "SELECT 0 AS part, originator_version, topic, state FROM snap UNION ALL "
    "SELECT 1 AS part, originator_version, topic, state FROM {{events}} "
    "WHERE originator_id = :plan_id AND originator_version <= (SELECT version FROM v) "
    "AND originator_version > COALESCE((SELECT originator_version FROM snap), 0) "
    "ORDER BY part, originator_version"
)
_QUERIES["at_version"] = _REBUILD.format(version="SELECT :version AS version")
# The same, at the version recorded by a time: `version_at`'s seek inside the same query.
_QUERIES["as_of"] = _REBUILD.format(version=_QUERIES["version_at"])


def _schema(t: str, plan_id_type: str, boolean: str, true: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {t} (plan_id {plan_id_type} NOT NULL, "
        "version BIGINT NOT NULL, recorded_us BIGINT NOT NULL, "
        "recorded_through_us BIGINT NOT NULL, occurred_us BIGINT NOT NULL, "
        f"occurred_through_us BIGINT NOT NULL, backdated {boolean} NOT NULL, "
        "corrects_version BIGINT, corrected_occurred_us BIGINT, "
        "PRIMARY KEY (plan_id, version))",
        f"CREATE INDEX IF NOT EXISTS {{name}}_recorded ON {t} "
        "(plan_id, recorded_through_us, version)",
        f"CREATE INDEX IF NOT EXISTS {{name}}_occurred ON {t} "
        "(plan_id, occurred_through_us, version)",
        f"CREATE INDEX IF NOT EXISTS {{name}}_backdated ON {t} (plan_id, version, occurred_us) "
        f"WHERE backdated = {true} AND corrects_version IS NULL",
        f"CREATE INDEX IF NOT EXISTS {{name}}_corrections ON {t} (plan_id, version) "
        "WHERE corrects_version IS NOT NULL",
    ]


class TimelineSQLiteRecorder(TimelineQueries, SQLiteApplicationRecorder):
    """SQLite's application recorder, writing the timeline rows with the events."""

    table = "plan_timeline"

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        self._sql = {
            k: v.format(
                t=self.table,
                events=events_table_name,
                snapshots="stored_snapshots",
                true="1",
                in_versions="IN (SELECT value FROM json_each(:versions))",
            )
            for k, v in _QUERIES.items()
        }
        self._insert = _INSERT.format(t=self.table, greatest="MAX")

    def construct_create_table_statements(self) -> list[str]:
        timeline = _schema(self.table, "TEXT", "INTEGER", "1")
        return super().construct_create_table_statements() + [
            s.replace("{name}", self.table) for s in timeline
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        for row in kwargs.get("timeline", ()):
            c.execute(self._insert, {**asdict(row), "plan_id": row.plan_id.hex})
        return ids

    def _rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        if "plan_id" in params:
            params["plan_id"] = params["plan_id"].hex
        if "versions" in params:
            params["versions"] = json.dumps(params["versions"])
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._sql[name], params)
            return [dict(row) for row in c.fetchall()]

    def record_timeline(self, rows: Sequence[TimelineRow]) -> None:
        """Backfill rows for events stored before the timeline existed (in version order)."""
        with self.datastore.transaction(commit=True) as c:
            for row in rows:
                c.execute(
                    self._insert.replace("INSERT INTO", "INSERT OR IGNORE INTO", 1),
                    {**asdict(row), "plan_id": row.plan_id.hex},
                )


class TimelinePostgresRecorder(TimelineQueries, PostgresApplicationRecorder):
    """PostgreSQL's application recorder, writing the timeline rows with the events."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        if datastore.enable_db_functions:
            # The library's insert function bypasses `_insert_events`: no timeline rows.
            raise ValueError("the plan timeline needs POSTGRES_ENABLE_DB_FUNCTIONS=n")
        super().__init__(datastore, events_table_name=events_table_name)
        name = events_table_name.removesuffix("_events") + "_timeline"
        self.check_identifier_length(name + "_corrections")
        table = f"{Identifier(datastore.schema).as_string()}.{Identifier(name).as_string()}"
        schema = Identifier(datastore.schema).as_string()
        events = f"{schema}.{Identifier(events_table_name).as_string()}"
        snapshots = (
            f"{schema}.{Identifier(name.removesuffix('_timeline') + '_snapshots').as_string()}"
        )

        def sql(text: str) -> SQL:
            return SQL(re.sub(r":(\w+)", r"%(\1)s", text))  # type: ignore[arg-type]

        self._sql = {
            k: sql(
                v.format(
                    t=table,
                    events=events,
                    snapshots=snapshots,
                    true="TRUE",
                    in_versions="= ANY(:versions)",
                )
            )
            for k, v in _QUERIES.items()
        }
        self._insert = sql(_INSERT.format(t=table, greatest="GREATEST"))
        for statement in _schema(table, "uuid", "BOOLEAN", "TRUE"):
            self.sql_create_statements.append(SQL(statement.replace("{name}", name)))  # type: ignore[arg-type]

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        for row in kwargs.get("timeline", ()):
            curs.execute(self._insert, asdict(row), prepare=True)
        super()._insert_events(curs, stored_events, **kwargs)

    def _rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._sql[name], params, prepare=True)
            return [dict(row) for row in curs.fetchall()]

    def record_timeline(self, rows: Sequence[TimelineRow]) -> None:
        """Backfill rows for events stored before the timeline existed (in version order)."""
        statement = self._insert + SQL(" ON CONFLICT DO NOTHING")
        with self.datastore.transaction(commit=True) as curs:
            for row in rows:
                curs.execute(statement, asdict(row))

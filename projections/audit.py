"""The audit view: every recorded event across plans, one row each, for `GET /v1/audit`.

Who changed what, when — in the world (`occurred_at`) and in the ledger (`recorded_at`) —
with a one-line summary. Rows are keyed and paged by the event's position in the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from projections.audit_summaries import summary_of
from projections.projection import Batch, Event, Prepared, ViewProjection
from projections.timekeys import microseconds
from projections.views import PostgresView, Row, SQLiteView, SQLView


class AuditView(SQLView):
    view_name = "audit"
    columns = (
        ("position", "bigint"), ("plan_id", "text"), ("event_type", "text"),
        ("version", "integer"), ("actor_id", "text"), ("actor_name", "text"),
        ("actor_role", "text"), ("occurred_at", "text"), ("recorded_at", "text"),
        ("recorded_us", "bigint"), ("summary", "text"),
    )  # fmt: skip
    upsert = False  # an event recorded twice would break the primary key, loudly
    indexes = (
        "CREATE INDEX IF NOT EXISTS audit_by_plan ON {table} (plan_id, position)",
        "CREATE INDEX IF NOT EXISTS audit_by_actor ON {table} (actor_id, position)",
    )

    def entries(self, query: AuditQuery) -> list[Row]:
        where, params = query.conditions()
        descending = query.order == "desc"
        if query.after is not None:
            where.append(f"position {'<' if descending else '>'} %s")
            params.append(query.after)
        sql = (
            "SELECT * FROM {table}"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY position {'DESC' if descending else 'ASC'} LIMIT %s"
        )
        return self.select(sql, [*params, query.limit])

    def count(self) -> int:
        return int(self.select("SELECT COUNT(*) AS n FROM {table}")[0]["n"])


@dataclass(frozen=True)
class AuditQuery:
    """Filters (None: any); `recorded_from` is inclusive, `recorded_to` exclusive; `order`
    `asc` (oldest first) or `desc`; the page starts after position `after`."""

    plan_id: str | None = None
    actor_id: str | None = None
    actor_role: str | None = None
    event_type: str | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    order: str = "asc"
    after: int | None = None
    limit: int = 50

    def conditions(self) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for column in ("plan_id", "actor_id", "actor_role", "event_type"):
            value = getattr(self, column)
            if value is not None:
                where.append(f"{column} = %s")
                params.append(value)
        if self.recorded_from is not None:
            where.append("recorded_us >= %s")
            params.append(microseconds(self.recorded_from))
        if self.recorded_to is not None:
            where.append("recorded_us < %s")
            params.append(microseconds(self.recorded_to))
        return where, params


class AuditProjection(ViewProjection[AuditView]):
    name = "audit"

    def prepare(self, batch: Batch) -> Prepared:
        return Prepared.of(
            batch, [audit_row(p, e) for p, e in zip(batch.positions, batch.events, strict=True)]
        )


def audit_row(position: int, event: Event) -> tuple[Any, ...]:
    """The event's row, in `AuditView.columns` order."""
    return (
        position, str(event.originator_id), type(event).__name__, event.originator_version,
        event.actor.id, event.actor.name, event.actor.role,
        event.occurred_at.isoformat(), event.timestamp.isoformat(), microseconds(event.timestamp),
        summary_of(event),
    )  # fmt: skip


class SQLiteAuditView(AuditView, SQLiteView):
    pass


class PostgresAuditView(AuditView, PostgresView):
    pass


VIEW_CLASSES = (SQLiteAuditView, PostgresAuditView)

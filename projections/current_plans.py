"""The current-plans view: one row per plan, as it stands now, for `GET /v1/plans`.

A plan is *overdue* when it is open, its review date has passed, and no review has been
held on or after that date. Plans without a review date sort as if it were the farthest
future. Sorting and paging go by integer keys (day numbers, microseconds) and the plan id,
so both stores order rows the same way whatever their collation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.plan import OnePlan
from projections.plan_states import PlanStates
from projections.projection import Batch, Prepared, ViewProjection
from projections.timekeys import day_number, microseconds
from projections.views import PostgresView, Row, SQLiteView, SQLView

NO_REVIEW_DATE = 10**8  # a day number beyond any real date: sorts last, ascending
SORT_COLUMNS = {"updated_at": "updated_us", "review_date": "review_sort"}


class CurrentPlansView(SQLView):
    view_name = "current_plans"
    columns = (
        ("plan_id", "text"), ("child_name", "text"), ("child_ref", "text"),
        ("setting_ref", "text"), ("setting_name", "text"), ("setting_phase", "text"),
        ("stage", "text"), ("cycle", "integer"), ("status", "text"), ("review_date", "text"),
        ("review_day", "integer"), ("review_sort", "integer"), ("last_review_day", "integer"),
        ("updated_at", "text"), ("updated_us", "bigint"), ("version", "integer"),
    )  # fmt: skip
    upsert = True
    indexes = (
        "CREATE INDEX IF NOT EXISTS current_plans_by_setting ON {table} (setting_ref, updated_us)",
        "CREATE INDEX IF NOT EXISTS current_plans_by_update ON {table} (updated_us, plan_id)",
        "CREATE INDEX IF NOT EXISTS current_plans_by_review ON {table} (review_sort, plan_id)",
    )

    def plans(self, query: PlanQuery) -> list[Row]:
        """One page of plans matching the query, in its order (the sort key as `sort_key`)."""
        column = SORT_COLUMNS[query.sort.lstrip("-")]
        descending = query.sort.startswith("-")
        where, params = query.conditions()
        if query.after is not None:
            where.append(f"({column}, plan_id) {'<' if descending else '>'} (%s, %s)")
            params.extend(query.after)
        direction = "DESC" if descending else "ASC"
        sql = (
            f"SELECT *, {column} AS sort_key FROM {{table}}"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY {column} {direction}, plan_id {direction} LIMIT %s"
        )
        return self.select(sql, [*params, query.limit])


@dataclass(frozen=True)
class PlanQuery:
    """Filters (None: any), a sort (`updated_at`, `review_date`, `-` for descending), where
    the page starts (after this sort key and plan id) and its length."""

    today: date
    setting_ref: str | None = None
    stage: str | None = None
    status: str | None = None
    cycle: int | None = None
    review_due_before: date | None = None
    overdue: bool | None = None
    sort: str = "-updated_at"
    after: tuple[int, str] | None = None
    limit: int = 50

    def conditions(self) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for column in ("setting_ref", "stage", "status", "cycle"):
            value = getattr(self, column)
            if value is not None:
                where.append(f"{column} = %s")
                params.append(value)
        if self.review_due_before is not None:
            where.append("review_day < %s")
            params.append(day_number(self.review_due_before))
        if self.overdue is not None:
            # Never NULL, so that NOT keeps every plan that is not overdue.
            overdue = (
                "(status = 'open' AND review_day IS NOT NULL AND review_day < %s "
                "AND (last_review_day IS NULL OR last_review_day < review_day))"
            )
            where.append(overdue if self.overdue else f"NOT {overdue}")
            params.append(day_number(self.today))
        return where, params


class CurrentPlansProjection(ViewProjection[CurrentPlansView]):
    name = "current_plans"

    def __init__(self, view: CurrentPlansView, states: PlanStates) -> None:
        super().__init__(view)
        self.states = states

    def prepare(self, batch: Batch) -> Prepared:
        return Prepared.of(batch, [plan_row(p) for p in self.states.after(batch.events).values()])


def plan_row(plan: OnePlan) -> tuple[Any, ...]:
    """The plan's row, in `CurrentPlansView.columns` order."""
    review_day = day_number(plan.review_date) if plan.review_date else None
    held = [r.held_on for r in plan.reviews]
    return (
        str(plan.id), plan.child.name, plan.child.ref, plan.setting.ref, plan.setting.name,
        plan.setting.phase, plan.stage, plan.cycle, plan.status,
        plan.review_date.isoformat() if plan.review_date else None, review_day,
        NO_REVIEW_DATE if review_day is None else review_day,
        day_number(max(held)) if held else None,
        plan.modified_on.isoformat(), microseconds(plan.modified_on), plan.version,
    )  # fmt: skip


class SQLiteCurrentPlansView(CurrentPlansView, SQLiteView):
    pass


class PostgresCurrentPlansView(CurrentPlansView, PostgresView):
    pass


VIEW_CLASSES = (SQLiteCurrentPlansView, PostgresCurrentPlansView)

"""The caseload view: what a setting's SENCO needs to see at a glance, for `GET /v1/caseload`.

One row per plan holds what the answer is computed from on the day it is asked: stage,
status, review dates, whether the agreement is current, and the days of the reviews a parent
or carer attended. Counts by stage and the lists are of open plans; closed plans count only
in `by_status`. The Code of Practice expects three reviews a year with parents (6.65).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from domain.plan import OnePlan
from domain.values import PlanStatus, Stage
from projections.plan_states import PlanStates
from projections.projection import Batch, Prepared, ViewProjection
from projections.timekeys import day_number
from projections.views import PostgresView, Row, SQLiteView, SQLView

DUE_SOON_DAYS = 14
PARENT_MEETINGS_EXPECTED = 3


class CaseloadView(SQLView):
    view_name = "caseload"
    columns = (
        ("plan_id", "text"), ("setting_ref", "text"), ("stage", "text"), ("status", "text"),
        ("review_day", "integer"), ("last_review_day", "integer"),
        ("agreement_current", "integer"), ("parent_review_days", "text"),
    )  # fmt: skip
    upsert = True
    indexes = ("CREATE INDEX IF NOT EXISTS caseload_by_setting ON {table} (setting_ref)",)

    def plans_of(self, setting_ref: str) -> list[Row]:
        return self.select("SELECT * FROM {table} WHERE setting_ref = %s", [setting_ref])


class CaseloadProjection(ViewProjection[CaseloadView]):
    name = "caseload"

    def __init__(self, view: CaseloadView, states: PlanStates) -> None:
        super().__init__(view)
        self.states = states

    def prepare(self, batch: Batch) -> Prepared:
        return Prepared.of(
            batch, [caseload_row(p) for p in self.states.after(batch.events).values()]
        )


def caseload_row(plan: OnePlan) -> tuple[Any, ...]:
    """The plan's row, in `CaseloadView.columns` order."""
    held = [r.held_on for r in plan.reviews]
    return (
        str(plan.id), plan.setting.ref, plan.stage, plan.status,
        day_number(plan.review_date) if plan.review_date else None,
        day_number(max(held)) if held else None,
        int(plan.agreement_is_current()),
        json.dumps(sorted(day_number(r.held_on) for r in _parent_attended(plan))),
    )  # fmt: skip


def _parent_attended(plan: OnePlan) -> list[Any]:
    """The reviews a parent or carer (or anyone with parental responsibility) attended."""
    parents = {p.id for p in plan.participants.values() if p.speaks_for_the_child_as_parent}
    return [r for r in plan.reviews if parents.intersection(r.attendees)]


def school_year(today: date) -> tuple[date, date]:
    """The school year `today` falls in: 1 September to 31 August."""
    start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    return start, date(start.year + 1, 8, 31)


def caseload_of(rows: Sequence[Row], today: date) -> dict[str, Any]:
    """The setting's caseload on `today`, from its plans' rows."""
    open_rows = sorted(
        (r for r in rows if r["status"] == PlanStatus.OPEN), key=lambda r: r["plan_id"]
    )
    now, soon = day_number(today), day_number(today + timedelta(days=DUE_SOON_DAYS))
    by_review = sorted(
        (r for r in open_rows if r["review_day"] is not None), key=lambda r: r["review_day"]
    )
    first, last = (day_number(d) for d in school_year(today))
    return {
        "by_stage": {s.value: sum(r["stage"] == s for r in open_rows) for s in Stage},
        "by_status": {s.value: sum(r["status"] == s for r in rows) for s in PlanStatus},
        "reviews_overdue": [r["plan_id"] for r in by_review if _overdue(r, now)],
        "reviews_due_soon": [r["plan_id"] for r in by_review if now <= r["review_day"] <= soon],
        "awaiting_agreement": [
            r["plan_id"]
            for r in open_rows
            if r["stage"] == Stage.PLAN and not r["agreement_current"]
        ],
        "parent_meetings": [
            {
                "plan_id": r["plan_id"],
                "this_school_year": sum(
                    first <= d <= last for d in json.loads(r["parent_review_days"])
                ),
                "expected": PARENT_MEETINGS_EXPECTED,
            }
            for r in open_rows
        ],
    }


def _overdue(row: Row, today: int) -> bool:
    held = row["last_review_day"]
    return bool(row["review_day"] < today and (held is None or held < row["review_day"]))


class SQLiteCaseloadView(CaseloadView, SQLiteView):
    pass


class PostgresCaseloadView(CaseloadView, PostgresView):
    pass


VIEW_CLASSES = (SQLiteCaseloadView, PostgresCaseloadView)

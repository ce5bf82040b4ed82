"""The three views and their projections, opened on the ledger's datastore."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore

from projections import audit, caseload, current_plans
from projections.plan_states import PlanStates
from projections.projection import ViewProjection
from projections.views import SQLView, open_view

VIEW_NAMES = ("current_plans", "audit", "caseload")


@dataclass(frozen=True)
class Views:
    """Every view, sharing the ledger's datastore (its connection pool)."""

    current_plans: current_plans.CurrentPlansView
    audit: audit.AuditView
    caseload: caseload.CaseloadView

    def named(self, names: Iterable[str] = VIEW_NAMES) -> dict[str, SQLView]:
        return {name: getattr(self, name) for name in names}


def open_views(datastore: SQLiteDatastore | PostgresDatastore) -> Views:
    """Open (and create, when missing) every view's table in the ledger's database."""
    opened: dict[str, Any] = {
        "current_plans": open_view(current_plans.VIEW_CLASSES, datastore),
        "audit": open_view(audit.VIEW_CLASSES, datastore),
        "caseload": open_view(caseload.VIEW_CLASSES, datastore),
    }
    return Views(**opened)


def projections_of(
    views: Views, names: Iterable[str], states: PlanStates
) -> list[ViewProjection[Any]]:
    """The projections that keep the named views, the state-based ones sharing `states`."""
    made: dict[str, ViewProjection[Any]] = {
        "current_plans": current_plans.CurrentPlansProjection(views.current_plans, states),
        "audit": audit.AuditProjection(views.audit),
        "caseload": caseload.CaseloadProjection(views.caseload, states),
    }
    return [made[name] for name in names]

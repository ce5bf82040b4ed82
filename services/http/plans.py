"""Plans: open one, read one (now, as recorded at a time, or as it was in the world on a date)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from flask_smorest import Blueprint

from contracts import OpenPlanSchema, PlanReadQuerySchema, PlanSchema
from services.http.auth import current_identity
from services.http.moments import ADJUSTED_HEADER, moment, notes
from services.http.replies import Reply, actor, ledger, plan_reply, written_reply

blp = Blueprint("plans", __name__, url_prefix="/v1/plans", description="One Plans")


@blp.route("")
class Plans(MethodView):
    @blp.arguments(OpenPlanSchema)
    @blp.response(201, PlanSchema)
    def post(self, body: dict[str, Any]) -> Reply:
        """Open a plan for a child in a setting (stage assess, cycle 1)"""
        return written_reply(ledger().open_plan(actor=actor(), **body), collection="")


@blp.route("/<uuid:plan_id>")
class Plan(MethodView):
    @blp.arguments(PlanReadQuerySchema, location="query", unknown=None)
    @blp.response(200, PlanSchema)
    def get(self, query: dict[str, Any], plan_id: UUID) -> Reply:
        """The plan now; as_of=T as recorded at T; valid_at=D as it was in the world on D

        valid_at goes by occurred_at, as known now (or as known at T with as_of=T too). A time
        in the future is taken as now, and the X-Time-Adjusted header says so. X-Valid-At-Skipped
        lists entries left out of a valid_at read because they could not stand without an
        entry that happened later.
        """
        current_identity()
        as_of = moment("as_of", query.get("as_of"))
        valid_at = moment("valid_at", query.get("valid_at"))
        adjusted = notes(as_of, valid_at)
        headers = {ADJUSTED_HEADER: "; ".join(adjusted)} if adjusted else {}
        if "valid_at" in query:
            known_at = as_of.at if "as_of" in query else None
            view = ledger().plan_valid_at(plan_id, valid_at.at, known_at)
            if view.skipped:
                headers["X-Valid-At-Skipped"] = ",".join(map(str, view.skipped))
            return plan_reply(view.plan, **headers)
        if "as_of" in query:
            return plan_reply(ledger().plan_as_of(plan_id, as_of.at), **headers)
        return plan_reply(ledger().get_plan(plan_id))

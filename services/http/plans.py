"""Plans: open one, read one (now or as recorded at a time)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from flask_smorest import Blueprint

from contracts import OpenPlanSchema, PlanReadQuerySchema, PlanSchema
from services.http.auth import current_identity
from services.http.errors import abort
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
        """The plan now, or with as_of=T exactly as the ledger had recorded it at T"""
        current_identity()
        if "valid_at" in query:
            abort(422, "valid_at is not served yet", errors={"valid_at": ["Not served yet."]})
        if "as_of" in query:
            return plan_reply(ledger().plan_as_of(plan_id, query["as_of"]))
        return plan_reply(ledger().get_plan(plan_id))

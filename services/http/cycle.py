"""The graduated approach's cycle: review date, agreement, stages, reviews, closing, reopening."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from flask_smorest import Blueprint

from contracts import (
    AgreePlanSchema,
    ClosePlanSchema,
    PlanSchema,
    RecordReviewSchema,
    ReopenPlanSchema,
    ScheduleReviewSchema,
    TransitionStageSchema,
)
from services.http.replies import Reply, change, ledger, written_reply

blp = Blueprint("cycle", __name__, url_prefix="/v1/plans/<uuid:plan_id>", description="The cycle")


@blp.route("/review-date")
class ReviewDate(MethodView):
    @blp.arguments(ScheduleReviewSchema)
    @blp.response(200, PlanSchema)
    def put(self, body: dict[str, Any], plan_id: UUID) -> Reply:
        """Set the clear date for review"""
        return written_reply(change(ledger().schedule_review, plan_id, **body))


@blp.route("/agreement")
class Agreement(MethodView):
    @blp.arguments(AgreePlanSchema)
    @blp.response(200, PlanSchema)
    def post(self, body: dict[str, Any], plan_id: UUID) -> Reply:
        """Record that the plan as it stands was agreed, by whom (a parent or carer) and how"""
        return written_reply(change(ledger().agree_plan, plan_id, **body))


@blp.route("/stage")
class Stage(MethodView):
    @blp.arguments(TransitionStageSchema)
    @blp.response(200, PlanSchema)
    def post(self, body: dict[str, Any], plan_id: UUID) -> Reply:
        """Move on to the next stage: assess → plan → do → review → assess (next cycle)"""
        return written_reply(change(ledger().move_to, plan_id, **body))


@blp.route("/reviews")
class Reviews(MethodView):
    @blp.arguments(RecordReviewSchema)
    @blp.response(201, PlanSchema)
    def post(self, body: dict[str, Any], plan_id: UUID) -> Reply:
        """Record a review: attendees, progress on every open outcome, impact, decision"""
        return written_reply(change(ledger().record_review, plan_id, **body), "reviews")


@blp.route("/closure")
class Closure(MethodView):
    @blp.arguments(ClosePlanSchema)
    @blp.response(200, PlanSchema)
    def post(self, body: dict[str, Any], plan_id: UUID) -> Reply:
        """Close the plan with a reason"""
        return written_reply(change(ledger().close_plan, plan_id, **body))


@blp.route("/reopening")
class Reopening(MethodView):
    @blp.arguments(ReopenPlanSchema)
    @blp.response(200, PlanSchema)
    def post(self, body: dict[str, Any], plan_id: UUID) -> Reply:
        """Reopen a closed plan, saying why"""
        return written_reply(change(ledger().reopen_plan, plan_id, **body))

"""The parts of a plan: participants, profile, needs, views, outcomes and provisions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from flask_smorest import Blueprint

from contracts import (
    AddParticipantSchema,
    AgreeOutcomeSchema,
    AgreeProvisionSchema,
    IdentifyNeedSchema,
    PlanSchema,
    RecordViewSchema,
    ReviseNeedSchema,
    ReviseOutcomeSchema,
    ReviseProvisionSchema,
    UpdateProfileSchema,
    WriteSchema,
)
from services.http.replies import Reply, change, ledger, written_reply

blp = Blueprint(
    "entries", __name__, url_prefix="/v1/plans/<uuid:plan_id>", description="Plan entries"
)


@blp.route("/participants")
class Participants(MethodView):
    @blp.arguments(AddParticipantSchema)
    @blp.response(201, PlanSchema)
    def post(self, body: dict[str, Any], plan_id: UUID) -> Reply:
        """Add someone involved: the child, a parent or carer, a professional"""
        return written_reply(change(ledger().add_participant, plan_id, **body), "participants")


@blp.route("/participants/<uuid:participant_id>")
class Participant(MethodView):
    @blp.arguments(WriteSchema, required=False)
    @blp.response(200, PlanSchema)
    def delete(self, body: dict[str, Any], plan_id: UUID, participant_id: UUID) -> Reply:
        """Record that someone is no longer involved (they stay in the history)"""
        written = change(ledger().remove_participant, plan_id, participant_id, **body)
        return written_reply(written)


@blp.route("/profile")
class Profile(MethodView):
    @blp.arguments(UpdateProfileSchema)
    @blp.response(200, PlanSchema)
    def patch(self, body: dict[str, Any], plan_id: UUID) -> Reply:
        """Update the person-centred profile: aspirations, what matters, strengths…"""
        occurred_at = body.pop("occurred_at", None)
        written = change(ledger().update_profile, plan_id, changes=body, occurred_at=occurred_at)
        return written_reply(written)


@blp.route("/needs")
class Needs(MethodView):
    @blp.arguments(IdentifyNeedSchema)
    @blp.response(201, PlanSchema)
    def post(self, body: dict[str, Any], plan_id: UUID) -> Reply:
        """Identify an area of need"""
        return written_reply(change(ledger().identify_need, plan_id, **body), "needs")


@blp.route("/needs/<uuid:need_id>")
class Need(MethodView):
    @blp.arguments(ReviseNeedSchema)
    @blp.response(200, PlanSchema)
    def patch(self, body: dict[str, Any], plan_id: UUID, need_id: UUID) -> Reply:
        """Revise a need's description, or record it resolved"""
        resolve = body.pop("status", None) == "resolved"
        written = change(ledger().revise_need, plan_id, need_id, resolve=resolve, **body)
        return written_reply(written)


@blp.route("/views")
class Views(MethodView):
    @blp.arguments(RecordViewSchema)
    @blp.response(201, PlanSchema)
    def post(self, body: dict[str, Any], plan_id: UUID) -> Reply:
        """Record the child's or a parent's view, and how it was gathered"""
        return written_reply(change(ledger().record_view, plan_id, **body), "views")


@blp.route("/outcomes")
class Outcomes(MethodView):
    @blp.arguments(AgreeOutcomeSchema)
    @blp.response(201, PlanSchema)
    def post(self, body: dict[str, Any], plan_id: UUID) -> Reply:
        """Agree a SMART outcome with its success criteria and target date"""
        return written_reply(change(ledger().agree_outcome, plan_id, **body), "outcomes")


@blp.route("/outcomes/<uuid:outcome_id>")
class Outcome(MethodView):
    @blp.arguments(ReviseOutcomeSchema)
    @blp.response(200, PlanSchema)
    def patch(self, body: dict[str, Any], plan_id: UUID, outcome_id: UUID) -> Reply:
        """Amend an outcome from now on, or record it achieved or discontinued"""
        occurred_at = body.pop("occurred_at", None)
        written = change(
            ledger().revise_outcome, plan_id, outcome_id, changes=body, occurred_at=occurred_at
        )
        return written_reply(written)


@blp.route("/provisions")
class Provisions(MethodView):
    @blp.arguments(AgreeProvisionSchema)
    @blp.response(201, PlanSchema)
    def post(self, body: dict[str, Any], plan_id: UUID) -> Reply:
        """Agree an adjustment, support or intervention linked to outcomes"""
        return written_reply(change(ledger().agree_provision, plan_id, **body), "provisions")


@blp.route("/provisions/<uuid:provision_id>")
class Provision(MethodView):
    @blp.arguments(ReviseProvisionSchema)
    @blp.response(200, PlanSchema)
    def patch(self, body: dict[str, Any], plan_id: UUID, provision_id: UUID) -> Reply:
        """Amend a provision from now on, or end it"""
        occurred_at = body.pop("occurred_at", None)
        end = body.pop("status", None) == "ended"
        written = change(
            ledger().revise_provision,
            plan_id,
            provision_id,
            changes=body,
            end=end,
            occurred_at=occurred_at,
        )
        return written_reply(written)

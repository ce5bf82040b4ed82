"""Corrections: what an earlier entry should have said, and why. The original stays."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError

import contracts as c
from domain.errors import InvalidEntry
from services.http.replies import Reply, change, ledger, written_reply

blp = Blueprint(
    "corrections", __name__, url_prefix="/v1/plans/<uuid:plan_id>", description="Corrections"
)

#: The body schema of the call that made each kind of entry: it parses a correction's values.
_SCHEMA_OF_ENTRY: dict[str, type[Schema]] = {
    "PlanOpened": c.OpenPlanSchema,
    "ParticipantAdded": c.AddParticipantSchema,
    "ProfileUpdated": c.UpdateProfileSchema,
    "NeedIdentified": c.IdentifyNeedSchema,
    "NeedRevised": c.IdentifyNeedSchema,
    "ViewRecorded": c.RecordViewSchema,
    "OutcomeAgreed": c.AgreeOutcomeSchema,
    "OutcomeRevised": c.ReviseOutcomeSchema,
    "ProvisionAgreed": c.AgreeProvisionSchema,
    "ProvisionRevised": c.ReviseProvisionSchema,
    "ProvisionEnded": c.ReviseProvisionSchema,
    "ReviewScheduled": c.ScheduleReviewSchema,
    "PlanAgreed": c.AgreePlanSchema,
    "StageTransitioned": c.TransitionStageSchema,
    "ReviewRecorded": c.RecordReviewSchema,
    "PlanClosed": c.ClosePlanSchema,
    "PlanReopened": c.ReopenPlanSchema,
}


def parse_changes(event_type: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The correction's values, typed and checked as the original call would have checked them."""
    schema_class = _SCHEMA_OF_ENTRY.get(event_type, c.WriteSchema)
    when = {k: v for k, v in changes.items() if k == "occurred_at"}
    rest = {k: v for k, v in changes.items() if k != "occurred_at"}
    try:
        parsed = c.WriteSchema().load(when)
        if rest:
            # Validators that need the whole body (e.g. "at least one field") do not apply here.
            parsed |= schema_class(partial=True).load(rest, partial=True)
    except ValidationError as error:
        raise InvalidEntry("changes", _first_message(error.messages)) from None
    return parsed


def _first_message(messages: Any, path: str = "") -> str:
    if isinstance(messages, dict):
        name, inner = next(iter(messages.items()))
        return _first_message(inner, f"{path}.{name}" if path else str(name))
    if isinstance(messages, list) and messages:
        return _first_message(messages[0], path)
    return f"{path}: {messages}" if path else str(messages)


@blp.route("/corrections")
class Corrections(MethodView):
    @blp.arguments(c.CorrectEntrySchema)
    @blp.response(201, c.PlanSchema)
    def post(self, body: dict[str, Any], plan_id: UUID) -> Reply:
        """Correct an earlier entry: which version, what it should have said, why"""
        entry = ledger().entry(plan_id, body["event_version"])
        changes = parse_changes(type(entry).__name__, body["changes"])
        written = change(
            ledger().correct_entry,
            plan_id,
            body["event_version"],
            changes=changes,
            reason=body["reason"],
            occurred_at=body.get("occurred_at"),
        )
        return written_reply(written, "corrections")

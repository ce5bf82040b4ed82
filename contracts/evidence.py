"""Time travel and tribunal evidence: the diff between two moments, the evidence bundle and
the hash-chain verification of a plan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from contracts.common import ActorSchema, StrictSchema, one_of
from contracts.plan_response import PlanSchema, StageChangeSchema

AXES = ("recorded", "valid")
PROBLEMS = ("changed", "missing", "inserted")


class DiffQuerySchema(StrictSchema):
    from_ = fields.AwareDateTime(
        data_key="from",
        required=True,
        metadata={"description": "The earlier moment (ISO 8601 with an offset)."},
    )
    to = fields.AwareDateTime(
        metadata={"description": "The later moment; now when left out. A future time is now."}
    )
    axis = one_of(
        AXES,
        load_default="recorded",
        metadata={
            "description": "recorded: as the ledger had recorded it (as_of); "
            "valid: as it was in the world, by occurred_at, as known now (valid_at)."
        },
    )

    @validates_schema
    def _from_not_after_to(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if "to" in data and data["from_"] > data["to"]:
            raise ValidationError("Must not be after 'to'.", field_name="from")


class EvidenceQuerySchema(StrictSchema):
    as_of = fields.AwareDateTime(
        metadata={
            "description": "The plan as the ledger had recorded it at this time; now "
            "when left out. A future time is now."
        }
    )


class MomentSchema(StrictSchema):
    """A moment asked about: as requested, as answered (a future time is answered as now),
    and the plan version it names (null: the plan did not exist yet)."""

    requested = fields.AwareDateTime(allow_none=True)
    at = fields.AwareDateTime()
    version = fields.Integer(allow_none=True)


class EventRefSchema(StrictSchema):
    version = fields.Integer()
    event_type = fields.String()
    actor = fields.Nested(ActorSchema)
    occurred_at = fields.AwareDateTime()
    recorded_at = fields.AwareDateTime()


class FieldChangeSchema(StrictSchema):
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class ChangeSchema(StrictSchema):
    id = fields.String(
        allow_none=True,
        metadata={
            "description": "The entry's id; null for the profile, review date, agreement and stage."
        },
    )
    change = one_of(("added", "removed", "changed"))
    fields_ = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(FieldChangeSchema),
        data_key="fields",
        attribute="fields",
    )
    events = fields.List(
        fields.Nested(EventRefSchema),
        metadata={"description": "The events between the two moments that made this change."},
    )


class DiffSectionsSchema(StrictSchema):
    participants = fields.List(fields.Nested(ChangeSchema))
    profile = fields.List(fields.Nested(ChangeSchema))
    needs = fields.List(fields.Nested(ChangeSchema))
    views = fields.List(fields.Nested(ChangeSchema))
    outcomes = fields.List(fields.Nested(ChangeSchema))
    provisions = fields.List(fields.Nested(ChangeSchema))
    reviews = fields.List(fields.Nested(ChangeSchema))
    review_date = fields.List(fields.Nested(ChangeSchema))
    agreement = fields.List(fields.Nested(ChangeSchema))
    stage = fields.List(fields.Nested(ChangeSchema))


class DiffSchema(StrictSchema):
    plan_id = fields.UUID()
    axis = one_of(AXES)
    from_ = fields.Nested(MomentSchema, data_key="from", attribute="from")
    to = fields.Nested(MomentSchema)
    notes = fields.List(
        fields.String(), metadata={"description": "e.g. a future time taken as now."}
    )
    sections = fields.Nested(DiffSectionsSchema)


class VerificationSchema(StrictSchema):
    ok = fields.Boolean()
    checked = fields.Integer(metadata={"description": "Events verified before any break."})
    broken_at_version = fields.Integer(allow_none=True)
    problem = one_of(PROBLEMS, allow_none=True)
    chain_head = fields.String(
        allow_none=True, metadata={"description": "The hash of the last event verified."}
    )


class EvidenceEventSchema(StrictSchema):
    version = fields.Integer()
    position = fields.Integer()
    event_type = fields.String()
    actor = fields.Nested(ActorSchema)
    occurred_at = fields.AwareDateTime()
    recorded_at = fields.AwareDateTime()
    prev_hash = fields.String()
    hash = fields.String()
    payload = fields.Dict(keys=fields.String())


class EvidenceProgressSchema(StrictSchema):
    outcome_id = fields.UUID()
    outcome = fields.String(allow_none=True, metadata={"description": "The outcome's description."})
    rating = fields.String()
    comment = fields.String(allow_none=True)


class EvidenceReviewSchema(StrictSchema):
    id = fields.UUID()
    held_on = fields.Date()
    decision = fields.String()
    impact = fields.String()
    child_view = fields.String(allow_none=True)
    parent_view = fields.String(allow_none=True)
    next_review_date = fields.Date(allow_none=True)
    attendees = fields.List(fields.String(), metadata={"description": "Names and roles."})
    progress = fields.List(fields.Nested(EvidenceProgressSchema))


class EvidenceCycleSchema(StrictSchema):
    cycle = fields.Integer()
    stage_changes = fields.List(fields.Nested(StageChangeSchema))
    reviews = fields.List(fields.Nested(EvidenceReviewSchema))


class EvidenceCorrectionSchema(StrictSchema):
    version = fields.Integer()
    corrected_version = fields.Integer()
    corrected_event_type = fields.String()
    changes = fields.Dict(keys=fields.String())
    reason = fields.String()
    at = fields.AwareDateTime()
    by = fields.Nested(ActorSchema)


class EvidenceSchema(StrictSchema):
    plan_id = fields.UUID()
    as_of = fields.Nested(MomentSchema)
    generated_at = fields.AwareDateTime()
    plan = fields.Nested(PlanSchema)
    events = fields.List(fields.Nested(EvidenceEventSchema))
    cycles = fields.List(fields.Nested(EvidenceCycleSchema))
    corrections = fields.List(fields.Nested(EvidenceCorrectionSchema))
    verification = fields.Nested(
        VerificationSchema, metadata={"description": "The whole stored chain, checked now."}
    )
    chain_head = fields.String(metadata={"description": "The chain head at as_of."})
    notes = fields.List(fields.String())

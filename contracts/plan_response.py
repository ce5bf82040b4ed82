"""The plan as the API returns it, after every write and on every read."""

from __future__ import annotations

from marshmallow import fields

from contracts.common import ActorSchema, Money, StrictSchema, one_of
from contracts.vocabulary import (
    AGREEMENT_METHODS,
    AREAS_OF_NEED,
    CLOSURE_REASONS,
    NEED_STATUSES,
    OUTCOME_STATUSES,
    PARTICIPANT_ROLES,
    PLAN_STATUSES,
    PROGRESS_RATINGS,
    PROVISION_KINDS,
    PROVISION_STATUSES,
    REVIEW_DECISIONS,
    SETTING_PHASES,
    STAGES,
    VIEW_OWNERS,
)


def _nullable_text() -> fields.String:
    return fields.String(allow_none=True)


class CorrectionSchema(StrictSchema):
    at = fields.AwareDateTime()
    by = fields.Nested(ActorSchema)
    reason = fields.String()


def _corrected() -> fields.Nested:
    return fields.Nested(
        CorrectionSchema,
        allow_none=True,
        metadata={"description": "The latest correction of this entry; null if never corrected."},
    )


class ChildSchema(StrictSchema):
    ref = fields.String()
    name = fields.String()
    date_of_birth = fields.Date()
    corrected = _corrected()


class SettingSchema(StrictSchema):
    ref = fields.String()
    name = fields.String()
    phase = one_of(SETTING_PHASES)
    corrected = _corrected()


class ParticipantSchema(StrictSchema):
    id = fields.UUID()
    name = fields.String()
    role = one_of(PARTICIPANT_ROLES)
    organisation = _nullable_text()
    has_parental_responsibility = fields.Boolean()
    contact = _nullable_text()
    active = fields.Boolean()
    corrected = _corrected()


class PreparingForAdulthoodSchema(StrictSchema):
    employment = _nullable_text()
    independent_living = _nullable_text()
    community = _nullable_text()
    health = _nullable_text()


class ProfileSchema(StrictSchema):
    aspirations = _nullable_text()
    what_matters_to_me = _nullable_text()
    important_for_me = _nullable_text()
    strengths = _nullable_text()
    what_works = _nullable_text()
    what_does_not_work = _nullable_text()
    communication = _nullable_text()
    preparing_for_adulthood = fields.Nested(PreparingForAdulthoodSchema)
    corrected = _corrected()


class NeedSchema(StrictSchema):
    id = fields.UUID()
    area = one_of(AREAS_OF_NEED)
    description = fields.String()
    status = one_of(NEED_STATUSES)
    identified_at = fields.AwareDateTime()
    corrected = _corrected()


class ViewSchema(StrictSchema):
    id = fields.UUID()
    whose = one_of(VIEW_OWNERS)
    participant_id = fields.UUID(allow_none=True)
    text = fields.String()
    how_gathered = _nullable_text()
    occurred_at = fields.AwareDateTime()
    corrected = _corrected()


class OutcomeSchema(StrictSchema):
    id = fields.UUID()
    description = fields.String()
    success_criteria = fields.String()
    target_date = fields.Date()
    need_id = fields.UUID(allow_none=True)
    status = one_of(OUTCOME_STATUSES)
    corrected = _corrected()


class ProvisionSchema(StrictSchema):
    id = fields.UUID()
    description = fields.String()
    kind = one_of(PROVISION_KINDS)
    frequency = fields.String()
    delivered_by = fields.String()
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    outcome_ids = fields.List(fields.UUID())
    group_size = fields.Integer(allow_none=True)
    minutes_per_session = fields.Integer(allow_none=True)
    weekly_cost = Money(allow_none=True)
    status = one_of(PROVISION_STATUSES)
    corrected = _corrected()


class AgreementSchema(StrictSchema):
    agreed_by = fields.List(fields.UUID())
    method = one_of(AGREEMENT_METHODS)
    occurred_at = fields.AwareDateTime()
    current = fields.Boolean(
        metadata={"description": "False once the plan has changed since it was agreed."}
    )
    corrected = _corrected()


class ProgressSchema(StrictSchema):
    outcome_id = fields.UUID()
    rating = one_of(PROGRESS_RATINGS)
    comment = _nullable_text()


class ReviewSchema(StrictSchema):
    id = fields.UUID()
    cycle = fields.Integer()
    held_on = fields.Date()
    attendees = fields.List(fields.UUID())
    progress = fields.List(fields.Nested(ProgressSchema))
    impact = fields.String()
    child_view = _nullable_text()
    parent_view = _nullable_text()
    decision = one_of(REVIEW_DECISIONS)
    next_review_date = fields.Date(allow_none=True)
    corrected = _corrected()


class StageChangeSchema(StrictSchema):
    from_stage = one_of(STAGES, allow_none=True)
    to_stage = one_of(STAGES)
    cycle = fields.Integer()
    reason = _nullable_text()
    occurred_at = fields.AwareDateTime()
    recorded_at = fields.AwareDateTime()
    version = fields.Integer(metadata={"description": "The plan version of this transition."})
    corrected = _corrected()


class ClosureSchema(StrictSchema):
    reason = one_of(CLOSURE_REASONS)
    note = _nullable_text()
    occurred_at = fields.AwareDateTime()
    corrected = _corrected()


class CorrectionRecordSchema(StrictSchema):
    version = fields.Integer(metadata={"description": "The plan version of the correction."})
    corrected_version = fields.Integer(metadata={"description": "The entry corrected."})
    corrected_event_type = fields.String()
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    reason = fields.String()
    at = fields.AwareDateTime()
    by = fields.Nested(ActorSchema)


class PlanSchema(StrictSchema):
    id = fields.UUID()
    version = fields.Integer(metadata={"description": "Also the ETag."})
    status = one_of(PLAN_STATUSES)
    stage = one_of(STAGES)
    cycle = fields.Integer()
    child = fields.Nested(ChildSchema)
    setting = fields.Nested(SettingSchema)
    participants = fields.List(fields.Nested(ParticipantSchema))
    profile = fields.Nested(ProfileSchema)
    needs = fields.List(fields.Nested(NeedSchema))
    views = fields.List(fields.Nested(ViewSchema))
    outcomes = fields.List(fields.Nested(OutcomeSchema))
    provisions = fields.List(fields.Nested(ProvisionSchema))
    review_date = fields.Date(allow_none=True)
    agreement = fields.Nested(AgreementSchema, allow_none=True)
    reviews = fields.List(fields.Nested(ReviewSchema))
    stage_history = fields.List(fields.Nested(StageChangeSchema))
    opened_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    closure = fields.Nested(ClosureSchema, allow_none=True)
    corrections = fields.List(
        fields.Nested(CorrectionRecordSchema),
        metadata={
            "description": "Every correction, oldest first; the originals stay in the history."
        },
    )

"""The graduated-approach cycle: review date, agreement, stage, reviews, closure, reopening."""

from __future__ import annotations

from marshmallow import fields, validate

from contracts.common import (
    LIST_MAX,
    StrictSchema,
    WriteSchema,
    date_not_in_future,
    id_list,
    long_text,
    one_of,
)
from contracts.vocabulary import (
    AGREEMENT_METHODS,
    CLOSURE_REASONS,
    PROGRESS_RATINGS,
    REVIEW_DECISIONS,
    STAGES,
)


class ScheduleReviewSchema(WriteSchema):
    review_date = fields.Date(required=True)


class AgreePlanSchema(WriteSchema):
    agreed_by = id_list(
        1,
        unique=True,
        required=True,
        metadata={"description": "Participant ids; must include a parent or carer."},
    )
    method = one_of(AGREEMENT_METHODS, required=True)


class TransitionStageSchema(WriteSchema):
    to = one_of(STAGES, required=True)
    reason = long_text()


class OutcomeProgressSchema(StrictSchema):
    outcome_id = fields.UUID(required=True)
    rating = one_of(PROGRESS_RATINGS, required=True)
    comment = long_text()


class RecordReviewSchema(WriteSchema):
    held_on = fields.Date(required=True, validate=date_not_in_future)
    attendees = id_list(1, required=True, metadata={"description": "Participant ids."})
    progress = fields.List(
        fields.Nested(OutcomeProgressSchema),
        required=True,
        validate=validate.Length(max=LIST_MAX),
        metadata={"description": "Progress for every open outcome."},
    )
    impact = long_text(required=True)
    child_view = long_text()
    parent_view = long_text()
    decision = one_of(REVIEW_DECISIONS, required=True)
    next_review_date = fields.Date()


class ClosePlanSchema(WriteSchema):
    reason = one_of(CLOSURE_REASONS, required=True)
    note = long_text()


class ReopenPlanSchema(WriteSchema):
    reason = long_text(required=True)
    note = long_text()

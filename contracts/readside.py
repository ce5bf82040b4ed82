"""The read side: the plan list, the audit trail and a setting's caseload, served from views.

Every read of a view takes `min_position` (read-your-writes: answer once the view has
processed that position of the log, the `X-Event-Position` of a write) and answers
`X-Projection-Position`. Collections are cursor-paged `{items, next_cursor}`.
"""

from __future__ import annotations

from marshmallow import fields, validate

from contracts.common import ActorSchema, StrictSchema, one_of, short_text
from contracts.feeds import CURSOR_MAX
from contracts.vocabulary import PARTICIPANT_ROLES, PLAN_STATUSES, SETTING_PHASES, STAGES

LIMIT_MAX = 200
PLAN_SORTS = ("updated_at", "-updated_at", "review_date", "-review_date")
AUDIT_ORDERS = ("asc", "desc")
#: The roles a token may carry: whoever recorded an event had one of them.
ACTOR_ROLES = (*PARTICIPANT_ROLES, "inspector", "admin")
EVENT_TYPES = (
    "PlanOpened", "ParticipantAdded", "ParticipantRemoved", "ProfileUpdated", "NeedIdentified",
    "NeedRevised", "NeedResolved", "ViewRecorded", "OutcomeAgreed", "OutcomeRevised",
    "ProvisionAgreed", "ProvisionRevised", "ProvisionEnded", "ReviewScheduled", "PlanAgreed",
    "StageTransitioned", "ReviewRecorded", "PlanClosed", "PlanReopened", "EntryCorrected",
)  # fmt: skip


def _min_position() -> fields.Integer:
    return fields.Integer(
        validate=validate.Range(min=0),
        metadata={
            "description": "Answer only once the view has processed this position of the log "
            "(a write's X-Event-Position); 503 with Retry-After if that takes over 5 s, 422 if "
            "the log has no such position yet."
        },
    )


def _limit() -> fields.Integer:
    return fields.Integer(load_default=50, validate=validate.Range(1, LIMIT_MAX))


def _cursor() -> fields.String:
    return fields.String(
        validate=validate.Length(1, CURSOR_MAX),
        metadata={
            "description": "Opaque: the next_cursor of the previous page of this same query."
        },
    )


def _next_cursor() -> fields.String:
    return fields.String(allow_none=True, metadata={"description": "Null on the last page."})


class PlanListQuerySchema(StrictSchema):
    setting_ref = short_text()
    stage = one_of(STAGES)
    status = one_of(PLAN_STATUSES)
    cycle = fields.Integer(validate=validate.Range(min=1))
    review_due_before = fields.Date(
        metadata={"description": "Plans whose review date is before this date."}
    )
    overdue = fields.Boolean(
        metadata={
            "description": "true: open plans whose review date has passed with no review held "
            "on or after it; false: every other plan."
        }
    )
    sort = one_of(
        PLAN_SORTS,
        load_default="-updated_at",
        metadata={"description": "A leading '-' sorts descending; no review date sorts last."},
    )
    limit = _limit()
    cursor = _cursor()
    min_position = _min_position()


class SettingSummarySchema(StrictSchema):
    ref = fields.String()
    name = fields.String()
    phase = one_of(SETTING_PHASES)


class PlanSummarySchema(StrictSchema):
    id = fields.UUID()
    child_name = fields.String()
    setting = fields.Nested(SettingSummarySchema)
    stage = one_of(STAGES)
    cycle = fields.Integer()
    status = one_of(PLAN_STATUSES)
    review_date = fields.Date(allow_none=True)
    overdue = fields.Boolean(metadata={"description": "As the `overdue` filter judges it today."})
    updated_at = fields.AwareDateTime(
        metadata={"description": "When its last change was recorded."}
    )
    version = fields.Integer()


class PlanListPageSchema(StrictSchema):
    items = fields.List(fields.Nested(PlanSummarySchema))
    next_cursor = _next_cursor()


class AuditQuerySchema(StrictSchema):
    plan_id = fields.UUID()
    actor_id = short_text()
    actor_role = one_of(ACTOR_ROLES)
    event_type = one_of(EVENT_TYPES)
    recorded_from = fields.AwareDateTime(
        metadata={"description": "Recorded at or after (inclusive)."}
    )
    recorded_to = fields.AwareDateTime(metadata={"description": "Recorded before (exclusive)."})
    order = one_of(AUDIT_ORDERS, load_default="asc", metadata={"description": "asc: oldest first."})
    limit = _limit()
    cursor = _cursor()
    min_position = _min_position()


class AuditEntrySchema(StrictSchema):
    position = fields.Integer()
    plan_id = fields.UUID()
    event_type = fields.String()
    version = fields.Integer()
    actor = fields.Nested(ActorSchema)
    occurred_at = fields.AwareDateTime()
    recorded_at = fields.AwareDateTime()
    summary = fields.String()


class AuditPageSchema(StrictSchema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    next_cursor = _next_cursor()


class CaseloadQuerySchema(StrictSchema):
    setting_ref = short_text(required=True)
    min_position = _min_position()


class ParentMeetingsSchema(StrictSchema):
    plan_id = fields.UUID()
    this_school_year = fields.Integer(
        metadata={"description": "Reviews a parent or carer attended since 1 September."}
    )
    expected = fields.Integer(metadata={"description": "Three a year (Code of Practice 6.65)."})


class CaseloadSchema(StrictSchema):
    by_stage = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "Open plans."}
    )
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    reviews_overdue = fields.List(fields.UUID())
    reviews_due_soon = fields.List(fields.UUID(), metadata={"description": "In the next 14 days."})
    awaiting_agreement = fields.List(
        fields.UUID(),
        metadata={"description": "In the plan stage, not agreed since its last change."},
    )
    parent_meetings = fields.List(fields.Nested(ParentMeetingsSchema))

"""Marshmallow schemas of the v1 HTTP contract: only marshmallow and the standard library."""

from __future__ import annotations

from contracts.common import (
    ActorSchema,
    PartialSchema,
    PatchSchema,
    StrictSchema,
    WriteSchema,
)
from contracts.corrections import CorrectEntrySchema
from contracts.cycle import (
    AgreePlanSchema,
    ClosePlanSchema,
    OutcomeProgressSchema,
    RecordReviewSchema,
    ReopenPlanSchema,
    ScheduleReviewSchema,
    TransitionStageSchema,
)
from contracts.entries import (
    AddParticipantSchema,
    IdentifyNeedSchema,
    PreparingForAdulthoodPatchSchema,
    RecordViewSchema,
    ReviseNeedSchema,
    UpdateProfileSchema,
)
from contracts.errors import ErrorSchema
from contracts.feeds import (
    EventFeedItemSchema,
    EventFeedPageSchema,
    EventFeedQuerySchema,
    HistoryItemSchema,
    HistoryPageSchema,
    HistoryQuerySchema,
)
from contracts.health import HealthSchema, ReadinessSchema
from contracts.outcomes import (
    AgreeOutcomeSchema,
    AgreeProvisionSchema,
    ReviseOutcomeSchema,
    ReviseProvisionSchema,
)
from contracts.plan_response import (
    AgreementSchema,
    ChildSchema,
    ClosureSchema,
    CorrectionRecordSchema,
    CorrectionSchema,
    NeedSchema,
    OutcomeSchema,
    ParticipantSchema,
    PlanSchema,
    PreparingForAdulthoodSchema,
    ProfileSchema,
    ProgressSchema,
    ProvisionSchema,
    ReviewSchema,
    SettingSchema,
    StageChangeSchema,
    ViewSchema,
)
from contracts.plans import (
    ChildDetailsSchema,
    OpenPlanSchema,
    PlanReadQuerySchema,
    SettingDetailsSchema,
)

#: Request bodies, by the call that takes them.
REQUEST_BODY_SCHEMAS = (
    OpenPlanSchema,
    AddParticipantSchema,
    UpdateProfileSchema,
    IdentifyNeedSchema,
    ReviseNeedSchema,
    RecordViewSchema,
    AgreeOutcomeSchema,
    ReviseOutcomeSchema,
    AgreeProvisionSchema,
    ReviseProvisionSchema,
    ScheduleReviewSchema,
    AgreePlanSchema,
    TransitionStageSchema,
    RecordReviewSchema,
    ClosePlanSchema,
    ReopenPlanSchema,
    CorrectEntrySchema,
)
QUERY_SCHEMAS = (PlanReadQuerySchema, HistoryQuerySchema, EventFeedQuerySchema)
RESPONSE_SCHEMAS = (
    PlanSchema,
    HistoryPageSchema,
    EventFeedPageSchema,
    ErrorSchema,
    HealthSchema,
    ReadinessSchema,
)

__all__ = [
    "REQUEST_BODY_SCHEMAS",
    "QUERY_SCHEMAS",
    "RESPONSE_SCHEMAS",
    "ActorSchema",
    "AddParticipantSchema",
    "AgreeOutcomeSchema",
    "AgreePlanSchema",
    "AgreeProvisionSchema",
    "AgreementSchema",
    "ChildDetailsSchema",
    "ChildSchema",
    "ClosePlanSchema",
    "ClosureSchema",
    "CorrectEntrySchema",
    "CorrectionRecordSchema",
    "CorrectionSchema",
    "ErrorSchema",
    "EventFeedItemSchema",
    "EventFeedPageSchema",
    "EventFeedQuerySchema",
    "HealthSchema",
    "HistoryItemSchema",
    "HistoryPageSchema",
    "HistoryQuerySchema",
    "IdentifyNeedSchema",
    "NeedSchema",
    "OpenPlanSchema",
    "OutcomeProgressSchema",
    "OutcomeSchema",
    "ParticipantSchema",
    "PartialSchema",
    "PatchSchema",
    "PlanReadQuerySchema",
    "PlanSchema",
    "PreparingForAdulthoodPatchSchema",
    "PreparingForAdulthoodSchema",
    "ProfileSchema",
    "ProgressSchema",
    "ProvisionSchema",
    "ReadinessSchema",
    "RecordReviewSchema",
    "RecordViewSchema",
    "ReopenPlanSchema",
    "ReviewSchema",
    "ReviseNeedSchema",
    "ReviseOutcomeSchema",
    "ReviseProvisionSchema",
    "ScheduleReviewSchema",
    "SettingDetailsSchema",
    "SettingSchema",
    "StageChangeSchema",
    "StrictSchema",
    "TransitionStageSchema",
    "UpdateProfileSchema",
    "ViewSchema",
    "WriteSchema",
]

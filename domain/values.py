"""The vocabulary of One Planning: stages, roles, areas of need and the other closed lists."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    ASSESS = "assess"
    PLAN = "plan"
    DO = "do"
    REVIEW = "review"


NEXT_STAGE: dict[Stage, Stage] = {
    Stage.ASSESS: Stage.PLAN,
    Stage.PLAN: Stage.DO,
    Stage.DO: Stage.REVIEW,
    Stage.REVIEW: Stage.ASSESS,
}


class PlanStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class AreaOfNeed(StrEnum):
    COMMUNICATION_AND_INTERACTION = "communication_and_interaction"
    COGNITION_AND_LEARNING = "cognition_and_learning"
    SOCIAL_EMOTIONAL_AND_MENTAL_HEALTH = "social_emotional_and_mental_health"
    SENSORY_AND_PHYSICAL = "sensory_and_physical"


class Role(StrEnum):
    CHILD = "child"
    PARENT_CARER = "parent_carer"
    KEY_PERSON = "key_person"
    PRACTITIONER = "practitioner"
    SENCO = "senco"
    AREA_SENCO = "area_senco"
    TEACHER = "teacher"
    HEALTH_VISITOR = "health_visitor"
    SPEECH_AND_LANGUAGE_THERAPIST = "speech_and_language_therapist"
    EDUCATIONAL_PSYCHOLOGIST = "educational_psychologist"
    SOCIAL_WORKER = "social_worker"
    OTHER_PROFESSIONAL = "other_professional"


class Phase(StrEnum):
    EARLY_YEARS = "early_years"
    SCHOOL = "school"
    POST_16 = "post_16"


class ViewHolder(StrEnum):
    CHILD = "child"
    PARENT_CARER = "parent_carer"


class ProvisionKind(StrEnum):
    ADJUSTMENT = "adjustment"
    SUPPORT = "support"
    INTERVENTION = "intervention"


class AgreementMethod(StrEnum):
    MEETING = "meeting"
    PHONE = "phone"
    EMAIL = "email"
    IN_WRITING = "in_writing"
    OTHER = "other"


class ProgressRating(StrEnum):
    ACHIEVED = "achieved"
    PARTLY_ACHIEVED = "partly_achieved"
    NOT_ACHIEVED = "not_achieved"


class ReviewDecision(StrEnum):
    CONTINUE = "continue"
    AMEND = "amend"
    END_SUPPORT = "end_support"
    REQUEST_EHC_NEEDS_ASSESSMENT = "request_ehc_needs_assessment"


class ClosureReason(StrEnum):
    NEEDS_MET = "needs_met"
    MOVED_SETTING = "moved_setting"
    EHC_PLAN_ISSUED = "ehc_plan_issued"
    LEFT_SETTING = "left_setting"
    OTHER = "other"


class NeedStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class OutcomeStatus(StrEnum):
    OPEN = "open"
    ACHIEVED = "achieved"
    DISCONTINUED = "discontinued"


class ProvisionStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


PROFILE_FIELDS: tuple[str, ...] = (
    "aspirations",
    "what_matters_to_me",
    "important_for_me",
    "strengths",
    "what_works",
    "what_does_not_work",
    "communication",
)
PREPARING_FOR_ADULTHOOD_FIELDS: tuple[str, ...] = (
    "employment",
    "independent_living",
    "community",
    "health",
)


@dataclass(frozen=True)
class Actor:
    """Who did something: the identity behind every event (from the bearer token)."""

    id: str
    name: str
    role: str

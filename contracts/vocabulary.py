"""The closed vocabularies of the v1 contract, in one place to cross-check against the domain."""

from __future__ import annotations

AREAS_OF_NEED = (
    "communication_and_interaction",
    "cognition_and_learning",
    "social_emotional_and_mental_health",
    "sensory_and_physical",
)
PARTICIPANT_ROLES = (
    "child",
    "parent_carer",
    "key_person",
    "practitioner",
    "senco",
    "area_senco",
    "teacher",
    "health_visitor",
    "speech_and_language_therapist",
    "educational_psychologist",
    "social_worker",
    "other_professional",
)
SETTING_PHASES = ("early_years", "school", "post_16")
STAGES = ("assess", "plan", "do", "review")
VIEW_OWNERS = ("child", "parent_carer")
PROVISION_KINDS = ("adjustment", "support", "intervention")
AGREEMENT_METHODS = ("meeting", "phone", "email", "in_writing", "other")
PROGRESS_RATINGS = ("achieved", "partly_achieved", "not_achieved")
REVIEW_DECISIONS = ("continue", "amend", "end_support", "request_ehc_needs_assessment")
CLOSURE_REASONS = ("needs_met", "moved_setting", "ehc_plan_issued", "left_setting", "other")

PLAN_STATUSES = ("open", "closed")
NEED_STATUSES = ("open", "resolved")
OUTCOME_STATUSES = ("open", "achieved", "discontinued")
PROVISION_STATUSES = ("active", "ended")

# The statuses a PATCH may set: each is a one-way step out of the entry's initial status.
NEED_STATUS_CHANGES = ("resolved",)
OUTCOME_STATUS_CHANGES = ("achieved", "discontinued")
PROVISION_STATUS_CHANGES = ("ended",)

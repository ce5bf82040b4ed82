"""The parts of a One Plan. Mutable records owned by the OnePlan aggregate; only events change them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.values import Actor


@dataclass
class Correction:
    """The mark an entry carries once corrected: when, by whom and why."""

    at: datetime
    by: Actor
    reason: str


@dataclass
class Child:
    ref: str
    name: str
    date_of_birth: date
    corrected: Correction | None = None


@dataclass
class Setting:
    ref: str
    name: str
    phase: str
    corrected: Correction | None = None


@dataclass
class Participant:
    id: UUID
    name: str
    role: str
    organisation: str | None
    has_parental_responsibility: bool
    contact: str | None
    active: bool = True
    corrected: Correction | None = None

    @property
    def speaks_for_the_child_as_parent(self) -> bool:
        return self.role == "parent_carer" or self.has_parental_responsibility


@dataclass
class Need:
    id: UUID
    area: str
    description: str
    status: str
    identified_at: datetime
    corrected: Correction | None = None


@dataclass
class View:
    id: UUID
    whose: str
    participant_id: UUID | None
    text: str
    how_gathered: str | None
    occurred_at: datetime
    corrected: Correction | None = None


@dataclass
class Outcome:
    id: UUID
    description: str
    success_criteria: str
    target_date: date
    need_id: UUID | None
    status: str
    corrected: Correction | None = None


@dataclass
class Provision:
    id: UUID
    description: str
    kind: str
    frequency: str
    delivered_by: str
    start_date: date
    end_date: date | None
    outcome_ids: list[UUID]
    group_size: int | None
    minutes_per_session: int | None
    weekly_cost: Decimal | None
    status: str
    corrected: Correction | None = None


@dataclass
class Progress:
    outcome_id: UUID
    rating: str
    comment: str | None


@dataclass
class Review:
    id: UUID
    cycle: int
    held_on: date
    attendees: list[UUID]
    progress: list[Progress]
    impact: str
    child_view: str | None
    parent_view: str | None
    decision: str
    next_review_date: date | None
    corrected: Correction | None = None


@dataclass
class Agreement:
    agreed_by: list[UUID]
    method: str
    occurred_at: datetime
    version: int
    cycle: int
    corrected: Correction | None = None


@dataclass
class StageChange:
    from_stage: str
    to_stage: str
    cycle: int
    reason: str | None
    occurred_at: datetime
    recorded_at: datetime
    version: int
    corrected: Correction | None = None


@dataclass
class Closure:
    reason: str
    note: str | None
    occurred_at: datetime
    corrected: Correction | None = None


@dataclass
class CorrectionRecord:
    """One entry of the plan's list of corrections (the original stays in the history)."""

    version: int
    corrected_version: int
    corrected_event_type: str
    fields: list[str]
    reason: str
    at: datetime
    by: Actor


@dataclass
class Profile:
    aspirations: str | None = None
    what_matters_to_me: str | None = None
    important_for_me: str | None = None
    strengths: str | None = None
    what_works: str | None = None
    what_does_not_work: str | None = None
    communication: str | None = None
    preparing_for_adulthood: dict[str, str | None] = field(
        default_factory=lambda: {
            "employment": None,
            "independent_living": None,
            "community": None,
            "health": None,
        }
    )
    corrected: Correction | None = None

    def merge(self, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            if name == "preparing_for_adulthood":
                self.preparing_for_adulthood = {**self.preparing_for_adulthood, **value}
            else:
                setattr(self, name, value)


ENTITY_TYPES: tuple[type, ...] = (
    Correction,
    Child,
    Setting,
    Participant,
    Need,
    View,
    Outcome,
    Provision,
    Progress,
    Review,
    Agreement,
    StageChange,
    Closure,
    CorrectionRecord,
    Profile,
)

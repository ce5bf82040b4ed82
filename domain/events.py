"""The One Plan's events: every change to a plan, in the past tense, immutable once recorded.

Each event carries the actor and when it happened in the world (`occurred_at`); the library's
`timestamp` is when the ledger recorded it (`recorded_at`). `apply` is the only code that
changes a plan's state, so replaying the events rebuilds any version of the plan.

Every event also carries its place in the plan's hash chain (`prev_hash`, `hash`) and the
salted digests of its personal values (`digests`, `salts`): see `domain.chain`. The aggregate
fills them in when it triggers the event; `mutate` keeps the chain head in the plan's state.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from eventsourcing.domain import AggregateCreated, AggregateEvent

from domain.chain import CHAIN_FIELDS
from domain.entities import (
    Agreement,
    Child,
    Closure,
    Correction,
    CorrectionRecord,
    Need,
    Outcome,
    Participant,
    Progress,
    Provision,
    Review,
    Setting,
    StageChange,
    View,
)
from domain.values import Actor

if TYPE_CHECKING:
    from domain.plan import OnePlan


def event_id(plan_id: UUID, version: int) -> UUID:
    """The stable id of a plan's event: the same wherever and however often it is delivered."""
    return uuid5(plan_id, str(version))


_NOT_CARRIED = {
    "originator_id", "originator_version", "timestamp", "originator_topic", "actor", *CHAIN_FIELDS,
}  # fmt: skip


class Chained:
    """What every event does with its chain fields (declared on each event base, so that they
    are dataclass fields): it leaves its hash on the plan as the chain head.

    The chain was part of the events from the first one ever stored: there is no earlier
    form of them to read.
    """

    if TYPE_CHECKING:
        hash: str

    def mutate(self, aggregate: Any) -> Any:
        plan = super().mutate(aggregate)  # type: ignore[misc]
        plan._chain_head = self.hash
        return plan


class PlanEvent(Chained, AggregateEvent):
    """Base of every event after the opening one: who did it and when it happened."""

    actor: Actor
    occurred_at: datetime
    prev_hash: str
    hash: str
    digests: dict[str, str]
    salts: dict[str, str]

    #: Where this event's fields live in the plan ("" is the plan itself); see `entity_key`.
    def entity_key(self) -> str:
        return ""

    def carried(self) -> dict[str, Any]:
        """The fields this entry carried, as a correction may name them."""
        return {k: v for k, v in vars(self).items() if k not in _NOT_CARRIED}

    #: Whether a change recorded by this event means the parent must agree the plan again.
    changes_the_plan = False

    def record_changes(self, plan: OnePlan) -> None:
        plan._note_fields(self.entity_key(), self.carried(), self.originator_version)
        if self.changes_the_plan:
            plan._last_change_version = self.originator_version


class Revision(PlanEvent):
    """An amendment of an entry from now on: only the fields it changes."""

    changes: dict[str, Any]

    def carried(self) -> dict[str, Any]:
        return dict(self.changes)

    def apply(self, plan: OnePlan) -> None:
        plan._assign(self.entity_key(), self.changes)
        self.record_changes(plan)


class PlanOpened(Chained, AggregateCreated):
    actor: Actor
    occurred_at: datetime
    prev_hash: str
    hash: str
    digests: dict[str, str]
    salts: dict[str, str]
    child: dict[str, Any]
    setting: dict[str, Any]

    def entity_key(self) -> str:
        return ""

    def carried(self) -> dict[str, Any]:
        return {"child": self.child, "setting": self.setting, "occurred_at": self.occurred_at}

    def apply(self, plan: OnePlan) -> None:
        plan._start(
            child=Child(**self.child),
            setting=Setting(**self.setting),
            opened_at=self.occurred_at,
        )
        plan._note_fields("", self.carried(), self.originator_version)


class ParticipantAdded(PlanEvent):
    participant_id: UUID
    name: str
    role: str
    organisation: str | None
    has_parental_responsibility: bool
    contact: str | None

    def entity_key(self) -> str:
        return f"participant:{self.participant_id}"

    def apply(self, plan: OnePlan) -> None:
        plan.participants[str(self.participant_id)] = Participant(
            id=self.participant_id,
            name=self.name,
            role=self.role,
            organisation=self.organisation,
            has_parental_responsibility=self.has_parental_responsibility,
            contact=self.contact,
        )
        self.record_changes(plan)


class ParticipantRemoved(PlanEvent):
    participant_id: UUID

    def entity_key(self) -> str:
        return f"participant:{self.participant_id}"

    def apply(self, plan: OnePlan) -> None:
        plan.participants[str(self.participant_id)].active = False


class ProfileUpdated(PlanEvent):
    changes: dict[str, Any]

    def entity_key(self) -> str:
        return "profile"

    def carried(self) -> dict[str, Any]:
        return {**self.changes, "occurred_at": self.occurred_at}

    def apply(self, plan: OnePlan) -> None:
        plan.profile.merge(self.changes)
        self.record_changes(plan)


class NeedIdentified(PlanEvent):
    need_id: UUID
    area: str
    description: str

    def entity_key(self) -> str:
        return f"need:{self.need_id}"

    def apply(self, plan: OnePlan) -> None:
        plan.needs[str(self.need_id)] = Need(
            id=self.need_id,
            area=self.area,
            description=self.description,
            status="open",
            identified_at=self.occurred_at,
        )
        self.record_changes(plan)


class NeedRevised(Revision):
    need_id: UUID

    def entity_key(self) -> str:
        return f"need:{self.need_id}"


class NeedResolved(PlanEvent):
    need_id: UUID

    def entity_key(self) -> str:
        return f"need:{self.need_id}"

    def apply(self, plan: OnePlan) -> None:
        plan.needs[str(self.need_id)].status = "resolved"


class ViewRecorded(PlanEvent):
    view_id: UUID
    whose: str
    participant_id: UUID | None
    text: str
    how_gathered: str | None

    def entity_key(self) -> str:
        return f"view:{self.view_id}"

    def apply(self, plan: OnePlan) -> None:
        plan.views[str(self.view_id)] = View(
            id=self.view_id,
            whose=self.whose,
            participant_id=self.participant_id,
            text=self.text,
            how_gathered=self.how_gathered,
            occurred_at=self.occurred_at,
        )
        self.record_changes(plan)


class OutcomeAgreed(PlanEvent):
    outcome_id: UUID
    description: str
    success_criteria: str
    target_date: date
    need_id: UUID | None
    changes_the_plan = True

    def entity_key(self) -> str:
        return f"outcome:{self.outcome_id}"

    def apply(self, plan: OnePlan) -> None:
        plan.outcomes[str(self.outcome_id)] = Outcome(
            id=self.outcome_id,
            description=self.description,
            success_criteria=self.success_criteria,
            target_date=self.target_date,
            need_id=self.need_id,
            status="open",
        )
        self.record_changes(plan)


class OutcomeRevised(Revision):
    outcome_id: UUID
    changes_the_plan = True

    def entity_key(self) -> str:
        return f"outcome:{self.outcome_id}"


class ProvisionAgreed(PlanEvent):
    provision_id: UUID
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
    changes_the_plan = True

    def entity_key(self) -> str:
        return f"provision:{self.provision_id}"

    def apply(self, plan: OnePlan) -> None:
        fields = {
            k: v for k, v in self.carried().items() if k not in ("provision_id", "occurred_at")
        }
        plan.provisions[str(self.provision_id)] = Provision(
            id=self.provision_id, status="active", **fields
        )
        self.record_changes(plan)


class ProvisionRevised(Revision):
    provision_id: UUID
    changes_the_plan = True

    def entity_key(self) -> str:
        return f"provision:{self.provision_id}"


class ProvisionEnded(PlanEvent):
    provision_id: UUID
    end_date: date
    changes_the_plan = True

    def entity_key(self) -> str:
        return f"provision:{self.provision_id}"

    def apply(self, plan: OnePlan) -> None:
        provision = plan.provisions[str(self.provision_id)]
        provision.status = "ended"
        provision.end_date = self.end_date
        self.record_changes(plan)


class ReviewScheduled(PlanEvent):
    review_date: date
    changes_the_plan = True

    def apply(self, plan: OnePlan) -> None:
        plan.review_date = self.review_date
        self.record_changes(plan)

    def record_changes(self, plan: OnePlan) -> None:
        # Only the date lands on the plan itself: this entry's occurred_at is not the plan's
        # opened_at, so it must not take over that field's provenance.
        plan._note_fields("", {"review_date": self.review_date}, self.originator_version)
        plan._last_change_version = self.originator_version


class PlanAgreed(PlanEvent):
    agreed_by: list[UUID]
    method: str

    def entity_key(self) -> str:
        return "agreement"

    def apply(self, plan: OnePlan) -> None:
        plan.agreement = Agreement(
            agreed_by=list(self.agreed_by),
            method=self.method,
            occurred_at=self.occurred_at,
            version=self.originator_version,
            cycle=plan.cycle,
        )
        self.record_changes(plan)


class StageTransitioned(PlanEvent):
    from_stage: str
    to_stage: str
    cycle: int
    reason: str | None

    def entity_key(self) -> str:
        return f"stage:{self.originator_version}"

    def carried(self) -> dict[str, Any]:
        return {"reason": self.reason, "occurred_at": self.occurred_at}

    def apply(self, plan: OnePlan) -> None:
        starts_a_cycle = self.cycle != plan.cycle
        plan.stage = self.to_stage
        plan.cycle = self.cycle
        plan.stage_history.append(
            StageChange(
                from_stage=self.from_stage,
                to_stage=self.to_stage,
                cycle=self.cycle,
                reason=self.reason,
                occurred_at=self.occurred_at,
                recorded_at=self.timestamp,
                version=self.originator_version,
            )
        )
        plan._note_fields(self.entity_key(), self.carried(), self.originator_version)
        if starts_a_cycle:
            # A new cycle is a new plan for the parent to agree (Code of Practice 5.40 / 6.48).
            plan._last_change_version = self.originator_version


class ReviewRecorded(PlanEvent):
    review_id: UUID
    cycle: int
    held_on: date
    attendees: list[UUID]
    progress: list[dict[str, Any]]
    impact: str
    child_view: str | None
    parent_view: str | None
    decision: str
    next_review_date: date | None

    def entity_key(self) -> str:
        return f"review:{self.review_id}"

    def apply(self, plan: OnePlan) -> None:
        fields = {k: v for k, v in self.carried().items() if k not in ("review_id", "occurred_at")}
        fields["progress"] = [Progress(**p) for p in self.progress]
        plan.reviews.append(Review(id=self.review_id, **fields))
        if self.next_review_date is not None:
            plan.review_date = self.next_review_date
            # This entry now sets the plan's review date, so correcting an earlier one leaves it.
            plan._note_fields("", {"review_date": self.next_review_date}, self.originator_version)
            plan._last_change_version = self.originator_version
        self.record_changes(plan)


class PlanClosed(PlanEvent):
    reason: str
    note: str | None

    def entity_key(self) -> str:
        return "closure"

    def apply(self, plan: OnePlan) -> None:
        plan.status = "closed"
        plan.closure = Closure(reason=self.reason, note=self.note, occurred_at=self.occurred_at)
        self.record_changes(plan)


class PlanReopened(PlanEvent):
    reason: str
    note: str | None

    def apply(self, plan: OnePlan) -> None:
        plan.status = "open"
        plan.closure = None


class EntryCorrected(PlanEvent):
    """A correction of what an earlier entry recorded; the earlier entry stays in the history.

    A corrected field changes the plan only where that entry's value still stands: a value a
    later entry has since replaced stays as it is, and the correction is still marked.
    """

    corrected_version: int
    corrected_event_type: str
    corrected_entity_key: str
    changes: dict[str, Any]
    reason: str

    def apply(self, plan: OnePlan) -> None:
        mark = Correction(at=self.occurred_at, by=self.actor, reason=self.reason)
        plan._correct(self.corrected_entity_key, self.changes, self.corrected_version, mark)
        plan.corrections.append(
            CorrectionRecord(
                version=self.originator_version,
                corrected_version=self.corrected_version,
                corrected_event_type=self.corrected_event_type,
                fields=sorted(self.changes),
                reason=self.reason,
                at=self.occurred_at,
                by=self.actor,
            )
        )


EVENT_TYPES: tuple[type, ...] = (
    PlanOpened,
    ParticipantAdded,
    ParticipantRemoved,
    ProfileUpdated,
    NeedIdentified,
    NeedRevised,
    NeedResolved,
    ViewRecorded,
    OutcomeAgreed,
    OutcomeRevised,
    ProvisionAgreed,
    ProvisionRevised,
    ProvisionEnded,
    ReviewScheduled,
    PlanAgreed,
    StageTransitioned,
    ReviewRecorded,
    PlanClosed,
    PlanReopened,
    EntryCorrected,
)

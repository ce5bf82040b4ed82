"""The OnePlan aggregate: a child's One Plan, moved through assess → plan → do → review.

Commands check the rules first (see `domain.rules`), then trigger one event; only events
change state. Every event is sealed into the plan's hash chain as it is triggered (see
`domain.chain`). Nothing here does I/O.
"""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain import chain, rules
from domain import events as ev
from domain.entities import (
    Agreement,
    Child,
    Closure,
    CorrectionRecord,
    Need,
    Outcome,
    Participant,
    Profile,
    Provision,
    Review,
    Setting,
    StageChange,
    View,
)
from domain.errors import EntryNotFound, InvalidEntry
from domain.provenance import Provenance
from domain.values import Actor, Stage

#: How far ahead of the ledger's clock a client's clock may run before `occurred_at` is refused.
CLOCK_SKEW = timedelta(seconds=5)
#: A date is "today" somewhere up to 14 hours ahead of UTC: such a date is never "in the future".
EARLIEST_TIME_ZONE = timedelta(hours=14)


def occurred(at: datetime | None) -> datetime:
    """When something happened in the world: now by default, never naive, never in the future."""
    now = datetime.now(UTC)
    if at is None:
        return now
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidEntry("occurred_at", "needs a UTC offset")
    if at > now + CLOCK_SKEW:
        raise InvalidEntry("occurred_at", "may not be in the future")
    return at


class OnePlan(Provenance, Aggregate):
    """A child's One Plan: who is involved, the person-centred profile, needs, outcomes,
    provision, agreement and reviews, cycling assess → plan → do → review."""

    def __init__(self) -> None:
        """State starts in `_start`, from the PlanOpened event."""

    def __deepcopy__(self, memo: dict[int, Any]) -> OnePlan:
        # The library copies cached plans before each command; a pickle round trip of this
        # plain-data state is the same copy at about half the cost of copy.deepcopy.
        copied: OnePlan = pickle.loads(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        return copied

    # ---- the hash chain: every event is sealed as it is triggered --------------------------

    @classmethod
    def _create(  # type: ignore[override]
        cls, event_class: type[ev.PlanOpened], *, id: UUID | None = None, **kwargs: Any
    ) -> OnePlan:
        plan_id = id or uuid4()
        timestamp = event_class.create_timestamp()
        sealed = chain.seal(event_class.__name__, plan_id, timestamp, kwargs, chain.GENESIS)
        plan: OnePlan = super()._create(
            event_class, id=plan_id, timestamp=timestamp, **kwargs, **sealed
        )
        return plan

    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
        timestamp = event_class.create_timestamp()
        sealed = chain.seal(event_class.__name__, self.id, timestamp, kwargs, self.chain_head)
        super().trigger_event(event_class, timestamp=timestamp, **kwargs, **sealed)

    @property
    def chain_head(self) -> str:
        """The hash of the plan's latest event: what the next event links to."""
        return getattr(self, "_chain_head", None) or chain.GENESIS

    def _start(self, child: Child, setting: Setting, opened_at: datetime) -> None:
        self.child = child
        self.setting = setting
        self.opened_at = opened_at
        self.status = "open"
        self.stage: str = Stage.ASSESS.value
        self.cycle = 1
        self.profile = Profile()
        self.participants: dict[str, Participant] = {}
        self.needs: dict[str, Need] = {}
        self.views: dict[str, View] = {}
        self.outcomes: dict[str, Outcome] = {}
        self.provisions: dict[str, Provision] = {}
        self.review_date: date | None = None
        self.agreement: Agreement | None = None
        self.reviews: list[Review] = []
        self.stage_history: list[StageChange] = []
        self.closure: Closure | None = None
        self.corrections: list[CorrectionRecord] = []
        self._set_by: dict[str, int] = {}
        self._last_change_version = 0

    # ---- opening and the people involved -------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        child: dict[str, Any],
        setting: dict[str, Any],
        actor: Actor,
        occurred_at: datetime | None = None,
        plan_id: UUID | None = None,
    ) -> OnePlan:
        """Open a plan for a child in a setting; it starts in the assess stage of cycle 1."""
        if child["date_of_birth"] > date.today():
            raise InvalidEntry("child.date_of_birth", "may not be in the future")
        return cls._create(
            ev.PlanOpened,
            id=plan_id,
            actor=actor,
            occurred_at=occurred(occurred_at),
            child=dict(child),
            setting=dict(setting),
        )

    def add_participant(
        self,
        *,
        name: str,
        role: str,
        actor: Actor,
        organisation: str | None = None,
        has_parental_responsibility: bool = False,
        contact: str | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID:
        rules.check_plan_is_open(self)
        participant_id = uuid4()
        self.trigger_event(
            ev.ParticipantAdded,
            actor=actor,
            occurred_at=occurred(occurred_at),
            participant_id=participant_id,
            name=name,
            role=str(role),
            organisation=organisation,
            has_parental_responsibility=has_parental_responsibility,
            contact=contact,
        )
        return participant_id

    def remove_participant(
        self, participant_id: UUID, *, actor: Actor, occurred_at: datetime | None = None
    ) -> None:
        rules.check_plan_is_open(self)
        self._active_participant(participant_id)
        self.trigger_event(
            ev.ParticipantRemoved,
            actor=actor,
            occurred_at=occurred(occurred_at),
            participant_id=participant_id,
        )

    def update_profile(
        self, changes: dict[str, Any], *, actor: Actor, occurred_at: datetime | None = None
    ) -> None:
        rules.check_plan_is_open(self)
        if not changes:
            raise InvalidEntry("profile", "name at least one field to change")
        self.trigger_event(
            ev.ProfileUpdated, actor=actor, occurred_at=occurred(occurred_at), changes=changes
        )

    # ---- needs, views, outcomes, provision -------------------------------------------------

    def identify_need(
        self, *, area: str, description: str, actor: Actor, occurred_at: datetime | None = None
    ) -> UUID:
        rules.check_plan_is_open(self)
        need_id = uuid4()
        self.trigger_event(
            ev.NeedIdentified,
            actor=actor,
            occurred_at=occurred(occurred_at),
            need_id=need_id,
            area=str(area),
            description=description,
        )
        return need_id

    def revise_need(
        self,
        need_id: UUID,
        *,
        actor: Actor,
        description: str | None = None,
        resolve: bool = False,
        occurred_at: datetime | None = None,
    ) -> None:
        """Change a need's description, or record it as resolved (or both)."""
        rules.check_plan_is_open(self)
        need = self._entry("need", self.needs, need_id)
        when = occurred(occurred_at)
        if description is None and not resolve:
            raise InvalidEntry("need", "name at least one field to change")
        if resolve:
            rules.check_entry_still_open("need", need.status, ["resolved"])
        if description is not None:
            self.trigger_event(
                ev.NeedRevised,
                actor=actor,
                occurred_at=when,
                need_id=need_id,
                changes={"description": description},
            )
        if resolve:
            self.trigger_event(ev.NeedResolved, actor=actor, occurred_at=when, need_id=need_id)

    def record_view(
        self,
        *,
        whose: str,
        text: str,
        actor: Actor,
        participant_id: UUID | None = None,
        how_gathered: str | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID:
        rules.check_plan_is_open(self)
        if participant_id is not None:
            self._known_participant("participant_id", participant_id)
        view_id = uuid4()
        self.trigger_event(
            ev.ViewRecorded,
            actor=actor,
            occurred_at=occurred(occurred_at),
            view_id=view_id,
            whose=str(whose),
            participant_id=participant_id,
            text=text,
            how_gathered=how_gathered,
        )
        return view_id

    def agree_outcome(
        self,
        *,
        description: str,
        success_criteria: str,
        target_date: date,
        actor: Actor,
        need_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID:
        rules.check_plan_is_open(self)
        self._check_references({"need_id": need_id})
        outcome_id = uuid4()
        self.trigger_event(
            ev.OutcomeAgreed,
            actor=actor,
            occurred_at=occurred(occurred_at),
            outcome_id=outcome_id,
            description=description,
            success_criteria=success_criteria,
            target_date=target_date,
            need_id=need_id,
        )
        return outcome_id

    def revise_outcome(
        self,
        outcome_id: UUID,
        changes: dict[str, Any],
        *,
        actor: Actor,
        occurred_at: datetime | None = None,
    ) -> None:
        """Amend an outcome from now on, or record it achieved or discontinued."""
        rules.check_plan_is_open(self)
        outcome = self._entry("outcome", self.outcomes, outcome_id)
        if not changes:
            raise InvalidEntry("outcome", "name at least one field to change")
        if "status" in changes:
            rules.check_entry_still_open("outcome", outcome.status, [changes["status"]])
        self._check_references(changes)
        self.trigger_event(
            ev.OutcomeRevised,
            actor=actor,
            occurred_at=occurred(occurred_at),
            outcome_id=outcome_id,
            changes=_plain(changes),
        )

    def agree_provision(
        self,
        *,
        description: str,
        kind: str,
        frequency: str,
        delivered_by: str,
        start_date: date,
        outcome_ids: list[UUID],
        actor: Actor,
        end_date: date | None = None,
        group_size: int | None = None,
        minutes_per_session: int | None = None,
        weekly_cost: Decimal | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID:
        rules.check_plan_is_open(self)
        self._check_references({"outcome_ids": outcome_ids})
        _check_dates(start_date, end_date)
        provision_id = uuid4()
        self.trigger_event(
            ev.ProvisionAgreed,
            actor=actor,
            occurred_at=occurred(occurred_at),
            provision_id=provision_id,
            description=description,
            kind=str(kind),
            frequency=frequency,
            delivered_by=delivered_by,
            start_date=start_date,
            end_date=end_date,
            outcome_ids=list(outcome_ids),
            group_size=group_size,
            minutes_per_session=minutes_per_session,
            weekly_cost=weekly_cost,
        )
        return provision_id

    def revise_provision(
        self,
        provision_id: UUID,
        changes: dict[str, Any],
        *,
        actor: Actor,
        end: bool = False,
        occurred_at: datetime | None = None,
    ) -> None:
        """Amend a provision from now on, or end it (or both)."""
        rules.check_plan_is_open(self)
        provision = self._entry("provision", self.provisions, provision_id)
        if not changes and not end:
            raise InvalidEntry("provision", "name at least one field to change")
        rules.check_entry_still_open("provision", provision.status, ["ended"])
        self._check_references(changes)
        _check_dates(
            changes.get("start_date", provision.start_date),
            changes.get("end_date", provision.end_date),
        )
        when = occurred(occurred_at)
        if changes:
            self.trigger_event(
                ev.ProvisionRevised,
                actor=actor,
                occurred_at=when,
                provision_id=provision_id,
                changes=_plain(changes),
            )
        if end:
            end_date = changes.get("end_date") or provision.end_date or when.date()
            self.trigger_event(
                ev.ProvisionEnded,
                actor=actor,
                occurred_at=when,
                provision_id=provision_id,
                end_date=end_date,
            )

    # ---- the cycle: review date, agreement, stages, reviews ------------------------------

    def schedule_review(
        self, review_date: date, *, actor: Actor, occurred_at: datetime | None = None
    ) -> None:
        rules.check_plan_is_open(self)
        when = occurred(occurred_at)
        if review_date < when.date():
            raise InvalidEntry("review_date", "may not be in the past")
        self.trigger_event(
            ev.ReviewScheduled, actor=actor, occurred_at=when, review_date=review_date
        )

    def agree_plan(
        self,
        *,
        agreed_by: list[UUID],
        method: str,
        actor: Actor,
        occurred_at: datetime | None = None,
    ) -> None:
        """Record that the plan as it stands was agreed, by whom and how."""
        rules.check_plan_is_open(self)
        self._check_agreed_by(agreed_by)
        self.trigger_event(
            ev.PlanAgreed,
            actor=actor,
            occurred_at=occurred(occurred_at),
            agreed_by=list(agreed_by),
            method=str(method),
        )

    def move_to(
        self,
        to: Stage | str,
        *,
        actor: Actor,
        reason: str | None = None,
        occurred_at: datetime | None = None,
    ) -> None:
        """Move the plan on to the next stage of the cycle, if the rules allow it."""
        target = Stage(to)
        when = occurred(occurred_at)
        rules.check_may_move_on(self, target, today=when.date())
        next_cycle = self.cycle + 1 if target is Stage.ASSESS else self.cycle
        self.trigger_event(
            ev.StageTransitioned,
            actor=actor,
            occurred_at=when,
            from_stage=self.stage,
            to_stage=target.value,
            cycle=next_cycle,
            reason=reason,
        )

    def record_review(
        self,
        *,
        held_on: date,
        attendees: list[UUID],
        progress: list[dict[str, Any]],
        impact: str,
        decision: str,
        actor: Actor,
        child_view: str | None = None,
        parent_view: str | None = None,
        next_review_date: date | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Record the review meeting: who came, progress on every open outcome, the decision."""
        rules.check_plan_is_open(self)
        when = occurred(occurred_at)
        if held_on > (when + EARLIEST_TIME_ZONE).date():
            raise InvalidEntry("held_on", "may not be in the future")
        for participant_id in attendees:
            self._known_participant("attendees", participant_id)
        rated = self._check_progress(progress)
        rules.check_progress_for_every_outcome(self, rated)
        if next_review_date is not None and next_review_date < held_on:
            raise InvalidEntry("next_review_date", "may not be before the review was held")
        review_id = uuid4()
        self.trigger_event(
            ev.ReviewRecorded,
            actor=actor,
            occurred_at=when,
            review_id=review_id,
            cycle=self.cycle,
            held_on=held_on,
            attendees=list(attendees),
            progress=[
                {
                    "outcome_id": p["outcome_id"],
                    "rating": str(p["rating"]),
                    "comment": p.get("comment"),
                }
                for p in progress
            ],
            impact=impact,
            child_view=child_view,
            parent_view=parent_view,
            decision=str(decision),
            next_review_date=next_review_date,
        )
        return review_id

    def close(
        self,
        *,
        reason: str,
        actor: Actor,
        note: str | None = None,
        occurred_at: datetime | None = None,
    ) -> None:
        rules.check_plan_is_open(self)
        self.trigger_event(
            ev.PlanClosed,
            actor=actor,
            occurred_at=occurred(occurred_at),
            reason=str(reason),
            note=note,
        )

    def reopen(
        self,
        *,
        reason: str,
        actor: Actor,
        note: str | None = None,
        occurred_at: datetime | None = None,
    ) -> None:
        rules.check_plan_is_closed(self)
        self.trigger_event(
            ev.PlanReopened,
            actor=actor,
            occurred_at=occurred(occurred_at),
            reason=reason,
            note=note,
        )

    # ---- corrections ---------------------------------------------------------------------

    def correct_entry(
        self,
        entry: ev.PlanEvent | ev.PlanOpened,
        changes: dict[str, Any],
        *,
        reason: str,
        actor: Actor,
        occurred_at: datetime | None = None,
    ) -> None:
        """Correct what an earlier entry of this plan recorded; the entry itself stays."""
        rules.check_plan_is_open(self)
        if entry.originator_id != self.id:
            raise InvalidEntry("event_version", "that entry belongs to another plan")
        if isinstance(entry, ev.EntryCorrected):
            raise InvalidEntry("event_version", "correct the original entry, not a correction")
        self._check_correctable(entry, changes)
        self._check_references(changes)
        self.trigger_event(
            ev.EntryCorrected,
            actor=actor,
            occurred_at=occurred(occurred_at),
            corrected_version=entry.originator_version,
            corrected_event_type=type(entry).__name__,
            corrected_entity_key=entry.entity_key(),
            changes=_plain(changes),
            reason=reason,
        )

    # ---- queries -------------------------------------------------------------------------

    def open_outcomes(self) -> list[Outcome]:
        return [o for o in self.outcomes.values() if o.status == "open"]

    def latest_review_of_cycle(self) -> Review | None:
        in_cycle = [r for r in self.reviews if r.cycle == self.cycle]
        return in_cycle[-1] if in_cycle else None

    def agreement_is_current(self) -> bool:
        return self.agreement is not None and self.agreement.version > self._last_change_version

    # ---- guards on references ------------------------------------------------------------

    def _entry(self, kind: str, entries: dict[str, Any], entry_id: UUID) -> Any:
        try:
            return entries[str(entry_id)]
        except KeyError:
            raise EntryNotFound(kind, entry_id) from None

    def _active_participant(self, participant_id: UUID) -> Participant:
        participant: Participant = self._entry("participant", self.participants, participant_id)
        if not participant.active:
            raise EntryNotFound("participant", participant_id)
        return participant

    def _known_participant(self, field: str, participant_id: UUID) -> Participant:
        participant = self.participants.get(str(participant_id))
        if participant is None or not participant.active:
            raise InvalidEntry(field, f"{participant_id} is not a participant in this plan")
        return participant

    def _check_references(self, fields: dict[str, Any]) -> None:
        need_id = fields.get("need_id")
        if need_id is not None and str(need_id) not in self.needs:
            raise InvalidEntry("need_id", f"{need_id} is not a need in this plan")
        for outcome_id in fields.get("outcome_ids") or []:
            if str(outcome_id) not in self.outcomes:
                raise InvalidEntry("outcome_ids", f"{outcome_id} is not an outcome in this plan")
        if fields.get("participant_id") is not None:
            self._known_participant("participant_id", fields["participant_id"])
        for participant_id in fields.get("attendees") or []:
            self._known_participant("attendees", participant_id)
        if "agreed_by" in fields:
            self._check_agreed_by(fields["agreed_by"])
        if "progress" in fields:
            self._check_progress(fields["progress"])

    def _check_agreed_by(self, agreed_by: list[UUID]) -> None:
        people = [self._known_participant("agreed_by", pid) for pid in agreed_by]
        if not any(p.speaks_for_the_child_as_parent for p in people):
            raise InvalidEntry(
                "agreed_by",
                "must include a parent or carer, or a participant with parental responsibility",
            )

    def _check_progress(self, progress: list[dict[str, Any]]) -> list[UUID]:
        rated: list[UUID] = []
        for item in progress:
            outcome_id = item["outcome_id"]
            if str(outcome_id) not in self.outcomes:
                raise InvalidEntry("progress", f"{outcome_id} is not an outcome in this plan")
            if outcome_id in rated:
                raise InvalidEntry("progress", f"outcome {outcome_id} is rated twice")
            rated.append(outcome_id)
        return rated


def _plain(changes: dict[str, Any]) -> dict[str, Any]:
    """Enum members as their plain values, so the event records only JSON-friendly values."""
    return {k: (v.value if hasattr(v, "value") else v) for k, v in changes.items()}


def _check_dates(start: date, end: date | None) -> None:
    if end is not None and end < start:
        raise InvalidEntry("end_date", "may not be before start_date")

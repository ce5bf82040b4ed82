"""PlanLedger: the One Plan application. One short method per use case: get → command → save."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    JSONTranscoder,
    Recording,
    StoredEvent,
)
from eventsourcing.utils import Environment

from domain.errors import InvalidEntry
from domain.events import PlanEvent, PlanOpened
from domain.plan import OnePlan
from domain.values import Actor
from services.store import positions_of, store_setup_lock, without_prepared_statements
from services.timeline import TIMELINE_RECORDERS, TimelineQueries, micros, timeline_rows
from services.timetravel import ValidTimeView, plan_valid_at, replay
from services.transcodings import register_plan_transcodings

Event = PlanEvent | PlanOpened


class PlanNotFound(Exception):
    def __init__(self, plan_id: UUID) -> None:
        super().__init__(f"no plan {plan_id}")
        self.plan_id = plan_id


class PlanNotYetRecorded(PlanNotFound):
    """The plan exists, but nothing of it had been recorded at the time asked about."""

    def __init__(self, plan_id: UUID, as_of: datetime) -> None:
        Exception.__init__(self, f"plan {plan_id} had not been opened as of {as_of.isoformat()}")
        self.plan_id = plan_id


class PlanNotYetHappened(PlanNotFound):
    """The plan exists, but it had not been opened in the world by the time asked about."""

    def __init__(self, plan_id: UUID, valid_at: datetime) -> None:
        Exception.__init__(
            self,
            f"plan {plan_id} had not been opened as of {valid_at.isoformat()} "
            "(by when things happened in the world)",
        )
        self.plan_id = plan_id


class StaleVersion(Exception):
    """The client wrote against a version that is no longer the plan's latest (HTTP 412)."""

    def __init__(self, expected: int, actual: int | None) -> None:
        super().__init__(
            f"the plan is at version {actual}, not {expected}: read it again and retry"
            if actual is not None
            else f"the plan changed after version {expected}: read it again and retry"
        )
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class Written:
    """The plan after a write, the global position of its last event, and any new entry's id."""

    plan: OnePlan
    position: int
    created_id: UUID | None = None


@dataclass(frozen=True)
class Recorded:
    """One stored event of a plan with its global position."""

    event: Event
    position: int


class PlanLedger(Application[UUID]):
    """The system of record for One Plans: every change an immutable event."""

    name = "PlanLedger"
    snapshotting_intervals = {OnePlan: 50}

    def construct_factory(self, env: Environment) -> InfrastructureFactory:
        return without_prepared_statements(super().construct_factory(env))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_plan_transcodings(transcoder)

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        with store_setup_lock({**os.environ, **(env or {})}):
            super().__init__(env)

    def construct_env(self, name: str, env: Any = None) -> Environment:
        """The store's recorder writes the plan timeline (see `services.timeline`)."""
        environment = super().construct_env(name, env)
        topic = TIMELINE_RECORDERS.get(environment.get("PERSISTENCE_MODULE", ""))
        if topic and not environment.get("APPLICATION_RECORDER_TOPIC"):
            environment["APPLICATION_RECORDER_TOPIC"] = topic
        return environment

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        # The timeline rows go into the same transaction as the events they index.
        processing_event.saved_kwargs["timeline"] = timeline_rows(processing_event.events)
        return super()._record(processing_event)

    # ---- writes --------------------------------------------------------------------------

    def open_plan(
        self,
        *,
        child: dict[str, Any],
        setting: dict[str, Any],
        actor: Actor,
        occurred_at: datetime | None = None,
    ) -> Written:
        plan = OnePlan.open(child=child, setting=setting, actor=actor, occurred_at=occurred_at)
        recordings = self.save(plan)
        return Written(plan, recordings[-1].notification.id, plan.id)

    def add_participant(self, plan_id: UUID, version: int, **details: Any) -> Written:
        return self._change(plan_id, version, lambda plan: plan.add_participant(**details))

    def remove_participant(
        self, plan_id: UUID, version: int, participant_id: UUID, **details: Any
    ) -> Written:
        return self._change(
            plan_id, version, lambda plan: plan.remove_participant(participant_id, **details)
        )

    def update_profile(self, plan_id: UUID, version: int, **details: Any) -> Written:
        return self._change(plan_id, version, lambda plan: plan.update_profile(**details))

    def identify_need(self, plan_id: UUID, version: int, **details: Any) -> Written:
        return self._change(plan_id, version, lambda plan: plan.identify_need(**details))

    def revise_need(self, plan_id: UUID, version: int, need_id: UUID, **details: Any) -> Written:
        return self._change(plan_id, version, lambda plan: plan.revise_need(need_id, **details))

    def record_view(self, plan_id: UUID, version: int, **details: Any) -> Written:
        return self._change(plan_id, version, lambda plan: plan.record_view(**details))

    def agree_outcome(self, plan_id: UUID, version: int, **details: Any) -> Written:
        return self._change(plan_id, version, lambda plan: plan.agree_outcome(**details))

    def revise_outcome(
        self, plan_id: UUID, version: int, outcome_id: UUID, **details: Any
    ) -> Written:
        return self._change(
            plan_id, version, lambda plan: plan.revise_outcome(outcome_id, **details)
        )

    def agree_provision(self, plan_id: UUID, version: int, **details: Any) -> Written:
        return self._change(plan_id, version, lambda plan: plan.agree_provision(**details))

    def revise_provision(
        self, plan_id: UUID, version: int, provision_id: UUID, **details: Any
    ) -> Written:
        return self._change(
            plan_id, version, lambda plan: plan.revise_provision(provision_id, **details)
        )

    def schedule_review(self, plan_id: UUID, version: int, **details: Any) -> Written:
        return self._change(plan_id, version, lambda plan: plan.schedule_review(**details))

    def agree_plan(self, plan_id: UUID, version: int, **details: Any) -> Written:
        return self._change(plan_id, version, lambda plan: plan.agree_plan(**details))

    def move_to(self, plan_id: UUID, version: int, **details: Any) -> Written:
        return self._change(plan_id, version, lambda plan: plan.move_to(**details))

    def record_review(self, plan_id: UUID, version: int, **details: Any) -> Written:
        return self._change(plan_id, version, lambda plan: plan.record_review(**details))

    def close_plan(self, plan_id: UUID, version: int, **details: Any) -> Written:
        return self._change(plan_id, version, lambda plan: plan.close(**details))

    def reopen_plan(self, plan_id: UUID, version: int, **details: Any) -> Written:
        return self._change(plan_id, version, lambda plan: plan.reopen(**details))

    def correct_entry(
        self, plan_id: UUID, version: int, event_version: int, **details: Any
    ) -> Written:
        """Correct what the plan's entry at `event_version` recorded; that entry stays."""
        entry = self.entry(plan_id, event_version)
        return self._change(plan_id, version, lambda plan: plan.correct_entry(entry, **details))

    def _change(
        self, plan_id: UUID, version: int, command: Callable[[OnePlan], UUID | None]
    ) -> Written:
        plan = self.get_plan(plan_id)
        if plan.version != version:
            raise StaleVersion(version, plan.version)
        created_id = command(plan)
        try:
            recordings = self.save(plan)
        except IntegrityError:
            # Another writer saved the same version first: optimistic concurrency at the store.
            raise StaleVersion(version, None) from None
        return Written(plan, recordings[-1].notification.id, created_id)

    # ---- reads ---------------------------------------------------------------------------

    def get_plan(self, plan_id: UUID) -> OnePlan:
        try:
            plan: OnePlan = self.repository.get(plan_id)
        except AggregateNotFoundError:
            raise PlanNotFound(plan_id) from None
        return plan

    def plan_as_of(self, plan_id: UUID, as_of: datetime) -> OnePlan:
        """The plan exactly as the ledger had recorded it at `as_of`.

        One round trip: `version_at`'s seek, the nearest snapshot and the events after it come
        back from one query (when nothing comes back, `version_at` says why).
        """
        timeline = self.timeline()
        if timeline is not None and self.snapshots is not None:
            plan = self._rebuild(timeline.stored_as_of(plan_id, micros(as_of)))
            if plan is not None:
                return plan
        return self.plan_at_version(plan_id, self._known_at(plan_id, as_of))

    def plan_at_version(self, plan_id: UUID, version: int) -> OnePlan:
        """The plan as it was at `version`: from the nearest snapshot, plus the events after."""
        timeline = self.timeline()
        if timeline is None or self.snapshots is None:
            found: OnePlan = self.repository.get(plan_id, version=version, projector_func=replay)
            return found
        plan = self._rebuild(timeline.stored_at_version(plan_id, version))
        if plan is None:
            raise PlanNotFound(plan_id)
        return plan

    def _rebuild(self, stored: list[StoredEvent]) -> OnePlan | None:
        return replay(None, map(self.mapper.to_domain_event, stored))

    def plan_valid_at(
        self, plan_id: UUID, valid_at: datetime, as_of: datetime | None = None
    ) -> ValidTimeView:
        """The plan as it was in the world at `valid_at` (by occurred_at), as known at `as_of`
        (now by default): see `services.timetravel`."""
        upto = self._known_at(plan_id, as_of) if as_of else self.get_plan(plan_id).version
        timeline = self.timeline()
        if timeline is None:
            raise NotImplementedError("valid_at needs the SQLite or PostgreSQL store")
        view = plan_valid_at(self, timeline, plan_id, valid_at, upto)
        if view is None and self._index_if_unindexed(timeline, plan_id):
            view = plan_valid_at(self, timeline, plan_id, valid_at, upto)
        if view is None:
            raise PlanNotYetHappened(plan_id, valid_at)
        return view

    def version_at(self, plan_id: UUID, recorded_at: datetime) -> int | None:
        """The plan's latest version recorded at or before `recorded_at` (None: not yet opened).

        Every as-of read goes through here: one seek in the plan timeline, whatever the length
        of the history (a scan of the events on a store without a timeline).
        """
        timeline = self.timeline()
        if timeline is not None:
            version = timeline.timeline_version_at(plan_id, micros(recorded_at))
            if version is None and self._index_if_unindexed(timeline, plan_id):
                version = timeline.timeline_version_at(plan_id, micros(recorded_at))
            return version
        version = None
        for event in cast(Iterable[Event], self.events.get(plan_id)):
            if event.timestamp > recorded_at:
                break
            version = event.originator_version
        return version

    def chain_head_at(self, plan_id: UUID, version: int) -> str:
        """The plan's hash-chain head at `version`: the hash its event there recorded (what
        the stage-transition message carries as `chain_head`)."""
        return str(self.entry(plan_id, version).hash)

    def _known_at(self, plan_id: UUID, as_of: datetime) -> int:
        version = self.version_at(plan_id, as_of)
        if version is None:
            self.get_plan(plan_id)  # raises PlanNotFound when there is no such plan at all
            raise PlanNotYetRecorded(plan_id, as_of)
        return version

    def timeline(self) -> TimelineQueries | None:
        """The store's plan timeline; None on a store without one (the in-memory store)."""
        return self.recorder if isinstance(self.recorder, TimelineQueries) else None

    def _index_if_unindexed(self, timeline: TimelineQueries, plan_id: UUID) -> bool:
        """Give a plan recorded before the timeline existed its rows; True if it had none."""
        if timeline.timeline_last_version(plan_id) is not None:
            return False
        timeline.record_timeline(timeline_rows(list(self.events.get(plan_id))))
        return True

    def events_at(self, plan_id: UUID, versions: list[int]) -> list[Event]:
        """The plan's events at exactly these versions, in version order, in one query."""
        timeline = self.timeline()
        if not versions:
            return []
        if timeline is None:
            wanted = set(versions)
            return [e for e in self.events_of(plan_id) if e.originator_version in wanted]
        stored = timeline.stored_versions(plan_id, versions)
        return [cast(Event, self.mapper.to_domain_event(s)) for s in stored]

    def events_of(self, plan_id: UUID, after: int = 0, upto: int | None = None) -> list[Event]:
        """The plan's events in versions (after, upto], oldest first, as recorded."""
        return cast(list[Event], list(self.events.get(plan_id, gt=after, lte=upto)))

    def entry(self, plan_id: UUID, version: int) -> Event:
        """The plan's event at `version`, as it was recorded."""
        self.get_plan(plan_id)
        found = list(self.events.get(plan_id, gt=version - 1, lte=version))
        if not found:
            raise InvalidEntry("event_version", f"this plan has no entry {version}")
        return cast(Event, found[0])

    def history(self, plan_id: UUID, after_version: int, limit: int) -> list[Recorded]:
        """The plan's events after `after_version`, oldest first, with their positions."""
        self.get_plan(plan_id)
        events = cast(list[Event], list(self.events.get(plan_id, gt=after_version, limit=limit)))
        if not events:
            return []
        positions = positions_of(
            self.recorder, plan_id, events[0].originator_version, events[-1].originator_version
        )
        return [Recorded(e, positions[e.originator_version]) for e in events]

    def feed(self, after: int, limit: int) -> list[Recorded]:
        """Every plan's events after global position `after`, in the order they were recorded."""
        notifications = self.recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )
        return [Recorded(cast(Event, self.mapper.to_domain_event(n)), n.id) for n in notifications]

    def head_position(self) -> int:
        """The global position of the last recorded event (0 for an empty store)."""
        return self.recorder.max_notification_id() or 0

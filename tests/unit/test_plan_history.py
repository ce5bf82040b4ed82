"""The plan's history: every event type comes from its command, carries who and when, and
replaying the events rebuilds exactly the same plan."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.application import project_aggregate

from domain.events import EVENT_TYPES, EntryCorrected, ReviewRecorded
from domain.plan import OnePlan
from domain.values import Actor
from tests.unit.plan_builders import identify_a_need, plan_after_two_full_cycles


def state_of(plan: OnePlan | None) -> dict[str, Any]:
    assert plan is not None
    return {k: v for k, v in vars(plan).items() if k != "_pending_events"}


def test_the_two_cycle_scenario_records_every_type_of_event() -> None:
    plan = plan_after_two_full_cycles()
    produced = {type(e) for e in plan.collect_events()}
    assert produced == set(EVENT_TYPES)


def test_every_event_carries_who_did_it_and_when_it_happened() -> None:
    events: list[Any] = list(plan_after_two_full_cycles().collect_events())

    for event in events:
        assert isinstance(event.actor, Actor), type(event).__name__
        assert isinstance(event.occurred_at, datetime), type(event).__name__
        assert event.occurred_at.utcoffset() is not None
        assert event.occurred_at <= event.timestamp + timedelta(seconds=5)


def test_event_versions_run_one_by_one_from_the_opening() -> None:
    plan = plan_after_two_full_cycles()
    events = plan.collect_events()
    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
    assert plan.version == len(events)
    assert {e.originator_id for e in events} == {plan.id}


def test_the_scenario_ends_in_the_third_cycle_with_two_reviews() -> None:
    plan = plan_after_two_full_cycles()
    assert (plan.stage, plan.cycle, plan.status) == ("assess", 3, "open")
    assert [r.cycle for r in plan.reviews] == [1, 2]
    assert len(plan.corrections) == 1 and plan.child.name == "Aly"


def test_replaying_the_events_rebuilds_the_same_plan() -> None:
    original = plan_after_two_full_cycles()
    events = original.collect_events()

    replayed = project_aggregate(None, events)

    assert isinstance(replayed, OnePlan)
    assert state_of(replayed) == state_of(original)


def test_replaying_by_folding_mutate_rebuilds_the_same_plan() -> None:
    original = plan_after_two_full_cycles()
    events = original.collect_events()

    replayed = functools.reduce(lambda plan, event: event.mutate(plan), events, None)

    assert state_of(replayed) == state_of(original)


def test_replaying_up_to_an_event_rebuilds_the_plan_as_it_stood_then() -> None:
    original = plan_after_two_full_cycles()
    events = original.collect_events()
    first_review = next(i for i, e in enumerate(events) if isinstance(e, ReviewRecorded))

    as_it_stood = project_aggregate(None, events[: first_review + 1])

    assert isinstance(as_it_stood, OnePlan)
    assert (as_it_stood.stage, as_it_stood.cycle, len(as_it_stood.reviews)) == ("review", 1, 1)
    assert as_it_stood.version == events[first_review].originator_version


def test_replaying_up_to_the_correction_gives_the_plan_as_first_recorded() -> None:
    original = plan_after_two_full_cycles()
    events = original.collect_events()
    correction = next(i for i, e in enumerate(events) if isinstance(e, EntryCorrected))

    replayed = project_aggregate(None, events[:correction])

    assert isinstance(replayed, OnePlan)
    assert (replayed.child.name, replayed.child.corrected, replayed.corrections) == (
        "Ali",
        None,
        [],
    )


def test_a_copied_plan_is_equal_and_independent_of_the_original() -> None:
    import copy

    plan = plan_after_two_full_cycles()
    plan.collect_events()
    copied = copy.deepcopy(plan)
    assert copied.__dict__ == plan.__dict__
    identify_a_need(copied, "Only in the copy.")
    assert len(copied.needs) == len(plan.needs) + 1

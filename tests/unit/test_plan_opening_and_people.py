"""Opening a plan, when things happened, the people involved, the profile and their views."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.entities import Child, Setting
from domain.errors import EntryNotFound, InvalidEntry
from domain.events import (
    ParticipantAdded,
    ParticipantRemoved,
    PlanOpened,
    ProfileUpdated,
    ViewRecorded,
)
from domain.plan import OnePlan
from tests.unit.plan_builders import (
    SENCO,
    TEACHER,
    a_child,
    a_setting,
    add_key_person,
    add_parent,
    agree_a_provision,
    agree_an_outcome,
    days_ago,
    identify_a_need,
    last_event,
    open_plan,
    parent_of,
    plan_in_assess,
    utc_today,
)


def test_opening_a_plan_starts_it_open_in_the_assess_stage_of_cycle_one() -> None:
    plan = open_plan()

    assert (plan.status, plan.stage, plan.cycle) == ("open", "assess", 1)
    assert plan.child == Child(ref="C-17", name="Ali", date_of_birth=date(2021, 3, 4))
    assert plan.setting == Setting(ref="URN-1", name="Oak Nursery", phase="early_years")
    assert plan.participants == {} and plan.needs == {} and plan.stage_history == []


def test_opening_a_plan_records_plan_opened_with_its_actor_child_and_setting() -> None:
    opened_at = days_ago(3)
    plan = open_plan(actor=TEACHER, occurred_at=opened_at)

    (event,) = plan.collect_events()
    assert isinstance(event, PlanOpened)
    assert event.actor == TEACHER
    assert event.occurred_at == opened_at == plan.opened_at
    assert event.child == a_child() and event.setting == a_setting()


def test_a_plan_can_be_opened_with_a_chosen_id() -> None:
    plan_id = uuid4()
    plan = OnePlan.open(child=a_child(), setting=a_setting(), actor=SENCO, plan_id=plan_id)
    assert plan.id == plan_id


def test_a_plan_cannot_be_opened_for_a_child_born_in_the_future() -> None:
    next_week = utc_today() + timedelta(days=7)
    with pytest.raises(InvalidEntry) as refused:
        OnePlan.open(child=a_child(date_of_birth=next_week), setting=a_setting(), actor=SENCO)
    assert refused.value.field == "child.date_of_birth"


# ---- occurred_at: now by default, may be in the past, never in the future, never naive ----


def test_occurred_at_defaults_to_now() -> None:
    before = datetime.now(UTC)
    plan = open_plan()
    add_parent(plan)
    after = datetime.now(UTC)

    assert before <= plan.opened_at <= after
    assert before <= last_event(plan).occurred_at <= after


def test_occurred_at_may_be_given_in_the_past() -> None:
    plan = plan_in_assess()
    a_week_ago = days_ago(7)
    need_id = plan.identify_need(
        area="sensory_and_physical",
        description="Tires quickly.",
        actor=SENCO,
        occurred_at=a_week_ago,
    )

    assert last_event(plan).occurred_at == a_week_ago
    assert plan.needs[str(need_id)].identified_at == a_week_ago


def test_occurred_at_within_the_allowed_clock_skew_is_accepted() -> None:
    plan = plan_in_assess()
    slightly_ahead = datetime.now(UTC) + timedelta(seconds=2)
    plan.update_profile({"strengths": "Kind"}, actor=SENCO, occurred_at=slightly_ahead)
    assert last_event(plan).occurred_at == slightly_ahead


COMMANDS_TAKING_OCCURRED_AT: dict[str, Callable[[OnePlan, datetime], Any]] = {
    "open": lambda _plan, at: OnePlan.open(
        child=a_child(), setting=a_setting(), actor=SENCO, occurred_at=at
    ),
    "add_participant": lambda plan, at: plan.add_participant(
        name="Al", role="teacher", actor=SENCO, occurred_at=at
    ),
    "identify_need": lambda plan, at: plan.identify_need(
        area="cognition_and_learning", description="d", actor=SENCO, occurred_at=at
    ),
    "update_profile": lambda plan, at: plan.update_profile(
        {"strengths": "s"}, actor=SENCO, occurred_at=at
    ),
    "schedule_review": lambda plan, at: plan.schedule_review(
        utc_today() + timedelta(days=30), actor=SENCO, occurred_at=at
    ),
    "move_to": lambda plan, at: plan.move_to("plan", actor=SENCO, occurred_at=at),
    "close": lambda plan, at: plan.close(reason="other", actor=SENCO, occurred_at=at),
}


@pytest.mark.parametrize("command", sorted(COMMANDS_TAKING_OCCURRED_AT))
def test_occurred_at_in_the_future_is_refused(command: str) -> None:
    plan = plan_in_assess()
    identify_a_need(plan)
    before = len(plan.pending_events)

    with pytest.raises(InvalidEntry) as refused:
        COMMANDS_TAKING_OCCURRED_AT[command](plan, datetime.now(UTC) + timedelta(minutes=5))

    assert refused.value.field == "occurred_at"
    assert len(plan.pending_events) == before


@pytest.mark.parametrize("command", sorted(COMMANDS_TAKING_OCCURRED_AT))
def test_occurred_at_without_a_utc_offset_is_refused(command: str) -> None:
    plan = plan_in_assess()
    identify_a_need(plan)
    naive = datetime.now() - timedelta(days=1)  # noqa: DTZ005 - naive on purpose

    with pytest.raises(InvalidEntry) as refused:
        COMMANDS_TAKING_OCCURRED_AT[command](plan, naive)

    assert refused.value.field == "occurred_at"


# ---- participants -----------------------------------------------------------------------------


def test_adding_a_participant_records_who_they_are() -> None:
    plan = open_plan()
    participant_id = plan.add_participant(
        name="Dee",
        role="speech_and_language_therapist",
        organisation="NHS Trust",
        contact="dee@example.org",
        actor=TEACHER,
    )

    event = last_event(plan)
    assert isinstance(event, ParticipantAdded)
    assert (event.actor, event.participant_id, event.role) == (
        TEACHER,
        participant_id,
        "speech_and_language_therapist",
    )
    participant = plan.participants[str(participant_id)]
    assert (participant.name, participant.organisation, participant.contact) == (
        "Dee",
        "NHS Trust",
        "dee@example.org",
    )
    assert participant.active and not participant.has_parental_responsibility


def test_a_parent_carer_speaks_for_the_child_as_parent_even_without_the_flag() -> None:
    plan = open_plan()
    parent = plan.add_participant(name="Pat", role="parent_carer", actor=SENCO)
    guardian = plan.add_participant(
        name="Gil", role="social_worker", has_parental_responsibility=True, actor=SENCO
    )
    key_person = add_key_person(plan)

    speaks = {
        pid: plan.participants[str(pid)].speaks_for_the_child_as_parent
        for pid in (parent, guardian, key_person)
    }
    assert speaks == {parent: True, guardian: True, key_person: False}


def test_removing_a_participant_marks_them_inactive_and_keeps_them_on_record() -> None:
    plan = plan_in_assess()
    parent_id = parent_of(plan)

    plan.remove_participant(parent_id, actor=SENCO)

    event = last_event(plan)
    assert isinstance(event, ParticipantRemoved)
    assert event.participant_id == parent_id and event.actor == SENCO
    assert plan.participants[str(parent_id)].active is False


def test_removing_a_participant_twice_is_refused_as_not_found() -> None:
    plan = plan_in_assess()
    parent_id = parent_of(plan)
    plan.remove_participant(parent_id, actor=SENCO)

    with pytest.raises(EntryNotFound) as refused:
        plan.remove_participant(parent_id, actor=SENCO)

    assert (refused.value.kind, refused.value.entry_id) == ("participant", parent_id)


def test_removing_an_unknown_participant_is_refused_as_not_found() -> None:
    plan = plan_in_assess()
    with pytest.raises(EntryNotFound):
        plan.remove_participant(uuid4(), actor=SENCO)


# ---- the profile and views ----------------------------------------------------------------


def test_updating_the_profile_changes_only_the_named_fields() -> None:
    plan = open_plan()
    plan.update_profile({"strengths": "Kind", "aspirations": "Be a vet"}, actor=SENCO)
    plan.update_profile(
        {"aspirations": "Be a pilot", "preparing_for_adulthood": {"community": "Cubs"}},
        actor=TEACHER,
    )

    event = last_event(plan)
    assert isinstance(event, ProfileUpdated) and event.actor == TEACHER
    assert (plan.profile.strengths, plan.profile.aspirations) == ("Kind", "Be a pilot")
    assert plan.profile.preparing_for_adulthood == {
        "employment": None,
        "independent_living": None,
        "community": "Cubs",
        "health": None,
    }


def test_updating_the_profile_with_no_changes_is_refused() -> None:
    plan = open_plan()
    with pytest.raises(InvalidEntry) as refused:
        plan.update_profile({}, actor=SENCO)
    assert refused.value.field == "profile"


def test_recording_a_view_keeps_whose_it_is_and_how_it_was_gathered() -> None:
    plan = plan_in_assess()
    said_at = days_ago(2)
    view_id = plan.record_view(
        whose="parent_carer",
        participant_id=parent_of(plan),
        text="He loves trains.",
        how_gathered="home visit",
        actor=SENCO,
        occurred_at=said_at,
    )

    event = last_event(plan)
    assert isinstance(event, ViewRecorded) and event.view_id == view_id
    view = plan.views[str(view_id)]
    assert (view.whose, view.participant_id, view.text, view.how_gathered, view.occurred_at) == (
        "parent_carer",
        parent_of(plan),
        "He loves trains.",
        "home visit",
        said_at,
    )


def test_a_view_may_be_recorded_without_naming_a_participant() -> None:
    plan = open_plan()
    view_id = plan.record_view(whose="child", text="I like the sand pit.", actor=SENCO)
    assert plan.views[str(view_id)].participant_id is None


def test_a_view_naming_someone_who_is_not_a_participant_is_refused() -> None:
    plan = plan_in_assess()
    with pytest.raises(InvalidEntry) as refused:
        plan.record_view(whose="child", participant_id=uuid4(), text="Hi", actor=SENCO)
    assert refused.value.field == "participant_id"
    assert plan.views == {}


# ---- identities -----------------------------------------------------------------------------


def test_every_entry_of_a_plan_gets_its_own_id() -> None:
    plan = plan_in_assess()
    need_ids = [identify_a_need(plan) for _ in range(3)]
    outcome_ids = [agree_an_outcome(plan) for _ in range(3)]
    provision_ids = [agree_a_provision(plan, outcome_ids) for _ in range(3)]
    view_ids = [plan.record_view(whose="child", text="x", actor=SENCO) for _ in range(3)]
    participant_ids = [*plan.participants, str(add_parent(plan, "Second parent"))]

    every_id = [str(i) for i in need_ids + outcome_ids + provision_ids + view_ids] + participant_ids
    assert len(every_id) == 15
    assert len(set(every_id)) == len(every_id)
    assert len(plan.needs) == len(plan.outcomes) == len(plan.provisions) == len(plan.views) == 3


def test_two_plans_are_different_aggregates() -> None:
    assert open_plan().id != open_plan().id

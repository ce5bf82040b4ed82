"""Needs, outcomes, provision, the review date and the parent's agreement: their commands,
the events they record and the references they must get right."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.errors import EntryNotFound, InvalidEntry, RuleViolation
from domain.events import (
    NeedIdentified,
    NeedResolved,
    NeedRevised,
    OutcomeAgreed,
    OutcomeRevised,
    PlanAgreed,
    ProvisionAgreed,
    ProvisionEnded,
    ProvisionRevised,
    ReviewScheduled,
)
from tests.unit.plan_builders import (
    SENCO,
    TEACHER,
    add_key_person,
    agree_a_provision,
    agree_an_outcome,
    days_ago,
    days_from_today,
    last_event,
    need_of,
    new_events,
    outcome_of,
    parent_of,
    plan_in_assess,
    plan_in_plan_stage,
    plan_ready_for_do,
    plan_with_a_need,
    provision_of,
    utc_today,
)

# ---- needs ----------------------------------------------------------------------------------


def test_identifying_a_need_records_its_area_and_description_as_open() -> None:
    plan = plan_in_assess()
    need_id = plan.identify_need(
        area="social_emotional_and_mental_health", description="Upset at drop-off.", actor=TEACHER
    )

    event = last_event(plan)
    assert isinstance(event, NeedIdentified)
    assert (event.need_id, event.area, event.actor) == (
        need_id,
        "social_emotional_and_mental_health",
        TEACHER,
    )
    need = plan.needs[str(need_id)]
    assert (need.area, need.description, need.status) == (
        "social_emotional_and_mental_health",
        "Upset at drop-off.",
        "open",
    )


def test_revising_a_need_changes_its_description() -> None:
    plan = plan_with_a_need()
    need_id = need_of(plan)

    plan.revise_need(need_id, description="Says about ten words.", actor=SENCO)

    event = last_event(plan)
    assert isinstance(event, NeedRevised)
    assert event.changes == {"description": "Says about ten words."}
    assert plan.needs[str(need_id)].description == "Says about ten words."
    assert plan.needs[str(need_id)].status == "open"


def test_resolving_a_need_records_need_resolved() -> None:
    plan = plan_with_a_need()
    need_id = need_of(plan)

    plan.revise_need(need_id, resolve=True, actor=SENCO)

    event = last_event(plan)
    assert isinstance(event, NeedResolved) and event.need_id == need_id
    assert plan.needs[str(need_id)].status == "resolved"


def test_revising_and_resolving_a_need_at_once_records_both_at_the_same_time() -> None:
    plan = plan_with_a_need()
    need_id = need_of(plan)
    before = len(plan.pending_events)
    when = days_ago(1)

    plan.revise_need(need_id, description="Now talks", resolve=True, actor=SENCO, occurred_at=when)

    events = new_events(plan, before)
    assert [type(e) for e in events] == [NeedRevised, NeedResolved]
    assert {e.occurred_at for e in events} == {when}
    assert plan.needs[str(need_id)].status == "resolved"


def test_resolving_a_resolved_need_is_refused_as_closed() -> None:
    plan = plan_with_a_need()
    need_id = need_of(plan)
    plan.revise_need(need_id, resolve=True, actor=SENCO)
    before = len(plan.pending_events)

    with pytest.raises(RuleViolation) as refused:
        plan.revise_need(need_id, description="Again", resolve=True, actor=SENCO)

    assert refused.value.rule == "entry_closed"
    assert len(plan.pending_events) == before


def test_revising_a_need_with_nothing_to_change_is_refused() -> None:
    plan = plan_with_a_need()
    with pytest.raises(InvalidEntry) as refused:
        plan.revise_need(need_of(plan), actor=SENCO)
    assert refused.value.field == "need"


def test_revising_an_unknown_need_is_refused_as_not_found() -> None:
    plan = plan_with_a_need()
    missing = uuid4()
    with pytest.raises(EntryNotFound) as refused:
        plan.revise_need(missing, description="x", actor=SENCO)
    assert (refused.value.kind, refused.value.entry_id) == ("need", missing)


# ---- outcomes ---------------------------------------------------------------------------------


def test_agreeing_an_outcome_records_it_as_open_and_linked_to_its_need() -> None:
    plan = plan_with_a_need()
    need_id = need_of(plan)
    target = days_from_today(100)

    outcome_id = plan.agree_outcome(
        description="Uses 50 words",
        success_criteria="Heard at home",
        target_date=target,
        need_id=need_id,
        actor=TEACHER,
    )

    event = last_event(plan)
    assert isinstance(event, OutcomeAgreed) and event.actor == TEACHER
    outcome = plan.outcomes[str(outcome_id)]
    assert (outcome.need_id, outcome.target_date, outcome.status) == (need_id, target, "open")


def test_an_outcome_may_stand_without_a_need() -> None:
    plan = plan_in_assess()
    outcome_id = agree_an_outcome(plan)
    assert plan.outcomes[str(outcome_id)].need_id is None


def test_an_outcome_for_an_unknown_need_is_refused() -> None:
    plan = plan_with_a_need()
    with pytest.raises(InvalidEntry) as refused:
        agree_an_outcome(plan, need_id=uuid4())
    assert refused.value.field == "need_id"
    assert plan.outcomes == {}


def test_revising_an_outcome_changes_it_from_now_on() -> None:
    plan = plan_ready_for_do()
    outcome_id = outcome_of(plan)
    later = days_from_today(200)

    plan.revise_outcome(outcome_id, {"target_date": later, "success_criteria": "Said"}, actor=SENCO)

    event = last_event(plan)
    assert isinstance(event, OutcomeRevised)
    assert event.changes == {"target_date": later, "success_criteria": "Said"}
    outcome = plan.outcomes[str(outcome_id)]
    assert (outcome.target_date, outcome.success_criteria) == (later, "Said")


def test_an_outcome_can_be_recorded_achieved_and_then_is_no_longer_open() -> None:
    plan = plan_ready_for_do()
    outcome_id = outcome_of(plan)

    plan.revise_outcome(outcome_id, {"status": "achieved"}, actor=SENCO)

    assert plan.outcomes[str(outcome_id)].status == "achieved"
    assert plan.open_outcomes() == []


def test_recording_an_achieved_outcome_achieved_again_is_refused_as_closed() -> None:
    plan = plan_ready_for_do()
    outcome_id = outcome_of(plan)
    plan.revise_outcome(outcome_id, {"status": "achieved"}, actor=SENCO)

    with pytest.raises(RuleViolation) as refused:
        plan.revise_outcome(outcome_id, {"status": "achieved"}, actor=SENCO)

    assert refused.value.rule == "entry_closed"


def test_revising_an_outcome_to_an_unknown_need_is_refused() -> None:
    plan = plan_ready_for_do()
    with pytest.raises(InvalidEntry) as refused:
        plan.revise_outcome(outcome_of(plan), {"need_id": uuid4()}, actor=SENCO)
    assert refused.value.field == "need_id"


def test_revising_an_outcome_with_nothing_to_change_is_refused() -> None:
    plan = plan_ready_for_do()
    with pytest.raises(InvalidEntry) as refused:
        plan.revise_outcome(outcome_of(plan), {}, actor=SENCO)
    assert refused.value.field == "outcome"


def test_revising_an_unknown_outcome_is_refused_as_not_found() -> None:
    plan = plan_ready_for_do()
    with pytest.raises(EntryNotFound) as refused:
        plan.revise_outcome(uuid4(), {"description": "x"}, actor=SENCO)
    assert refused.value.kind == "outcome"


# ---- provision --------------------------------------------------------------------------------


def test_agreeing_provision_records_every_detail_as_active() -> None:
    plan = plan_in_plan_stage()
    outcome_id = agree_an_outcome(plan)
    start, end = utc_today(), utc_today() + timedelta(weeks=12)

    provision_id = plan.agree_provision(
        description="Speech group",
        kind="intervention",
        frequency="twice weekly",
        delivered_by="TA",
        start_date=start,
        end_date=end,
        outcome_ids=[outcome_id],
        group_size=4,
        minutes_per_session=20,
        weekly_cost=Decimal("12.50"),
        actor=TEACHER,
    )

    event = last_event(plan)
    assert isinstance(event, ProvisionAgreed) and event.actor == TEACHER
    provision = plan.provisions[str(provision_id)]
    assert (provision.kind, provision.start_date, provision.end_date) == (
        "intervention",
        start,
        end,
    )
    assert (provision.outcome_ids, provision.group_size, provision.minutes_per_session) == (
        [outcome_id],
        4,
        20,
    )
    assert (provision.weekly_cost, provision.status) == (Decimal("12.50"), "active")


def test_provision_for_an_unknown_outcome_is_refused() -> None:
    plan = plan_in_plan_stage()
    known = agree_an_outcome(plan)
    with pytest.raises(InvalidEntry) as refused:
        agree_a_provision(plan, [known, uuid4()])
    assert refused.value.field == "outcome_ids"
    assert plan.provisions == {}


def test_provision_ending_before_it_starts_is_refused() -> None:
    plan = plan_in_plan_stage()
    with pytest.raises(InvalidEntry) as refused:
        agree_a_provision(
            plan, [], start_date=utc_today(), end_date=utc_today() - timedelta(days=1)
        )
    assert refused.value.field == "end_date"


def test_revising_provision_changes_it_from_now_on() -> None:
    plan = plan_ready_for_do()
    provision_id = provision_of(plan)

    plan.revise_provision(provision_id, {"frequency": "daily", "group_size": 2}, actor=SENCO)

    event = last_event(plan)
    assert isinstance(event, ProvisionRevised)
    assert event.changes == {"frequency": "daily", "group_size": 2}
    provision = plan.provisions[str(provision_id)]
    assert (provision.frequency, provision.group_size, provision.status) == ("daily", 2, "active")


def test_revising_provision_to_end_before_it_starts_is_refused() -> None:
    plan = plan_ready_for_do()
    provision = plan.provisions[str(provision_of(plan))]
    with pytest.raises(InvalidEntry) as refused:
        plan.revise_provision(
            provision.id, {"end_date": provision.start_date - timedelta(days=1)}, actor=SENCO
        )
    assert refused.value.field == "end_date"


def test_revising_provision_to_link_an_unknown_outcome_is_refused() -> None:
    plan = plan_ready_for_do()
    with pytest.raises(InvalidEntry) as refused:
        plan.revise_provision(provision_of(plan), {"outcome_ids": [uuid4()]}, actor=SENCO)
    assert refused.value.field == "outcome_ids"


def test_ending_provision_records_provision_ended_on_the_day_it_happened() -> None:
    plan = plan_ready_for_do()
    provision_id = provision_of(plan)
    yesterday = days_ago(1)

    plan.revise_provision(provision_id, {}, end=True, actor=SENCO, occurred_at=yesterday)

    event = last_event(plan)
    assert isinstance(event, ProvisionEnded)
    assert (event.end_date, event.occurred_at) == (yesterday.date(), yesterday)
    provision = plan.provisions[str(provision_id)]
    assert (provision.status, provision.end_date) == ("ended", yesterday.date())


def test_ending_provision_with_a_new_end_date_revises_then_ends_it() -> None:
    plan = plan_ready_for_do()
    provision_id = provision_of(plan)
    before = len(plan.pending_events)
    end = utc_today()

    plan.revise_provision(provision_id, {"end_date": end}, end=True, actor=SENCO)

    assert [type(e) for e in new_events(plan, before)] == [ProvisionRevised, ProvisionEnded]
    assert plan.provisions[str(provision_id)].end_date == end


def test_ending_an_ended_provision_is_refused_as_closed() -> None:
    plan = plan_ready_for_do()
    provision_id = provision_of(plan)
    plan.revise_provision(provision_id, {}, end=True, actor=SENCO)

    with pytest.raises(RuleViolation) as refused:
        plan.revise_provision(provision_id, {}, end=True, actor=SENCO)

    assert refused.value.rule == "entry_closed"


def test_revising_an_ended_provision_is_refused_as_closed() -> None:
    plan = plan_ready_for_do()
    provision_id = provision_of(plan)
    plan.revise_provision(provision_id, {}, end=True, actor=SENCO)

    with pytest.raises(RuleViolation) as refused:
        plan.revise_provision(provision_id, {"frequency": "daily"}, actor=SENCO)

    assert refused.value.rule == "entry_closed"


def test_revising_provision_with_nothing_to_change_is_refused() -> None:
    plan = plan_ready_for_do()
    with pytest.raises(InvalidEntry) as refused:
        plan.revise_provision(provision_of(plan), {}, actor=SENCO)
    assert refused.value.field == "provision"


def test_revising_unknown_provision_is_refused_as_not_found() -> None:
    plan = plan_ready_for_do()
    with pytest.raises(EntryNotFound) as refused:
        plan.revise_provision(uuid4(), {}, end=True, actor=SENCO)
    assert refused.value.kind == "provision"


# ---- the review date ----------------------------------------------------------------------------


def test_scheduling_a_review_sets_the_plans_review_date() -> None:
    plan = plan_in_plan_stage()
    review_date = days_from_today(42)

    plan.schedule_review(review_date, actor=TEACHER)

    event = last_event(plan)
    assert isinstance(event, ReviewScheduled)
    assert (event.review_date, event.actor) == (review_date, TEACHER)
    assert plan.review_date == review_date


def test_a_review_date_in_the_past_is_refused() -> None:
    plan = plan_in_plan_stage()
    with pytest.raises(InvalidEntry) as refused:
        plan.schedule_review(days_from_today(-1), actor=SENCO)
    assert refused.value.field == "review_date"
    assert plan.review_date is None


def test_a_review_date_is_judged_against_when_it_was_set() -> None:
    plan = plan_in_plan_stage()
    with pytest.raises(InvalidEntry):
        plan.schedule_review(days_from_today(-6), actor=SENCO, occurred_at=days_ago(5))
    plan.schedule_review(days_from_today(-5), actor=SENCO, occurred_at=days_ago(5))
    assert plan.review_date == days_from_today(-5)


# ---- the parent's agreement ------------------------------------------------------------------


def test_agreeing_the_plan_records_who_agreed_how_and_when() -> None:
    plan = plan_in_plan_stage()
    parent_id, key_person_id = parent_of(plan), add_key_person(plan, "Second key person")
    agreed_at = days_ago(1)

    plan.agree_plan(
        agreed_by=[parent_id, key_person_id], method="phone", actor=TEACHER, occurred_at=agreed_at
    )

    event = last_event(plan)
    assert isinstance(event, PlanAgreed)
    assert (event.agreed_by, event.method, event.actor) == (
        [parent_id, key_person_id],
        "phone",
        TEACHER,
    )
    agreement = plan.agreement
    assert agreement is not None
    assert (agreement.agreed_by, agreement.method, agreement.occurred_at) == (
        [parent_id, key_person_id],
        "phone",
        agreed_at,
    )
    assert (agreement.version, agreement.cycle) == (event.originator_version, 1)


def test_the_plan_may_be_agreed_by_someone_with_parental_responsibility() -> None:
    plan = plan_in_plan_stage()
    guardian = plan.add_participant(
        name="Gil", role="social_worker", has_parental_responsibility=True, actor=SENCO
    )
    plan.agree_plan(agreed_by=[guardian], method="meeting", actor=SENCO)
    assert plan.agreement is not None and plan.agreement.agreed_by == [guardian]


def test_an_agreement_by_someone_not_in_the_plan_is_refused() -> None:
    plan = plan_in_plan_stage()
    with pytest.raises(InvalidEntry) as refused:
        plan.agree_plan(agreed_by=[parent_of(plan), uuid4()], method="meeting", actor=SENCO)
    assert refused.value.field == "agreed_by"
    assert plan.agreement is None


def test_an_agreement_without_a_parent_or_carer_is_refused() -> None:
    plan = plan_in_plan_stage()
    key_person = next(p.id for p in plan.participants.values() if p.role == "key_person")
    with pytest.raises(InvalidEntry) as refused:
        plan.agree_plan(agreed_by=[key_person], method="meeting", actor=SENCO)
    assert refused.value.field == "agreed_by"


def test_an_agreement_by_nobody_is_refused() -> None:
    plan = plan_in_plan_stage()
    with pytest.raises(InvalidEntry) as refused:
        plan.agree_plan(agreed_by=[], method="meeting", actor=SENCO)
    assert refused.value.field == "agreed_by"


def test_a_participant_who_has_left_cannot_agree_the_plan() -> None:
    plan = plan_in_plan_stage()
    parent = parent_of(plan)
    plan.remove_participant(parent, actor=SENCO)

    with pytest.raises(InvalidEntry) as refused:
        plan.agree_plan(agreed_by=[parent], method="meeting", actor=SENCO)
    assert refused.value.field == "agreed_by"

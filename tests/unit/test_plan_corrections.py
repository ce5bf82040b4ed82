"""Correcting an earlier entry: the plan changes where that entry's value still stands, the
entity is marked corrected, and the original entry stays in the history."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.entities import Correction, CorrectionRecord, Progress
from domain.errors import InvalidEntry
from domain.events import (
    EntryCorrected,
    NeedIdentified,
    OutcomeAgreed,
    PlanAgreed,
    PlanOpened,
    ProfileUpdated,
    ProvisionAgreed,
    ReviewRecorded,
    ReviewScheduled,
    StageTransitioned,
    ViewRecorded,
)
from tests.unit.plan_builders import (
    SENCO,
    TEACHER,
    add_key_person,
    agree_an_outcome,
    days_ago,
    days_from_today,
    events_of,
    identify_a_need,
    last_event,
    need_of,
    open_plan,
    plan_in_assess,
    plan_in_plan_stage,
    plan_in_review,
    plan_ready_for_do,
    plan_reviewed,
    plan_with_a_need,
    record_a_review,
    utc_today,
)


def test_correcting_a_need_changes_it_and_marks_it_corrected() -> None:
    plan = plan_with_a_need()
    identified = events_of(plan, NeedIdentified)[0]
    corrected_at = days_ago(1)

    plan.correct_entry(
        identified,
        {"description": "Says few words at home."},
        reason="Wrong child's notes",
        actor=TEACHER,
        occurred_at=corrected_at,
    )

    need = plan.needs[str(identified.need_id)]
    assert need.description == "Says few words at home."
    assert need.corrected == Correction(at=corrected_at, by=TEACHER, reason="Wrong child's notes")


def test_a_correction_records_entry_corrected_naming_the_entry_it_corrects() -> None:
    plan = plan_with_a_need()
    identified = events_of(plan, NeedIdentified)[0]

    plan.correct_entry(
        identified, {"area": "cognition_and_learning"}, reason="Misfiled", actor=SENCO
    )

    event = last_event(plan)
    assert isinstance(event, EntryCorrected)
    assert (event.corrected_version, event.corrected_event_type) == (
        identified.originator_version,
        "NeedIdentified",
    )
    assert (event.changes, event.reason, event.actor) == (
        {"area": "cognition_and_learning"},
        "Misfiled",
        SENCO,
    )
    assert plan.needs[str(identified.need_id)].area == "cognition_and_learning"


def test_the_corrected_entry_stays_in_the_history_beside_its_correction() -> None:
    plan = plan_with_a_need()
    identified = events_of(plan, NeedIdentified)[0]

    plan.correct_entry(identified, {"description": "Fixed"}, reason="Typo", actor=SENCO)

    history = plan.collect_events()
    originals = [e for e in history if isinstance(e, NeedIdentified)]
    corrections = [e for e in history if isinstance(e, EntryCorrected)]
    assert [e.description for e in originals] == ["Few words yet."]
    assert [c.corrected_version for c in corrections] == [originals[0].originator_version]


def test_the_plan_lists_its_corrections() -> None:
    plan = plan_with_a_need()
    identified = events_of(plan, NeedIdentified)[0]
    at = days_ago(2)

    plan.correct_entry(
        identified,
        {"description": "Fixed", "area": "sensory_and_physical"},
        reason="Typo",
        actor=TEACHER,
        occurred_at=at,
    )

    assert plan.corrections == [
        CorrectionRecord(
            version=last_event(plan).originator_version,
            corrected_version=identified.originator_version,
            corrected_event_type="NeedIdentified",
            fields=["area", "description"],
            reason="Typo",
            at=at,
            by=TEACHER,
        )
    ]


def test_correcting_a_value_since_revised_marks_it_but_keeps_the_current_value() -> None:
    plan = plan_with_a_need()
    identified = events_of(plan, NeedIdentified)[0]
    plan.revise_need(identified.need_id, description="Revised later", actor=SENCO)

    plan.correct_entry(identified, {"description": "Fixed original"}, reason="Typo", actor=SENCO)

    need = plan.needs[str(identified.need_id)]
    assert need.description == "Revised later"
    assert need.corrected is not None and need.corrected.reason == "Typo"
    assert plan.corrections[-1].fields == ["description"]


def test_correcting_the_later_revision_itself_changes_the_current_value() -> None:
    plan = plan_with_a_need()
    need_id = need_of(plan)
    plan.revise_need(need_id, description="Revised latr", actor=SENCO)
    revision = last_event(plan)

    plan.correct_entry(revision, {"description": "Revised later"}, reason="Typo", actor=SENCO)

    assert plan.needs[str(need_id)].description == "Revised later"


def test_correcting_one_field_of_an_entry_leaves_its_other_fields_alone() -> None:
    plan = plan_ready_for_do()
    agreed = events_of(plan, OutcomeAgreed)[0]
    new_target = days_from_today(150)

    plan.correct_entry(agreed, {"target_date": new_target}, reason="Wrong date", actor=SENCO)

    outcome = plan.outcomes[str(agreed.outcome_id)]
    assert (outcome.target_date, outcome.description) == (new_target, agreed.description)


def test_correcting_the_childs_name_on_the_opening_entry() -> None:
    plan = plan_in_assess()
    opened = events_of(plan, PlanOpened)[0]

    plan.correct_entry(opened, {"child": {"name": "Aly"}}, reason="Misspelt", actor=SENCO)

    assert (plan.child.name, plan.child.ref, plan.child.date_of_birth) == (
        "Aly",
        "C-17",
        date(2021, 3, 4),
    )
    assert plan.child.corrected is not None and plan.child.corrected.reason == "Misspelt"
    assert plan.setting.corrected is None
    assert opened.child["name"] == "Ali"


def test_correcting_when_the_plan_was_opened() -> None:
    plan = open_plan(occurred_at=days_ago(3))
    opened = events_of(plan, PlanOpened)[0]
    really = days_ago(10)

    plan.correct_entry(opened, {"occurred_at": really}, reason="Back-dated", actor=SENCO)

    assert plan.opened_at == really


def test_correcting_when_the_plan_was_opened_still_works_after_a_review_is_scheduled() -> None:
    plan = open_plan(occurred_at=days_ago(3))
    opened = events_of(plan, PlanOpened)[0]
    plan.schedule_review(days_from_today(30), actor=SENCO)
    really = days_ago(10)

    plan.correct_entry(opened, {"occurred_at": really}, reason="Back-dated", actor=SENCO)

    assert plan.opened_at == really


def test_correcting_when_a_review_was_scheduled_does_not_move_the_plans_opening() -> None:
    opened_at = days_ago(3)
    plan = open_plan(occurred_at=opened_at)
    plan.schedule_review(days_from_today(30), actor=SENCO)
    scheduled = last_event(plan)

    plan.correct_entry(scheduled, {"occurred_at": days_ago(1)}, reason="Late entry", actor=SENCO)

    assert plan.opened_at == opened_at


def test_correcting_a_review_date_a_review_has_since_replaced_keeps_the_reviews_date() -> None:
    plan = plan_in_review()
    scheduled = events_of(plan, ReviewScheduled)[0]
    next_date = days_from_today(100)
    record_a_review(plan, next_review_date=next_date)

    plan.correct_entry(
        scheduled, {"review_date": days_from_today(91)}, reason="Off by one", actor=SENCO
    )

    assert plan.review_date == next_date


def test_correcting_the_scheduled_review_date_while_it_stands() -> None:
    plan = plan_ready_for_do()
    scheduled = events_of(plan, ReviewScheduled)[0]

    plan.correct_entry(
        scheduled, {"review_date": days_from_today(91)}, reason="Off by one", actor=SENCO
    )

    assert plan.review_date == days_from_today(91)


def test_correcting_when_a_view_was_given() -> None:
    plan = plan_in_assess()
    plan.record_view(whose="child", text="I like trains.", actor=SENCO)
    recorded = last_event(plan)
    assert isinstance(recorded, ViewRecorded)

    plan.correct_entry(recorded, {"occurred_at": days_ago(4)}, reason="Said last week", actor=SENCO)

    view = plan.views[str(recorded.view_id)]
    assert view.occurred_at.date() == days_ago(4).date()
    assert view.corrected is not None


def test_correcting_a_nested_profile_field() -> None:
    plan = open_plan()
    plan.update_profile(
        {"strengths": "Kind", "preparing_for_adulthood": {"community": "Cubs", "health": "Fit"}},
        actor=SENCO,
    )
    updated = last_event(plan)
    assert isinstance(updated, ProfileUpdated)

    plan.correct_entry(
        updated, {"preparing_for_adulthood": {"community": "Scouts"}}, reason="Typo", actor=SENCO
    )

    assert plan.profile.preparing_for_adulthood["community"] == "Scouts"
    assert plan.profile.preparing_for_adulthood["health"] == "Fit"
    assert plan.profile.strengths == "Kind"
    assert plan.profile.corrected is not None


def test_correcting_a_reviews_progress() -> None:
    plan = plan_reviewed()
    recorded = events_of(plan, ReviewRecorded)[0]
    outcome_id = recorded.progress[0]["outcome_id"]
    fixed = [{"outcome_id": outcome_id, "rating": "achieved", "comment": "Misheard"}]

    plan.correct_entry(recorded, {"progress": fixed}, reason="Wrong rating", actor=SENCO)

    assert plan.reviews[0].progress == [Progress(outcome_id, "achieved", "Misheard")]
    assert plan.reviews[0].corrected is not None


def test_correcting_the_reason_for_a_stage_move() -> None:
    plan = plan_ready_for_do()
    moved = events_of(plan, StageTransitioned)[0]

    plan.correct_entry(moved, {"reason": "Assessment complete"}, reason="Left blank", actor=SENCO)

    change = plan.stage_history[0]
    assert change.reason == "Assessment complete"
    assert change.corrected is not None and change.corrected.by == SENCO


def test_correcting_who_agreed_the_plan() -> None:
    plan = plan_ready_for_do()
    agreed = events_of(plan, PlanAgreed)[0]
    key_person = add_key_person(plan, "Another key person")
    agreed_by = [*agreed.agreed_by, key_person]

    plan.correct_entry(agreed, {"agreed_by": agreed_by}, reason="Both were there", actor=SENCO)

    assert plan.agreement is not None and plan.agreement.agreed_by == agreed_by


# ---- what a correction may not do --------------------------------------------------------------


def test_correcting_a_field_the_entry_did_not_record_is_refused() -> None:
    plan = plan_with_a_need()
    identified = events_of(plan, NeedIdentified)[0]

    with pytest.raises(InvalidEntry) as refused:
        plan.correct_entry(identified, {"target_date": utc_today()}, reason="x", actor=SENCO)

    assert refused.value.field == "changes"
    assert plan.corrections == []


def test_correcting_an_unknown_part_of_a_nested_field_is_refused() -> None:
    plan = open_plan()
    opened = events_of(plan, PlanOpened)[0]
    with pytest.raises(InvalidEntry) as refused:
        plan.correct_entry(opened, {"child": {"eye_colour": "blue"}}, reason="x", actor=SENCO)
    assert refused.value.field == "changes"


def test_a_correction_naming_no_change_is_refused() -> None:
    plan = plan_with_a_need()
    with pytest.raises(InvalidEntry) as refused:
        plan.correct_entry(last_event(plan), {}, reason="x", actor=SENCO)
    assert refused.value.field == "changes"


def test_correcting_what_identifies_an_entry_is_refused() -> None:
    plan = plan_with_a_need()
    identified = events_of(plan, NeedIdentified)[0]

    with pytest.raises(InvalidEntry) as refused:
        plan.correct_entry(identified, {"need_id": uuid4()}, reason="x", actor=SENCO)

    assert refused.value.field == "changes"
    assert str(identified.need_id) in plan.needs


def test_correcting_which_cycle_a_review_belongs_to_is_refused() -> None:
    plan = plan_reviewed()
    recorded = events_of(plan, ReviewRecorded)[0]
    with pytest.raises(InvalidEntry):
        plan.correct_entry(recorded, {"cycle": 2}, reason="x", actor=SENCO)


def test_correcting_a_correction_is_refused() -> None:
    plan = plan_with_a_need()
    plan.correct_entry(
        events_of(plan, NeedIdentified)[0], {"description": "Fixed"}, reason="x", actor=SENCO
    )
    correction = last_event(plan)

    with pytest.raises(InvalidEntry) as refused:
        plan.correct_entry(correction, {"reason": "Better reason"}, reason="y", actor=SENCO)

    assert refused.value.field == "event_version"
    assert len(plan.corrections) == 1


def test_correcting_an_entry_of_another_plan_is_refused() -> None:
    plan, other = plan_with_a_need(), plan_with_a_need()
    with pytest.raises(InvalidEntry) as refused:
        plan.correct_entry(
            events_of(other, NeedIdentified)[0], {"description": "x"}, reason="x", actor=SENCO
        )
    assert refused.value.field == "event_version"


def test_a_correction_may_not_link_provision_to_an_unknown_outcome() -> None:
    plan = plan_ready_for_do()
    agreed = events_of(plan, ProvisionAgreed)[0]
    with pytest.raises(InvalidEntry) as refused:
        plan.correct_entry(agreed, {"outcome_ids": [uuid4()]}, reason="x", actor=SENCO)
    assert refused.value.field == "outcome_ids"


def test_a_correction_may_not_leave_the_agreement_without_a_parent() -> None:
    plan = plan_ready_for_do()
    agreed = events_of(plan, PlanAgreed)[0]
    key_person = next(p.id for p in plan.participants.values() if p.role == "key_person")
    with pytest.raises(InvalidEntry) as refused:
        plan.correct_entry(agreed, {"agreed_by": [key_person]}, reason="x", actor=SENCO)
    assert refused.value.field == "agreed_by"


def test_a_correction_may_not_name_an_unknown_review_attendee() -> None:
    plan = plan_reviewed()
    recorded = events_of(plan, ReviewRecorded)[0]
    with pytest.raises(InvalidEntry) as refused:
        plan.correct_entry(recorded, {"attendees": [uuid4()]}, reason="x", actor=SENCO)
    assert refused.value.field == "attendees"


def test_a_second_need_is_untouched_by_correcting_the_first() -> None:
    plan = plan_with_a_need()
    first = events_of(plan, NeedIdentified)[0]
    second_id = identify_a_need(plan, "Second need")

    plan.correct_entry(first, {"description": "Fixed"}, reason="x", actor=SENCO)

    second = plan.needs[str(second_id)]
    assert (second.description, second.corrected) == ("Second need", None)


def test_an_outcome_can_be_corrected_to_name_the_need_it_should_have_named() -> None:
    plan = plan_in_plan_stage()
    first_need = need_of(plan)
    second_need = identify_a_need(plan, "Needs movement breaks.")
    outcome_id = agree_an_outcome(plan, need_id=first_need)
    agreed = last_event(plan)

    plan.correct_entry(
        agreed, {"need_id": second_need}, reason="Linked to the wrong need", actor=SENCO
    )

    assert plan.outcomes[str(outcome_id)].need_id == second_need


def test_an_outcome_cannot_be_corrected_to_name_itself_differently() -> None:
    plan = plan_in_plan_stage()
    agree_an_outcome(plan)
    agreed = last_event(plan)

    with pytest.raises(InvalidEntry):
        plan.correct_entry(agreed, {"outcome_id": uuid4()}, reason="x", actor=SENCO)

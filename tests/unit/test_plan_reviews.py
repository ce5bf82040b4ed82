"""Recording the review: who came, progress on every open outcome, the decision, the next date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.entities import Progress
from domain.errors import InvalidEntry, RuleViolation
from domain.events import ReviewRecorded
from domain.plan import OnePlan
from tests.unit.plan_builders import (
    SENCO,
    TEACHER,
    agree_an_outcome,
    days_ago,
    days_from_today,
    last_event,
    outcome_of,
    parent_of,
    plan_in_review,
    plan_in_second_cycle,
    rate_every_open_outcome,
    utc_today,
)


def review(plan: OnePlan, **overrides: Any) -> UUID:
    fields: dict[str, Any] = {
        "held_on": utc_today(),
        "attendees": [parent_of(plan)],
        "progress": rate_every_open_outcome(plan),
        "impact": "More words at home.",
        "decision": "continue",
        "actor": SENCO,
        **overrides,
    }
    return plan.record_review(**fields)


def test_recording_a_review_keeps_everything_said_at_it_in_this_cycle() -> None:
    plan = plan_in_review()
    outcome_id = outcome_of(plan)
    held_on = utc_today() - timedelta(days=1)

    review_id = review(
        plan,
        held_on=held_on,
        progress=[{"outcome_id": outcome_id, "rating": "achieved", "comment": "Done!"}],
        child_view="I talk more.",
        parent_view="Much better.",
        decision="amend",
        actor=TEACHER,
    )

    event = last_event(plan)
    assert isinstance(event, ReviewRecorded)
    assert (event.review_id, event.cycle, event.actor) == (review_id, 1, TEACHER)
    (recorded,) = plan.reviews
    assert (recorded.id, recorded.cycle, recorded.held_on, recorded.attendees) == (
        review_id,
        1,
        held_on,
        [parent_of(plan)],
    )
    assert recorded.progress == [
        Progress(outcome_id=outcome_id, rating="achieved", comment="Done!")
    ]
    assert (recorded.child_view, recorded.parent_view, recorded.decision) == (
        "I talk more.",
        "Much better.",
        "amend",
    )
    assert plan.latest_review_of_cycle() == recorded


def test_a_review_in_the_second_cycle_belongs_to_that_cycle() -> None:
    plan = plan_in_second_cycle()
    review(plan)
    assert [r.cycle for r in plan.reviews] == [1, 2]
    assert plan.latest_review_of_cycle() is plan.reviews[-1]


def test_a_review_naming_the_next_review_date_reschedules_the_plan() -> None:
    plan = plan_in_review()
    next_date = days_from_today(90)

    review(plan, next_review_date=next_date)

    assert plan.reviews[-1].next_review_date == next_date
    assert plan.review_date == next_date
    assert not plan.agreement_is_current()


def test_a_review_without_a_next_date_leaves_the_review_date_alone() -> None:
    plan = plan_in_review()
    scheduled = plan.review_date
    review(plan)
    assert plan.review_date == scheduled and scheduled is not None


def test_the_next_review_may_not_come_before_this_one_was_held() -> None:
    plan = plan_in_review()
    with pytest.raises(InvalidEntry) as refused:
        review(plan, held_on=utc_today(), next_review_date=utc_today() - timedelta(days=1))
    assert refused.value.field == "next_review_date"


def test_a_review_held_in_the_future_is_refused() -> None:
    plan = plan_in_review()
    with pytest.raises(InvalidEntry) as refused:
        review(plan, held_on=utc_today() + timedelta(days=2))
    assert refused.value.field == "held_on"
    assert plan.reviews == []


def test_a_review_held_today_somewhere_east_of_utc_is_not_in_the_future() -> None:
    plan = plan_in_review()
    east_of_utc_today = (datetime.now(UTC) + timedelta(hours=14)).date()
    review(plan, held_on=east_of_utc_today)
    assert plan.reviews[-1].held_on == east_of_utc_today


def test_a_review_cannot_have_been_held_after_it_was_recorded_as_happening() -> None:
    plan = plan_in_review()
    with pytest.raises(InvalidEntry) as refused:
        review(plan, held_on=utc_today(), occurred_at=days_ago(3))
    assert refused.value.field == "held_on"


def test_a_review_attended_by_someone_not_in_the_plan_is_refused() -> None:
    plan = plan_in_review()
    with pytest.raises(InvalidEntry) as refused:
        review(plan, attendees=[parent_of(plan), uuid4()])
    assert refused.value.field == "attendees"


def test_progress_on_an_outcome_not_in_the_plan_is_refused() -> None:
    plan = plan_in_review()
    progress = [*rate_every_open_outcome(plan), {"outcome_id": uuid4(), "rating": "achieved"}]
    with pytest.raises(InvalidEntry) as refused:
        review(plan, progress=progress)
    assert refused.value.field == "progress"


def test_an_outcome_rated_twice_in_one_review_is_refused() -> None:
    plan = plan_in_review()
    outcome_id = outcome_of(plan)
    progress = [
        {"outcome_id": outcome_id, "rating": "achieved"},
        {"outcome_id": outcome_id, "rating": "not_achieved"},
    ]
    with pytest.raises(InvalidEntry) as refused:
        review(plan, progress=progress)
    assert refused.value.field == "progress"


def test_a_review_must_rate_progress_on_every_open_outcome() -> None:
    plan = plan_in_review()
    unrated = agree_an_outcome(plan, description="Joins in at snack time")
    rated_only_first = [{"outcome_id": outcome_of(plan), "rating": "achieved"}]

    with pytest.raises(RuleViolation) as refused:
        review(plan, progress=rated_only_first)

    assert refused.value.rule == "progress_for_every_outcome"
    assert str(unrated) in refused.value.message
    assert plan.reviews == []


def test_a_review_rating_every_one_of_several_open_outcomes_is_accepted() -> None:
    plan = plan_in_review()
    agree_an_outcome(plan, description="Joins in at snack time")
    agree_an_outcome(plan, description="Names five colours")

    review(plan)

    assert len(plan.reviews[-1].progress) == len(plan.open_outcomes()) == 3


def test_a_review_need_not_rate_outcomes_already_closed() -> None:
    plan = plan_in_review()
    closed = agree_an_outcome(plan, description="Joins in at snack time")
    plan.revise_outcome(closed, {"status": "discontinued"}, actor=SENCO)

    review(plan, progress=[{"outcome_id": outcome_of(plan), "rating": "partly_achieved"}])

    assert [p.outcome_id for p in plan.reviews[-1].progress] == [outcome_of(plan)]


def test_a_decision_to_request_an_ehc_needs_assessment_is_recorded_like_any_other() -> None:
    plan = plan_in_review()
    review(plan, decision="request_ehc_needs_assessment")
    plan.move_to("assess", actor=SENCO)
    assert plan.reviews[-1].decision == "request_ehc_needs_assessment"
    assert plan.cycle == 2

"""The graduated approach's rule table (domain/rules.py), each rule refused and then allowed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.entities import StageChange
from domain.errors import RuleViolation
from domain.events import StageTransitioned
from domain.plan import OnePlan
from domain.values import Stage
from tests.unit.plan_builders import (
    SENCO,
    TEACHER,
    agree_a_provision,
    agree_an_outcome,
    agree_with_parent,
    days_ago,
    days_from_today,
    identify_a_need,
    last_event,
    outcome_of,
    plan_in_assess,
    plan_in_do,
    plan_in_plan_stage,
    plan_in_review,
    plan_in_second_cycle,
    plan_ready_for_do,
    plan_reviewed,
    plan_with_a_need,
    provision_of,
    record_a_review,
)


def refused_rule(plan: OnePlan, to: str, **kwargs: object) -> str:
    """Attempt the move, expecting a refusal; the rule named, with the plan left unchanged."""
    stage, cycle, history = plan.stage, plan.cycle, len(plan.stage_history)
    with pytest.raises(RuleViolation) as refused:
        plan.move_to(to, actor=SENCO, **kwargs)  # type: ignore[arg-type]
    assert (plan.stage, plan.cycle, len(plan.stage_history)) == (stage, cycle, history)
    return refused.value.rule


# ---- assess → plan: needs_identified -----------------------------------------------------------


def test_plan_cannot_start_planning_until_a_need_is_identified() -> None:
    plan = plan_in_assess()
    assert refused_rule(plan, "plan") == "needs_identified"


def test_plan_cannot_start_planning_when_every_need_is_resolved() -> None:
    plan = plan_in_assess()
    need_id = identify_a_need(plan)
    plan.revise_need(need_id, resolve=True, actor=SENCO)
    assert refused_rule(plan, "plan") == "needs_identified"


def test_plan_starts_planning_once_an_open_need_is_identified() -> None:
    plan = plan_with_a_need()
    plan.move_to(Stage.PLAN, actor=SENCO)
    assert plan.stage == "plan"


def test_a_refusal_names_the_code_of_practice_paragraph() -> None:
    plan = plan_in_assess()
    with pytest.raises(RuleViolation) as refused:
        plan.move_to(Stage.PLAN, actor=SENCO)
    assert refused.value.paragraph == "5.39 / 6.45"
    assert "need" in refused.value.message


# ---- plan → do: outcomes_agreed, provision_agreed, review_date_set, parent_agreement_current ----


def test_plan_cannot_start_do_stage_until_an_outcome_is_agreed() -> None:
    plan = plan_in_plan_stage()
    agree_a_provision(plan, [])
    plan.schedule_review(days_from_today(60), actor=SENCO)
    agree_with_parent(plan)
    assert refused_rule(plan, "do") == "outcomes_agreed"


def test_plan_cannot_start_do_stage_when_no_outcome_is_still_open() -> None:
    plan = plan_ready_for_do()
    plan.revise_outcome(outcome_of(plan), {"status": "achieved"}, actor=SENCO)
    agree_with_parent(plan)
    assert refused_rule(plan, "do") == "outcomes_agreed"


def test_plan_cannot_start_do_stage_until_provision_is_agreed() -> None:
    plan = plan_in_plan_stage()
    agree_an_outcome(plan)
    plan.schedule_review(days_from_today(60), actor=SENCO)
    agree_with_parent(plan)
    assert refused_rule(plan, "do") == "provision_agreed"


def test_plan_cannot_start_do_stage_when_every_provision_has_ended() -> None:
    plan = plan_ready_for_do()
    plan.revise_provision(provision_of(plan), {}, end=True, actor=SENCO)
    agree_with_parent(plan)
    assert refused_rule(plan, "do") == "provision_agreed"


def test_plan_cannot_start_do_stage_until_a_review_date_is_set() -> None:
    plan = plan_in_plan_stage()
    agree_a_provision(plan, [agree_an_outcome(plan)])
    agree_with_parent(plan)
    assert refused_rule(plan, "do") == "review_date_set"


def test_plan_cannot_start_do_stage_once_its_review_date_has_passed() -> None:
    plan = plan_in_plan_stage()
    agree_a_provision(plan, [agree_an_outcome(plan)])
    # Scheduled ten days ago for five days ago: valid then, in the past now.
    plan.schedule_review(days_from_today(-5), actor=SENCO, occurred_at=days_ago(10))
    agree_with_parent(plan)

    assert refused_rule(plan, "do") == "review_date_set"


def test_the_review_date_is_judged_against_the_day_the_move_happened() -> None:
    plan = plan_in_plan_stage()
    agree_a_provision(plan, [agree_an_outcome(plan)])
    plan.schedule_review(days_from_today(-5), actor=SENCO, occurred_at=days_ago(10))
    agree_with_parent(plan)

    plan.move_to(Stage.DO, actor=SENCO, occurred_at=days_ago(6))

    assert plan.stage == "do"


def test_a_review_date_of_today_is_not_in_the_past() -> None:
    plan = plan_in_plan_stage()
    agree_a_provision(plan, [agree_an_outcome(plan)])
    plan.schedule_review(days_from_today(0), actor=SENCO)
    agree_with_parent(plan)
    plan.move_to(Stage.DO, actor=SENCO)
    assert plan.stage == "do"


def test_plan_cannot_start_do_stage_until_a_parent_has_agreed_it() -> None:
    plan = plan_in_plan_stage()
    agree_a_provision(plan, [agree_an_outcome(plan)])
    plan.schedule_review(days_from_today(60), actor=SENCO)
    assert plan.agreement is None
    assert refused_rule(plan, "do") == "parent_agreement_current"


def test_plan_starts_do_stage_when_every_rule_is_satisfied() -> None:
    plan = plan_ready_for_do()
    plan.move_to(Stage.DO, actor=SENCO)
    assert plan.stage == "do"


CHANGES_AFTER_AGREEMENT = {
    "outcome agreed": lambda plan: agree_an_outcome(plan, description="Takes turns"),
    "outcome revised": lambda plan: plan.revise_outcome(
        outcome_of(plan), {"description": "Uses 60 words"}, actor=SENCO
    ),
    "provision agreed": lambda plan: agree_a_provision(plan, [outcome_of(plan)]),
    "provision revised": lambda plan: plan.revise_provision(
        provision_of(plan), {"frequency": "daily"}, actor=SENCO
    ),
    "provision ended": lambda plan: plan.revise_provision(
        provision_of(plan), {}, end=True, actor=SENCO
    ),
    "review date changed": lambda plan: plan.schedule_review(days_from_today(100), actor=SENCO),
}


def agreed_plan_with_two_provisions() -> OnePlan:
    """Ready for do, so that ending one provision still leaves one active."""
    plan = plan_ready_for_do()
    agree_a_provision(plan, [outcome_of(plan)], description="Visual timetable", kind="adjustment")
    agree_with_parent(plan)
    return plan


@pytest.mark.parametrize("change", sorted(CHANGES_AFTER_AGREEMENT))
def test_a_change_after_the_parent_agreed_makes_the_agreement_stale(change: str) -> None:
    plan = agreed_plan_with_two_provisions()
    assert plan.agreement_is_current()

    CHANGES_AFTER_AGREEMENT[change](plan)

    assert not plan.agreement_is_current()
    assert refused_rule(plan, "do") == "parent_agreement_current"


@pytest.mark.parametrize("change", sorted(CHANGES_AFTER_AGREEMENT))
def test_a_fresh_agreement_after_the_change_lets_the_plan_start(change: str) -> None:
    plan = agreed_plan_with_two_provisions()
    CHANGES_AFTER_AGREEMENT[change](plan)

    agree_with_parent(plan)
    plan.move_to(Stage.DO, actor=SENCO)

    assert plan.stage == "do"


def test_a_new_cycle_needs_a_new_agreement() -> None:
    plan = plan_in_second_cycle()
    assert plan.agreement is not None and plan.agreement.cycle == 1
    plan.move_to(Stage.PLAN, actor=SENCO)
    assert not plan.agreement_is_current()
    assert refused_rule(plan, "do") == "parent_agreement_current"

    agree_with_parent(plan)
    plan.move_to(Stage.DO, actor=SENCO)

    assert (plan.stage, plan.cycle, plan.agreement.cycle) == ("do", 2, 2)


# ---- do → review: always allowed -------------------------------------------------------------


def test_a_review_may_come_early_whatever_the_plan_looks_like() -> None:
    plan = plan_in_do()
    plan.revise_outcome(outcome_of(plan), {"status": "discontinued"}, actor=SENCO)
    plan.revise_provision(provision_of(plan), {}, end=True, actor=SENCO)
    assert not plan.agreement_is_current()

    plan.move_to(Stage.REVIEW, actor=SENCO)

    assert plan.stage == "review"


# ---- review → assess: review_recorded, progress_for_every_outcome ---------------------------


def test_next_cycle_cannot_start_until_the_review_is_recorded() -> None:
    plan = plan_in_review()
    assert refused_rule(plan, "assess") == "review_recorded"


def test_a_review_of_an_earlier_cycle_does_not_count_for_this_one() -> None:
    plan = plan_in_second_cycle()
    plan.move_to(Stage.PLAN, actor=SENCO)
    agree_with_parent(plan)
    plan.move_to(Stage.DO, actor=SENCO)
    plan.move_to(Stage.REVIEW, actor=SENCO)
    assert [r.cycle for r in plan.reviews] == [1]

    assert refused_rule(plan, "assess") == "review_recorded"


def test_next_cycle_starts_once_the_review_rates_every_open_outcome() -> None:
    plan = plan_reviewed()
    plan.move_to(Stage.ASSESS, actor=SENCO)
    assert (plan.stage, plan.cycle) == ("assess", 2)


def test_next_cycle_cannot_start_when_an_outcome_was_agreed_after_the_review() -> None:
    plan = plan_reviewed()
    late_outcome = agree_an_outcome(plan, description="Joins in at snack time")

    with pytest.raises(RuleViolation) as refused:
        plan.move_to(Stage.ASSESS, actor=SENCO)

    assert refused.value.rule == "progress_for_every_outcome"
    assert str(late_outcome) in refused.value.message


def test_a_fresh_review_rating_the_late_outcome_lets_the_next_cycle_start() -> None:
    plan = plan_reviewed()
    agree_an_outcome(plan, description="Joins in at snack time")
    record_a_review(plan)

    plan.move_to(Stage.ASSESS, actor=SENCO)

    assert plan.cycle == 2


def test_an_outcome_closed_after_the_review_need_not_have_been_rated() -> None:
    plan = plan_reviewed()
    late_outcome = agree_an_outcome(plan, description="Joins in at snack time")
    plan.revise_outcome(late_outcome, {"status": "discontinued"}, actor=SENCO)

    plan.move_to(Stage.ASSESS, actor=SENCO)

    assert plan.cycle == 2


# ---- transition_allowed --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "to"),
    [
        (plan_with_a_need, "do"),
        (plan_with_a_need, "review"),
        (plan_ready_for_do, "review"),
        (plan_in_do, "assess"),
    ],
    ids=["assess-to-do", "assess-to-review", "plan-to-review", "do-to-assess"],
)
def test_a_plan_cannot_skip_a_stage(build: object, to: str) -> None:
    plan = build()  # type: ignore[operator]
    assert refused_rule(plan, to) == "transition_allowed"


@pytest.mark.parametrize(
    ("build", "to"),
    [
        (plan_in_plan_stage, "assess"),
        (plan_in_do, "plan"),
        (plan_in_review, "do"),
        (plan_with_a_need, "assess"),
    ],
    ids=["plan-to-assess", "do-to-plan", "review-to-do", "assess-to-assess"],
)
def test_a_plan_cannot_go_backwards_or_stay_put(build: object, to: str) -> None:
    plan = build()  # type: ignore[operator]
    assert refused_rule(plan, to) == "transition_allowed"


def test_an_unknown_stage_is_not_a_move() -> None:
    plan = plan_with_a_need()
    with pytest.raises(ValueError):
        plan.move_to("evaluate", actor=SENCO)
    assert plan.stage == "assess"


# ---- stage history and cycles ----------------------------------------------------------------


def test_moving_on_records_stage_transitioned_with_its_actor_and_reason() -> None:
    plan = plan_with_a_need()
    moved_at = days_ago(1)

    plan.move_to(Stage.PLAN, actor=TEACHER, reason="Assessment done", occurred_at=moved_at)

    event = last_event(plan)
    assert isinstance(event, StageTransitioned)
    assert (event.from_stage, event.to_stage, event.cycle, event.reason) == (
        "assess",
        "plan",
        1,
        "Assessment done",
    )
    assert (event.actor, event.occurred_at) == (TEACHER, moved_at)


def test_stage_history_records_each_move_with_its_cycle() -> None:
    plan = plan_in_second_cycle()
    plan.move_to(Stage.PLAN, actor=SENCO)

    moves = [(s.from_stage, s.to_stage, s.cycle) for s in plan.stage_history]
    assert moves == [
        ("assess", "plan", 1),
        ("plan", "do", 1),
        ("do", "review", 1),
        ("review", "assess", 2),
        ("assess", "plan", 2),
    ]
    assert all(isinstance(s, StageChange) for s in plan.stage_history)
    versions = [s.version for s in plan.stage_history]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)


def test_the_cycle_increments_only_when_review_moves_on_to_assess() -> None:
    plan = plan_ready_for_do()
    cycles = [plan.cycle]
    for to in ("do", "review"):
        plan.move_to(to, actor=SENCO)
        cycles.append(plan.cycle)
    record_a_review(plan)
    plan.move_to("assess", actor=SENCO)
    cycles.append(plan.cycle)

    assert cycles == [1, 1, 1, 2]


def test_stage_history_keeps_when_the_move_happened_and_when_it_was_recorded() -> None:
    plan = plan_with_a_need()
    moved_at = days_ago(2)
    plan.move_to(Stage.PLAN, actor=SENCO, occurred_at=moved_at)

    change = plan.stage_history[-1]
    assert change.occurred_at == moved_at
    assert change.recorded_at - moved_at > timedelta(days=1)
    assert change.recorded_at == last_event(plan).timestamp

"""Closing a plan stops every change; reopening is the one thing a closed plan allows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from domain.errors import RuleViolation
from domain.events import PlanClosed, PlanReopened
from domain.plan import OnePlan
from tests.unit.plan_builders import (
    SENCO,
    TEACHER,
    agree_with_parent,
    days_ago,
    identify_a_need,
    last_event,
    need_of,
    opening_of,
    outcome_of,
    parent_of,
    plan_closed,
    plan_in_do,
    provision_of,
    utc_today,
)


def test_closing_a_plan_records_why_and_marks_it_closed_in_its_stage() -> None:
    plan = plan_in_do()
    closed_at = days_ago(1)

    plan.close(reason="moved_setting", note="Moved to Elm", actor=TEACHER, occurred_at=closed_at)

    event = last_event(plan)
    assert isinstance(event, PlanClosed)
    assert (event.reason, event.note, event.actor, event.occurred_at) == (
        "moved_setting",
        "Moved to Elm",
        TEACHER,
        closed_at,
    )
    assert plan.status == "closed" and plan.stage == "do"
    assert plan.closure is not None
    assert (plan.closure.reason, plan.closure.note, plan.closure.occurred_at) == (
        "moved_setting",
        "Moved to Elm",
        closed_at,
    )


EVERY_COMMAND: dict[str, Callable[[OnePlan], Any]] = {
    "add_participant": lambda p: p.add_participant(name="A", role="teacher", actor=SENCO),
    "remove_participant": lambda p: p.remove_participant(parent_of(p), actor=SENCO),
    "update_profile": lambda p: p.update_profile({"strengths": "Kind"}, actor=SENCO),
    "identify_need": lambda p: identify_a_need(p),
    "revise_need": lambda p: p.revise_need(need_of(p), description="x", actor=SENCO),
    "record_view": lambda p: p.record_view(whose="child", text="x", actor=SENCO),
    "agree_outcome": lambda p: p.agree_outcome(
        description="x", success_criteria="y", target_date=utc_today(), actor=SENCO
    ),
    "revise_outcome": lambda p: p.revise_outcome(outcome_of(p), {"description": "x"}, actor=SENCO),
    "agree_provision": lambda p: p.agree_provision(
        description="x",
        kind="support",
        frequency="daily",
        delivered_by="TA",
        start_date=utc_today(),
        outcome_ids=[],
        actor=SENCO,
    ),
    "revise_provision": lambda p: p.revise_provision(provision_of(p), {}, end=True, actor=SENCO),
    "schedule_review": lambda p: p.schedule_review(utc_today() + timedelta(days=9), actor=SENCO),
    "agree_plan": lambda p: agree_with_parent(p),
    "move_to": lambda p: p.move_to("review", actor=SENCO),
    "record_review": lambda p: p.record_review(
        held_on=utc_today(),
        attendees=[],
        progress=[{"outcome_id": outcome_of(p), "rating": "achieved"}],
        impact="x",
        decision="continue",
        actor=SENCO,
    ),
    "close": lambda p: p.close(reason="other", actor=SENCO),
    "correct_entry": lambda p: p.correct_entry(
        opening_of(p), {"child": {"name": "Aly"}}, reason="typo", actor=SENCO
    ),
}


@pytest.mark.parametrize("command", sorted(EVERY_COMMAND))
def test_nothing_changes_a_closed_plan(command: str) -> None:
    plan = plan_closed()
    before = len(plan.pending_events)
    state = {k: v for k, v in vars(plan).items() if k != "_pending_events"}

    with pytest.raises(RuleViolation) as refused:
        EVERY_COMMAND[command](plan)

    assert refused.value.rule == "plan_closed"
    assert len(plan.pending_events) == before
    assert {k: v for k, v in vars(plan).items() if k != "_pending_events"} == state


@pytest.mark.parametrize("command", sorted(EVERY_COMMAND))
def test_every_command_works_again_once_the_plan_is_reopened(command: str) -> None:
    plan = plan_closed()
    plan.reopen(reason="Came back", actor=SENCO)
    before = len(plan.pending_events)

    EVERY_COMMAND[command](plan)

    assert len(plan.pending_events) > before


def test_reopening_a_plan_records_why_and_opens_it_where_it_was() -> None:
    plan = plan_closed()
    reopened_at = days_ago(0)

    plan.reopen(reason="Came back", note="Returned to Oak", actor=TEACHER, occurred_at=reopened_at)

    event = last_event(plan)
    assert isinstance(event, PlanReopened)
    assert (event.reason, event.note, event.actor, event.occurred_at) == (
        "Came back",
        "Returned to Oak",
        TEACHER,
        reopened_at,
    )
    assert (plan.status, plan.stage, plan.closure) == ("open", "do", None)


def test_reopening_an_open_plan_is_refused() -> None:
    plan = plan_in_do()
    with pytest.raises(RuleViolation) as refused:
        plan.reopen(reason="Why not", actor=SENCO)
    assert refused.value.rule == "transition_allowed"
    assert plan.status == "open"

"""The graduated approach's rules, one guard each. Every refusal names its rule and paragraph.

| transition      | rule                                                         | Code of Practice |
|-----------------|--------------------------------------------------------------|------------------|
| assess → plan   | needs_identified: at least one open area of need             | 5.39 / 6.45      |
| plan → do       | outcomes_agreed: at least one open outcome                   | 5.40 / 6.48      |
|                 | provision_agreed: at least one active provision              | 5.40 / 6.48      |
|                 | review_date_set: a review date, not in the past              | 5.40 / 6.48      |
|                 | parent_agreement_current: a parent agreed after last change  | 5.40 / 6.48      |
| do → review     | always allowed (the review may come early)                   | 5.43 / 6.54      |
| review → assess | review_recorded: a review recorded in this cycle             | 5.43 / 6.54      |
|                 | progress_for_every_outcome: it rates every open outcome      | 5.44 / 6.54      |
| any other move  | transition_allowed: only the next stage of the cycle         | 5.38 / 6.44      |
| any change      | plan_closed: nothing changes a closed plan but reopening it  |                  |
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from domain.errors import RuleViolation
from domain.values import NEXT_STAGE, Stage

if TYPE_CHECKING:
    from domain.entities import Review
    from domain.plan import OnePlan


def check_plan_is_open(plan: OnePlan) -> None:
    if plan.status == "closed":
        raise RuleViolation("plan_closed", "", "the plan is closed: reopen it to change it")


def check_plan_is_closed(plan: OnePlan) -> None:
    if plan.status != "closed":
        raise RuleViolation("transition_allowed", "", "only a closed plan can be reopened")


def check_entry_still_open(kind: str, status: str, closed_statuses: Iterable[str]) -> None:
    if status in set(closed_statuses):
        raise RuleViolation("entry_closed", "", f"the {kind} is already {status}")


def check_transition_allowed(plan: OnePlan, to: Stage) -> None:
    expected = NEXT_STAGE[Stage(plan.stage)]
    if to != expected:
        raise RuleViolation(
            "transition_allowed",
            "5.38 / 6.44",
            f"a plan in stage '{plan.stage}' moves on to '{expected.value}', not '{to.value}'",
        )


def check_needs_identified(plan: OnePlan) -> None:
    if not any(need.status == "open" for need in plan.needs.values()):
        raise RuleViolation(
            "needs_identified",
            "5.39 / 6.45",
            "planning starts from a clear analysis of need: identify at least one area of need",
        )


def check_outcomes_agreed(plan: OnePlan) -> None:
    if not plan.open_outcomes():
        raise RuleViolation(
            "outcomes_agreed", "5.40 / 6.48", "agree at least one outcome before the plan starts"
        )


def check_provision_agreed(plan: OnePlan) -> None:
    if not any(p.status == "active" for p in plan.provisions.values()):
        raise RuleViolation(
            "provision_agreed",
            "5.40 / 6.48",
            "agree at least one adjustment, support or intervention before the plan starts",
        )


def check_review_date_set(plan: OnePlan, today: date) -> None:
    if plan.review_date is None:
        raise RuleViolation(
            "review_date_set", "5.40 / 6.48", "set a clear date for review before the plan starts"
        )
    if plan.review_date < today:
        raise RuleViolation(
            "review_date_set",
            "5.40 / 6.48",
            f"the review date {plan.review_date.isoformat()} has passed: set a new one",
        )


def check_parent_agreement_current(plan: OnePlan) -> None:
    if not plan.agreement_is_current():
        raise RuleViolation(
            "parent_agreement_current",
            "5.40 / 6.48",
            "the plan must be agreed with a parent or carer after its last change",
        )


def check_review_recorded(plan: OnePlan) -> Review:
    review = plan.latest_review_of_cycle()
    if review is None:
        raise RuleViolation(
            "review_recorded",
            "5.43 / 6.54",
            f"record the review of cycle {plan.cycle} before the next cycle starts",
        )
    return review


def check_progress_for_every_outcome(plan: OnePlan, rated: Iterable[UUID]) -> None:
    rated_ids = set(rated)  # once: `rated` may be a one-shot iterator
    missing = sorted(str(o.id) for o in plan.open_outcomes() if o.id not in rated_ids)
    if missing:
        raise RuleViolation(
            "progress_for_every_outcome",
            "5.44 / 6.54",
            "a review records progress against every open outcome; missing: " + ", ".join(missing),
        )


def check_may_move_on(plan: OnePlan, to: Stage, today: date) -> None:
    """Every guard the move from the plan's stage to `to` must pass, in the table's order."""
    check_plan_is_open(plan)
    check_transition_allowed(plan, to)
    if to is Stage.PLAN:
        check_needs_identified(plan)
    elif to is Stage.DO:
        check_outcomes_agreed(plan)
        check_provision_agreed(plan)
        check_review_date_set(plan, today)
        check_parent_agreement_current(plan)
    elif to is Stage.ASSESS:
        review = check_review_recorded(plan)
        check_progress_for_every_outcome(plan, (p.outcome_id for p in review.progress))

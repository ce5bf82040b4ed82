"""Hand-written builders for unit tests of the OnePlan aggregate: an actor, and a plan at each
stage of the graduated approach. No I/O: every builder only calls the aggregate's commands."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from domain.events import PlanOpened
from domain.plan import OnePlan
from domain.values import Actor, Stage

E = TypeVar("E")

SENCO = Actor(id="user-senco", name="Sam Senco", role="senco")
TEACHER = Actor(id="user-teacher", name="Terry Teacher", role="teacher")


def an_actor(role: str = "senco", name: str = "Sam Senco") -> Actor:
    return Actor(id=f"user-{role}", name=name, role=role)


def utc_today() -> date:
    """Today as the domain judges it: from `occurred_at`, which is in UTC."""
    return datetime.now(UTC).date()


def days_ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def days_from_today(days: int) -> date:
    return utc_today() + timedelta(days=days)


def a_child(**overrides: Any) -> dict[str, Any]:
    return {"ref": "C-17", "name": "Ali", "date_of_birth": date(2021, 3, 4), **overrides}


def a_setting(**overrides: Any) -> dict[str, Any]:
    return {"ref": "URN-1", "name": "Oak Nursery", "phase": "early_years", **overrides}


def last_event(plan: OnePlan) -> Any:
    """The most recent entry the plan has not yet handed over (the aggregate keeps them)."""
    return plan.pending_events[-1]


def events_of(plan: OnePlan, kind: type[E]) -> list[E]:
    return [e for e in plan.pending_events if isinstance(e, kind)]


def new_events(plan: OnePlan, since: int) -> list[Any]:
    return list(plan.pending_events[since:])


def opening_of(plan: OnePlan) -> PlanOpened:
    return events_of(plan, PlanOpened)[0]


# ---- the parts of a plan -------------------------------------------------------------------


def open_plan(actor: Actor = SENCO, occurred_at: datetime | None = None) -> OnePlan:
    return OnePlan.open(child=a_child(), setting=a_setting(), actor=actor, occurred_at=occurred_at)


def add_parent(plan: OnePlan, name: str = "Pat Parent") -> UUID:
    return plan.add_participant(
        name=name, role="parent_carer", has_parental_responsibility=True, actor=SENCO
    )


def add_key_person(plan: OnePlan, name: str = "Kim Key") -> UUID:
    return plan.add_participant(name=name, role="key_person", organisation="Oak", actor=SENCO)


def parent_of(plan: OnePlan) -> UUID:
    return next(p.id for p in plan.participants.values() if p.role == "parent_carer")


def identify_a_need(plan: OnePlan, description: str = "Few words yet.") -> UUID:
    return plan.identify_need(
        area="communication_and_interaction", description=description, actor=SENCO
    )


def agree_an_outcome(
    plan: OnePlan, need_id: UUID | None = None, description: str = "Uses 50 words"
) -> UUID:
    return plan.agree_outcome(
        description=description,
        success_criteria="Heard at home and nursery",
        target_date=days_from_today(120),
        need_id=need_id,
        actor=SENCO,
    )


def agree_a_provision(plan: OnePlan, outcome_ids: list[UUID], **overrides: Any) -> UUID:
    fields: dict[str, Any] = {
        "description": "Speech group",
        "kind": "intervention",
        "frequency": "twice weekly",
        "delivered_by": "TA",
        "start_date": utc_today() - timedelta(days=7),
        "outcome_ids": outcome_ids,
        "actor": SENCO,
        **overrides,
    }
    return plan.agree_provision(**fields)


def agree_with_parent(plan: OnePlan, occurred_at: datetime | None = None) -> None:
    plan.agree_plan(
        agreed_by=[parent_of(plan)], method="meeting", actor=SENCO, occurred_at=occurred_at
    )


def rate_every_open_outcome(plan: OnePlan, rating: str = "partly_achieved") -> list[dict[str, Any]]:
    return [{"outcome_id": o.id, "rating": rating, "comment": None} for o in plan.open_outcomes()]


def record_a_review(plan: OnePlan, next_review_date: date | None = None) -> UUID:
    return plan.record_review(
        held_on=utc_today(),
        attendees=[parent_of(plan)],
        progress=rate_every_open_outcome(plan),
        impact="More words at home.",
        decision="continue",
        next_review_date=next_review_date,
        actor=SENCO,
    )


def outcome_of(plan: OnePlan) -> UUID:
    return next(iter(plan.outcomes.values())).id


def provision_of(plan: OnePlan) -> UUID:
    return next(iter(plan.provisions.values())).id


def need_of(plan: OnePlan) -> UUID:
    return next(iter(plan.needs.values())).id


# ---- a plan at each stage --------------------------------------------------------------------


def plan_in_assess() -> OnePlan:
    """Cycle 1, assess stage, with a parent and a key person; nothing identified yet."""
    plan = open_plan()
    add_parent(plan)
    add_key_person(plan)
    return plan


def plan_with_a_need() -> OnePlan:
    plan = plan_in_assess()
    identify_a_need(plan)
    return plan


def plan_in_plan_stage() -> OnePlan:
    plan = plan_with_a_need()
    plan.move_to(Stage.PLAN, actor=SENCO)
    return plan


def plan_ready_for_do() -> OnePlan:
    """In the plan stage with an outcome, a provision, a review date and a parent's agreement."""
    plan = plan_in_plan_stage()
    outcome_id = agree_an_outcome(plan, need_id=need_of(plan))
    agree_a_provision(plan, [outcome_id])
    plan.schedule_review(days_from_today(90), actor=SENCO)
    agree_with_parent(plan)
    return plan


def plan_in_do() -> OnePlan:
    plan = plan_ready_for_do()
    plan.move_to(Stage.DO, actor=SENCO)
    return plan


def plan_in_review() -> OnePlan:
    plan = plan_in_do()
    plan.move_to(Stage.REVIEW, actor=SENCO)
    return plan


def plan_reviewed() -> OnePlan:
    """In the review stage, with a review of cycle 1 rating every open outcome."""
    plan = plan_in_review()
    record_a_review(plan)
    return plan


def plan_in_second_cycle() -> OnePlan:
    plan = plan_reviewed()
    plan.move_to(Stage.ASSESS, actor=SENCO)
    return plan


def plan_closed() -> OnePlan:
    plan = plan_in_do()
    plan.close(reason="moved_setting", actor=SENCO)
    return plan


def plan_after_two_full_cycles() -> OnePlan:
    """Two whole cycles and the start of a third, touching every kind of entry the plan has;
    closed and reopened on the way. Every event stays pending, so it can be collected."""
    plan = plan_in_assess()
    plan.update_profile(
        {"strengths": "Kind", "preparing_for_adulthood": {"health": "Fit"}}, actor=SENCO
    )
    plan.record_view(whose="child", text="I like trains.", how_gathered="play", actor=SENCO)
    need_id = identify_a_need(plan)
    plan.revise_need(need_id, description="Says about ten words.", actor=SENCO)
    plan.correct_entry(opening_of(plan), {"child": {"name": "Aly"}}, reason="Misspelt", actor=SENCO)
    plan.move_to(Stage.PLAN, actor=SENCO, reason="Assessment complete")
    outcome_id = agree_an_outcome(plan, need_id=need_id)
    provision_id = agree_a_provision(plan, [outcome_id], end_date=days_from_today(80))
    plan.revise_provision(provision_id, {"frequency": "three times a week"}, actor=SENCO)
    plan.schedule_review(days_from_today(60), actor=SENCO)
    agree_with_parent(plan)
    plan.move_to(Stage.DO, actor=SENCO)
    plan.close(reason="moved_setting", actor=SENCO)
    plan.reopen(reason="Came back", actor=SENCO)
    plan.move_to(Stage.REVIEW, actor=SENCO)
    record_a_review(plan, next_review_date=days_from_today(120))
    plan.move_to(Stage.ASSESS, actor=SENCO)
    # Cycle 2: the need is met, a new one found, the first outcome achieved, provision changed.
    plan.revise_need(need_id, resolve=True, actor=SENCO)
    second_need = identify_a_need(plan, "Finds change hard.")
    plan.move_to(Stage.PLAN, actor=SENCO)
    plan.revise_outcome(outcome_id, {"status": "achieved"}, actor=SENCO)
    second_outcome = agree_an_outcome(plan, need_id=second_need, description="Copes with change")
    plan.revise_provision(provision_id, {}, end=True, actor=SENCO)
    agree_a_provision(plan, [second_outcome], description="Visual timetable", kind="adjustment")
    plan.remove_participant(
        next(p.id for p in plan.participants.values() if p.role == "key_person"), actor=SENCO
    )
    agree_with_parent(plan)
    plan.move_to(Stage.DO, actor=SENCO)
    plan.move_to(Stage.REVIEW, actor=SENCO)
    record_a_review(plan)
    plan.move_to(Stage.ASSESS, actor=SENCO)
    return plan

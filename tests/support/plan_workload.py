"""Many realistic One Plans, written straight through `PlanLedger` (no HTTP): the workload of
the projection tests and of the P3 catch-up benchmark.

Each plan lives through whole cycles of the graduated approach in the past — opened months
ago, assessed, planned, agreed with a parent, reviewed on its review date — and stops where
its story stops: some still in assess, some in plan awaiting a parent's agreement, most in do
with a review date ahead, some overdue because nobody held the review. A few have corrections,
resolved needs, achieved outcomes, closures and reopenings. Plans advance in groups, one
phase at a time, so their events interleave in the notification log as real traffic does.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from domain.events import PlanOpened
from domain.plan import OnePlan
from domain.values import Actor, Stage
from services.ledger import PlanLedger

AREAS = (
    "communication_and_interaction",
    "cognition_and_learning",
    "social_emotional_and_mental_health",
    "sensory_and_physical",
)
OUTCOMES = ("Uses 3-word phrases", "Joins a group game", "Reads 20 common words", "Asks for help")


def setting_ref(number: int) -> str:
    return f"URN-{100000 + number}"


@dataclass
class PlanStory:
    """One plan and where its story has reached: the time of its next entry, and its cast."""

    plan: OnePlan
    now: datetime
    actor: Actor
    parent: UUID
    senco: UUID
    opening: PlanOpened
    finished: bool = False
    steps: Iterator[None] = field(init=False)


@dataclass
class PlanWorkload:
    """Writes `plans` plans across `settings` settings; `seed` makes it repeatable."""

    ledger: PlanLedger
    plans: int
    settings: int = 8
    seed: int = 7
    group_size: int = 100
    written: int = 0

    def write(self) -> int:
        """Write every plan; answers the number of events written."""
        rng = random.Random(self.seed)
        for first in range(0, self.plans, self.group_size):
            stories = [
                self._open(rng, n) for n in range(first, min(first + self.group_size, self.plans))
            ]
            for story in stories:
                story.steps = _story(story, rng)
            self._advance_together(stories)
        return self.written

    def _open(self, rng: random.Random, number: int) -> PlanStory:
        setting = number % self.settings
        actor = Actor(id=f"senco-{setting}", name=f"SENCO of setting {setting}", role="senco")
        opened = datetime.now(UTC) - timedelta(days=rng.randint(20, 500), hours=rng.randint(0, 12))
        plan = OnePlan.open(
            child={
                "ref": f"C-{number:06d}",
                "name": f"Child {number}",
                "date_of_birth": date(2016, 1, 1) + timedelta(days=number % 2000),
            },
            setting={"ref": setting_ref(setting), "name": f"Setting {setting}", "phase": "school"},
            actor=actor,
            occurred_at=opened,
        )
        later = opened + timedelta(hours=1)
        parent = plan.add_participant(
            name=f"Parent {number}",
            role="parent_carer",
            has_parental_responsibility=True,
            actor=actor,
            occurred_at=later,
        )
        plan.add_participant(name=f"Child {number}", role="child", actor=actor, occurred_at=later)
        senco = plan.add_participant(name=actor.name, role="senco", actor=actor, occurred_at=later)
        opening = plan.pending_events[0]
        assert isinstance(opening, PlanOpened)
        return PlanStory(plan, opened + timedelta(days=1), actor, parent, senco, opening)

    def _advance_together(self, stories: list[PlanStory]) -> None:
        """One phase of every unfinished plan, then one save for the group: interleaved events."""
        while True:
            active = [s for s in stories if not s.finished]
            if not active:
                return
            for story in active:
                if next(story.steps, "end") == "end":
                    story.finished = True
            pending = [s.plan for s in stories if s.plan.pending_events]
            if pending:
                self.written += sum(len(p.pending_events) for p in pending)
                self.ledger.save(*pending)


def _story(story: PlanStory, rng: random.Random) -> Iterator[None]:
    """The phases of one plan, each yielding so the group can save; stops before the future."""
    plan, who = story.plan, story.actor
    yield None  # the opening and the people are saved first
    while True:
        if not _assess(story, rng):
            return
        yield None
        review_date = _plan(story, rng)
        if review_date is None:
            return
        yield None
        _at(story, days=1)
        if rng.random() < 0.08 or story.now > _now():
            return  # left in the plan stage, awaiting the parent's agreement
        plan.agree_plan(
            agreed_by=[story.parent],
            method=rng.choice(["meeting", "phone"]),
            actor=who,
            occurred_at=story.now,
        )
        plan.move_to(Stage.DO, actor=who, occurred_at=story.now)
        yield None
        if review_date >= _today() or rng.random() < 0.1:
            _extras(story, rng)
            return  # doing; a neglected one becomes overdue
        _review(story, rng, review_date)
        yield None
        if rng.random() < 0.05:
            _at(story, days=1)
            if story.now > _now():
                return
            plan.close(reason="needs_met", actor=who, occurred_at=story.now)
            if rng.random() < 0.5:
                return
            plan.reopen(reason="Needs returned", actor=who, occurred_at=story.now)
        _at(story, days=1)
        if story.now > _now():
            return
        plan.move_to(Stage.ASSESS, actor=who, occurred_at=story.now)
        yield None


def _assess(story: PlanStory, rng: random.Random) -> bool:
    plan, who = story.plan, story.actor
    if story.now > _now() - timedelta(days=4):
        return False
    plan.update_profile(
        {"strengths": rng.choice(["Kind", "Curious", "Funny"])}, actor=who, occurred_at=story.now
    )
    for need in list(plan.needs.values()):
        if need.status == "open" and rng.random() < 0.3:
            plan.revise_need(need.id, resolve=True, actor=who, occurred_at=story.now)
    if not any(n.status == "open" for n in plan.needs.values()) or rng.random() < 0.3:
        plan.identify_need(
            area=rng.choice(AREAS),
            description="Finds it hard to join in",
            actor=who,
            occurred_at=story.now,
        )
    plan.record_view(
        whose="child",
        text="I like the quiet corner",
        how_gathered="talking mat",
        actor=who,
        occurred_at=story.now,
    )
    if rng.random() < 0.05:
        return False  # still being assessed
    plan.move_to(Stage.PLAN, actor=who, occurred_at=story.now)
    return True


def _plan(story: PlanStory, rng: random.Random) -> date | None:
    plan, who = story.plan, story.actor
    _at(story, days=3)
    if story.now > _now():
        return None
    for outcome in plan.open_outcomes():
        if rng.random() < 0.3:
            plan.revise_outcome(
                outcome.id, {"status": "achieved"}, actor=who, occurred_at=story.now
            )
    need_id = next(n.id for n in plan.needs.values() if n.status == "open")
    outcome_id = plan.agree_outcome(
        description=rng.choice(OUTCOMES),
        success_criteria="Seen in 4 of 5 sessions",
        target_date=story.now.date() + timedelta(days=90),
        need_id=need_id,
        actor=who,
        occurred_at=story.now,
    )
    if not any(p.status == "active" for p in plan.provisions.values()):
        plan.agree_provision(
            description="Small-group language sessions",
            kind="intervention",
            frequency="3 times a week",
            delivered_by="Teaching assistant",
            start_date=story.now.date(),
            outcome_ids=[outcome_id],
            actor=who,
            occurred_at=story.now,
        )
    review_date = story.now.date() + timedelta(days=rng.randint(20, 90))
    plan.schedule_review(review_date, actor=who, occurred_at=story.now)
    if rng.random() < 0.1:
        plan.correct_entry(
            story.opening,
            {"child": {"name": f"{plan.child.name} (corrected)"}},
            reason="Misspelt",
            actor=who,
            occurred_at=story.now,
        )
    return review_date


def _review(story: PlanStory, rng: random.Random, review_date: date) -> None:
    plan, who = story.plan, story.actor
    story.now = datetime.combine(review_date, datetime.min.time(), UTC) + timedelta(hours=15)
    plan.move_to(Stage.REVIEW, actor=who, occurred_at=story.now)
    attendees = [story.senco, story.parent] if rng.random() < 0.7 else [story.senco]
    plan.record_review(
        held_on=review_date,
        attendees=attendees,
        progress=[
            {
                "outcome_id": o.id,
                "rating": rng.choice(["achieved", "partly_achieved"]),
                "comment": None,
            }
            for o in plan.open_outcomes()
        ],
        impact="Joins in more often",
        decision="continue",
        next_review_date=review_date + timedelta(days=rng.randint(30, 90))
        if rng.random() < 0.7
        else None,
        actor=who,
        occurred_at=story.now,
    )


def _extras(story: PlanStory, rng: random.Random) -> None:
    """A plan left doing: now and then a corrected review date or an extra provision."""
    plan, who = story.plan, story.actor
    _at(story, days=1)
    if story.now > _now() or rng.random() > 0.2:
        return
    outcome = next(iter(plan.open_outcomes()), None)
    if outcome is not None:
        plan.revise_outcome(
            outcome.id,
            {"success_criteria": "Seen in 3 of 5 sessions"},
            actor=who,
            occurred_at=story.now,
        )


def _at(story: PlanStory, days: int) -> None:
    story.now += timedelta(days=days)


def _now() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


def _today() -> date:
    return datetime.now(UTC).date()

"""The plan as it was in the world on a date (`valid_at`), as known now or at another time.

`as_of=T` is the plan as the ledger had *recorded* it at T: a prefix of its events, which
the repository rebuilds from the nearest snapshot. `valid_at=D` is the plan as it *was* on D
by `occurred_at`: the events known at T (now by default) that had happened by D, applied in
the order they were recorded. A review held on 1 March but recorded on 5 March is in the plan
at `valid_at=3 March`; an agreement recorded on 2 March but dated 4 March is not.

A correction is knowledge about the entry it corrects, so on this axis it takes effect when
that entry happened (and moves it, when it corrects the entry's `occurred_at`): as known
now, the plan on D said what the entry should have said. Before the correction was
recorded (`as_of` earlier) it said what the entry said.

Cost: the timeline (see `services.timeline`) names the longest run of versions that had all
happened by D; the repository rebuilds that run from a snapshot, and the few events beyond
it that had happened by D anyway (back-dated entries, corrections) are applied on top. An
entry that cannot stand on the plan without a later one (the removal of a participant whose
joining is dated after D) is left out and listed in `skipped`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.events import PlanEvent, PlanOpened
from domain.plan import OnePlan
from services.timeline import CorrectionRow, micros

if TYPE_CHECKING:
    from services.ledger import PlanLedger
    from services.timeline import TimelineQueries


@dataclass(frozen=True)
class ValidTimeView:
    """The plan on a date, made of every entry up to `prefix` and then the `extras`; `skipped`
    are entries left out because they could not stand without one that happened later."""

    plan: OnePlan
    prefix: int
    extras: list[int]
    skipped: list[int] = field(default_factory=list)

    @property
    def versions(self) -> list[int]:
        """Every entry the plan on that date is made of, in the order they were recorded."""
        return list(range(1, self.prefix + 1)) + self.extras


def replay(plan: OnePlan | None, events: Iterable[Any]) -> OnePlan | None:
    """Fold events (a snapshot first) into the plan: the repository's projector for reads of
    a past version. The library's default also checks every event against a runtime
    Protocol, which costs more than applying the event; these are the ledger's own events."""
    for event in events:
        plan = event.mutate(plan)
    return plan


def happened_versions(
    run: int, upto: int, at: int, corrections: list[CorrectionRow], backdated: Iterable[int]
) -> tuple[int, list[int]]:
    """(prefix, extras): every version up to `prefix`, then each of `extras`, had happened by
    `at`, and nothing else known by version `upto` had. Pure; see the module docstring."""
    moved: dict[int, int] = {}
    for c in corrections:
        if c.corrected_occurred_us is not None:
            moved[c.corrects_version] = c.corrected_occurred_us
    prefix = min(run, upto)
    for version, when in moved.items():
        if version <= prefix and when > at:
            prefix = version - 1
    correcting = {c.version for c in corrections}
    extras = {v for v in range(prefix + 1, min(run, upto) + 1) if v not in correcting}
    extras |= {v for v in backdated if v > prefix}
    extras |= {v for v, when in moved.items() if prefix < v <= upto and when <= at}
    extras -= {v for v, when in moved.items() if when > at}
    for c in corrections:
        if c.version > prefix and (c.corrects_version <= prefix or c.corrects_version in extras):
            extras.add(c.version)
    return prefix, sorted(extras)


def plan_valid_at(
    ledger: PlanLedger, timeline: TimelineQueries, plan_id: UUID, valid_at: datetime, upto: int
) -> ValidTimeView | None:
    """The plan as it was in the world at `valid_at`, from what was recorded up to `upto`;
    None if it had not been opened by then."""
    at = micros(valid_at)
    happened = timeline.timeline_happened(plan_id, at, upto)
    prefix, extras = happened_versions(happened.run, upto, at, happened.corrections, happened.late)
    if prefix == 0 and 1 not in extras:
        return None
    plan = ledger.plan_at_version(plan_id, prefix) if prefix else None
    skipped: list[int] = []
    for event in ledger.events_at(plan_id, extras):
        if plan is None:
            plan = event.mutate(None)
        elif not _apply_out_of_turn(plan, event):
            skipped.append(event.originator_version)
    assert plan is not None
    return ValidTimeView(plan, prefix, [v for v in extras if v not in skipped], skipped)


def _apply_out_of_turn(plan: OnePlan, event: PlanEvent | PlanOpened) -> bool:
    """Apply an event without the library's check that it is the next version."""
    try:
        event.apply(plan)
    except (LookupError, AttributeError, TypeError):
        return False
    plan.version = event.originator_version
    plan.modified_on = event.timestamp
    return True

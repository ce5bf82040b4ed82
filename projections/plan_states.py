"""Each plan's state as the state-based views need it, advanced by the events they process.

The current-plans and caseload views are functions of the OnePlan aggregate itself — the
domain's own `apply` decides what a correction changes, whether the agreement is still
current, which participants are parents — so they never re-implement its rules. Keeping every
plan's state in memory, advanced event by event, spares reading each plan again.

The states check themselves: a plan is advanced only by the event that follows its version;
any other case (a plan not in memory, or moved on past the batch by a view that is ahead)
loads that plan at the needed version from the ledger. So the views that follow the log
together share one `PlanStates`, and a view that lags behind still gets the right states.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from uuid import UUID

from domain.events import PlanEvent, PlanOpened
from domain.plan import OnePlan

Event = PlanEvent | PlanOpened
#: The plan at a version, read from the ledger.
LoadPlan = Callable[[UUID, int], OnePlan]


class PlanStates:
    """At most `capacity` plans' states, least recently used forgotten first."""

    def __init__(self, load: LoadPlan, capacity: int = 5000) -> None:
        self._load = load
        self._capacity = capacity
        self._plans: OrderedDict[UUID, OnePlan] = OrderedDict()

    def after(self, events: Sequence[Event]) -> dict[UUID, OnePlan]:
        """Each plan the events touch, as it stood after its last event among them.

        The answered states are live: read them before asking about the next batch.
        """
        for event in events:
            self._advance(event)
        last_versions = {e.originator_id: e.originator_version for e in events}
        return {plan_id: self._at(plan_id, version) for plan_id, version in last_versions.items()}

    def _advance(self, event: Event) -> None:
        plan_id, version = event.originator_id, event.originator_version
        plan = self._plans.get(plan_id)
        if plan is not None and plan.version >= version:
            return  # already advanced past this event by a view that processed it first
        if plan is None or plan.version != version - 1:
            plan = self._load(plan_id, version - 1) if version > 1 else None
        self._keep(plan_id, event.mutate(plan))

    def _at(self, plan_id: UUID, version: int) -> OnePlan:
        plan = self._plans.get(plan_id)
        if plan is None or plan.version != version:
            return self._load(plan_id, version)  # forgotten, or moved on past this batch
        return plan

    def _keep(self, plan_id: UUID, plan: OnePlan | None) -> None:
        assert plan is not None
        self._plans[plan_id] = plan
        self._plans.move_to_end(plan_id)
        if len(self._plans) > self._capacity:
            self._plans.popitem(last=False)

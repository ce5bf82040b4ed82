"""The tribunal evidence bundle: a plan as recorded at a moment, with everything behind it.

One call answers what the plan said at T, how it came to say it (every event up to T, in
order, with actor, both times, version, position and chain hashes), the stages and reviews
of each cycle with progress per outcome, the corrections, and whether the stored history
still verifies — with the chain head at T, the value a subscriber's copy can be checked
against.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.chain import own_fields, plain
from domain.events import EntryCorrected, PlanEvent, PlanOpened
from domain.plan import OnePlan
from services.ledger import PlanLedger
from services.presenters import present_plan
from services.store import positions_of
from services.verification import verify_plan


def evidence_bundle(
    ledger: PlanLedger, plan_id: UUID, at: datetime, requested: datetime | None
) -> dict[str, Any]:
    """The bundle for the plan as recorded at `at` (`requested` is what the caller asked)."""
    plan = ledger.plan_as_of(plan_id, at)
    events = ledger.events_of(plan_id, upto=plan.version)
    positions = positions_of(ledger.recorder, plan_id, 1, plan.version)
    check = verify_plan(ledger, plan_id)
    return {
        "plan_id": plan_id,
        "as_of": {"requested": requested, "at": at, "version": plan.version},
        "generated_at": datetime.now(at.tzinfo),
        "plan": present_plan(plan),
        "events": [_event(e, positions.get(e.originator_version)) for e in events],
        "cycles": _cycles(plan),
        "corrections": [_correction(e) for e in events if isinstance(e, EntryCorrected)],
        "verification": vars(check),
        "chain_head": events[-1].hash,
        "notes": [],
    }


def _event(event: PlanEvent | PlanOpened, position: int | None) -> dict[str, Any]:
    payload = own_fields(vars(event))
    for shown_apart in ("actor", "occurred_at"):
        payload.pop(shown_apart, None)
    return {
        "version": event.originator_version,
        "position": position,
        "event_type": type(event).__name__,
        "actor": event.actor,
        "occurred_at": event.occurred_at,
        "recorded_at": event.timestamp,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
        "payload": plain(payload),
    }


def _cycles(plan: OnePlan) -> list[dict[str, Any]]:
    changes: dict[int, list[Any]] = defaultdict(list)
    for change in plan.stage_history:
        changes[change.cycle].append(change)
    people = {p: f"{x.name} ({x.role})" for p, x in plan.participants.items()}
    outcomes = {o: x.description for o, x in plan.outcomes.items()}
    cycles = []
    for cycle in range(1, plan.cycle + 1):
        reviews = [r for r in plan.reviews if r.cycle == cycle]
        cycles.append(
            {
                "cycle": cycle,
                "stage_changes": changes[cycle],
                "reviews": [_review(r, people, outcomes) for r in reviews],
            }
        )
    return cycles


def _review(review: Any, people: dict[str, str], outcomes: dict[str, str]) -> dict[str, Any]:
    return {
        "id": review.id,
        "held_on": review.held_on,
        "decision": review.decision,
        "impact": review.impact,
        "child_view": review.child_view,
        "parent_view": review.parent_view,
        "next_review_date": review.next_review_date,
        "attendees": [people.get(str(a), str(a)) for a in review.attendees],
        "progress": [
            {
                "outcome_id": p.outcome_id,
                "outcome": outcomes.get(str(p.outcome_id)),
                "rating": p.rating,
                "comment": p.comment,
            }
            for p in review.progress
        ],
    }


def _correction(event: EntryCorrected) -> dict[str, Any]:
    return {
        "version": event.originator_version,
        "corrected_version": event.corrected_version,
        "corrected_event_type": event.corrected_event_type,
        "changes": plain(event.changes),
        "reason": event.reason,
        "at": event.occurred_at,
        "by": event.actor,
    }

"""Recompute a plan's hash chain from the events as they lie in the store.

Reads the raw stored events (topic and bytes), not the repository's cached or snapshotted
plan: a byte changed in the database must show. Each event is decoded afresh, its content
rehashed (`domain.chain.content_is_intact`) and its link to the previous event checked
(`domain.chain.check_links`). The plan timeline, written in the same transactions as the
events, witnesses which versions were written: an event it never saw was inserted, a
version it saw that is gone is missing (even the last one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.chain import ChainCheck, Link, check_links, content_is_intact
from services.ledger import PlanLedger, PlanNotFound


def verify_plan(ledger: PlanLedger, plan_id: UUID) -> ChainCheck:
    """The first place the plan's stored chain breaks, and how; or ok and its chain head."""
    stored = list(ledger.recorder.select_events(plan_id))
    timeline = ledger.timeline()
    witnessed = set(timeline.timeline_versions(plan_id)) if timeline else set()
    if not stored and not witnessed:
        raise PlanNotFound(plan_id)
    links = [_link(ledger, event, witnessed) for event in stored]
    return check_links(links, max(witnessed) if witnessed else None)


def _link(ledger: PlanLedger, stored: StoredEvent, witnessed: set[int]) -> Link:
    version = stored.originator_version
    seen = not witnessed or version in witnessed
    try:
        event = ledger.mapper.to_domain_event(stored)
    except Exception:  # noqa: BLE001 - bytes that no longer decode are a changed event
        return Link(version, False, None, None, seen)
    attributes = vars(event)
    return Link(
        version,
        content_is_intact(type(event).__name__, attributes),
        attributes.get("prev_hash"),
        attributes.get("hash"),
        seen,
    )


def verify_all(
    ledger: PlanLedger, progress: Callable[[int, int], None] | None = None
) -> Iterator[tuple[UUID, ChainCheck]]:
    """Every plan in the store, verified one by one; `progress(done, total)` after each."""
    timeline = ledger.timeline()
    if timeline is None:
        raise NotImplementedError("verifying every plan needs the SQLite or PostgreSQL store")
    plan_ids = timeline.timeline_plan_ids()
    for done, plan_id in enumerate(plan_ids, start=1):
        yield plan_id, verify_plan(ledger, plan_id)
        if progress is not None:
            progress(done, len(plan_ids))

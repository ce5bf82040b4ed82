"""The plan and its events as the v1 contract shows them (plain dicts for the schemas to dump)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.chain import CHAIN_FIELDS
from domain.events import PlanEvent, PlanOpened
from domain.plan import OnePlan

#: Who, when and the event's place in the hash chain are shown beside the payload, or (salts
#: and digests) not at all: they serve verification, not the reader.
_NOT_PAYLOAD = {
    "originator_id", "originator_version", "timestamp", "originator_topic", "actor", *CHAIN_FIELDS,
}  # fmt: skip


def present_plan(plan: OnePlan) -> dict[str, Any]:
    agreement = None
    if plan.agreement is not None:
        agreement = {**_fields(plan.agreement), "current": plan.agreement_is_current()}
    return {
        "id": plan.id,
        "version": plan.version,
        "status": plan.status,
        "stage": plan.stage,
        "cycle": plan.cycle,
        "child": _fields(plan.child),
        "setting": _fields(plan.setting),
        "participants": [_fields(p) for p in plan.participants.values()],
        "profile": _fields(plan.profile),
        "needs": [_fields(n) for n in plan.needs.values()],
        "views": [_fields(v) for v in plan.views.values()],
        "outcomes": [_fields(o) for o in plan.outcomes.values()],
        "provisions": [_fields(p) for p in plan.provisions.values()],
        "review_date": plan.review_date,
        "agreement": agreement,
        "reviews": [_fields(r) for r in plan.reviews],
        "stage_history": [_fields(s) for s in plan.stage_history],
        "corrections": [_fields(c) for c in plan.corrections],
        "opened_at": plan.opened_at,
        "updated_at": plan.modified_on,
        "closure": _fields(plan.closure) if plan.closure else None,
    }


def event_payload(event: PlanEvent | PlanOpened) -> dict[str, Any]:
    """What the entry recorded, beyond who and when: the fields a correction may name."""
    return {k: _jsonable(v) for k, v in vars(event).items() if k not in _NOT_PAYLOAD}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(_fields(value))
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    return value


def _fields(record: Any) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}

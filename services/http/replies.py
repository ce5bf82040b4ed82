"""What every plan-carrying view shares: the caller as actor, If-Match, and the reply headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import current_app

from domain.plan import OnePlan
from domain.values import Actor
from services.http.auth import require_writer
from services.http.preconditions import format_etag, required_if_match
from services.ledger import PlanLedger, Written
from services.presenters import present_plan

Reply = tuple[dict[str, Any], dict[str, str]]


def ledger() -> PlanLedger:
    """This worker's PlanLedger, built by `create_app` (never at import time)."""
    built: PlanLedger = current_app.extensions["oneplan.ledger"]
    return built


def actor() -> Actor:
    """The writing caller, from the bearer token: the actor of every event this request makes."""
    identity = require_writer()
    return Actor(id=identity.id, name=identity.name, role=identity.role)


def change(use_case: Callable[..., Written], plan_id: UUID, *args: Any, **details: Any) -> Written:
    """Run one of the ledger's use cases on the version the client names in If-Match."""
    who = actor()
    return use_case(plan_id, required_if_match(), *args, actor=who, **details)


def plan_reply(plan: OnePlan, **headers: str) -> Reply:
    return present_plan(plan), {"ETag": format_etag(plan.version), **headers}


def written_reply(written: Written, collection: str | None = None) -> Reply:
    """The plan after a write; for a new entry, its Location too."""
    headers = {"X-Event-Position": str(written.position)}
    if collection is not None:
        location = f"/v1/plans/{written.plan.id}"
        if collection:
            # A correction is known by the plan version that recorded it.
            entry_id = written.created_id or written.plan.version
            location += f"/{collection}/{entry_id}"
        headers["Location"] = location
    return plan_reply(written.plan, **headers)

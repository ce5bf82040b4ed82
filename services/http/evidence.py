"""Time travel and tribunal evidence: diff between two moments, the evidence bundle (JSON or
a printable page), and the hash-chain verification of a plan's stored history."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Response, render_template, request
from flask.views import MethodView
from flask_smorest import Blueprint

from contracts import (
    DiffQuerySchema,
    DiffSchema,
    EvidenceQuerySchema,
    EvidenceSchema,
    VerificationSchema,
)
from services.diff import diff_plans
from services.evidence import evidence_bundle
from services.http.auth import current_identity
from services.http.moments import Moment, moment, notes
from services.http.preconditions import format_etag
from services.http.replies import ledger
from services.ledger import PlanLedger, PlanNotYetHappened, PlanNotYetRecorded
from services.presenters import present_plan
from services.verification import verify_plan

blp = Blueprint(
    "evidence",
    __name__,
    url_prefix="/v1/plans/<uuid:plan_id>",
    description="Time travel and tribunal evidence",
    template_folder="templates",
)


@blp.route("/diff")
class Diff(MethodView):
    @blp.arguments(DiffQuerySchema, location="query", unknown=None)
    @blp.response(200, DiffSchema)
    def get(self, query: dict[str, Any], plan_id: UUID) -> dict[str, Any]:
        """What changed between two moments, per section, each change linked to its events"""
        current_identity()
        start, end = moment("from", query["from_"]), moment("to", query.get("to"))
        valid = query["axis"] == "valid"
        after, after_versions = _plan_at(ledger(), plan_id, end.at, valid)
        try:
            before, before_versions = _plan_at(ledger(), plan_id, start.at, valid)
        except (PlanNotYetRecorded, PlanNotYetHappened):
            before, before_versions = None, set()  # everything was added since
        between = after_versions ^ before_versions
        events = [
            e
            for e in ledger().events_of(plan_id, upto=max(between, default=0))
            if e.originator_version in between
        ]
        return {
            "plan_id": plan_id,
            "axis": query["axis"],
            "from": _moment(start, before),
            "to": _moment(end, after),
            "notes": notes(start, end),
            "sections": diff_plans(
                present_plan(before) if before else None, present_plan(after), events
            ),
        }


@blp.route("/evidence")
class Evidence(MethodView):
    @blp.arguments(EvidenceQuerySchema, location="query", unknown=None)
    @blp.response(200, EvidenceSchema)
    @blp.alt_response(
        200,
        schema={"type": "string"},
        content_type="text/html",
        success=True,
        description="With Accept: text/html, one printable self-contained page.",
    )
    def get(self, query: dict[str, Any], plan_id: UUID) -> Any:
        """The evidence bundle at as_of: JSON, or a printable page with Accept: text/html"""
        current_identity()
        at = moment("as_of", query.get("as_of"))
        bundle = evidence_bundle(ledger(), plan_id, at.at, at.requested)
        bundle["notes"] = notes(at)
        headers = {"ETag": format_etag(bundle["as_of"]["version"])}
        if _wants_html():
            page = render_template("evidence.html", e=EvidenceSchema().dump(bundle))
            return Response(page, mimetype="text/html", headers=headers)
        return bundle, headers


@blp.route("/verification")
class Verification(MethodView):
    @blp.response(200, VerificationSchema)
    def get(self, plan_id: UUID) -> dict[str, Any]:
        """Recompute the plan's hash chain from the stored events: ok, or where and how it breaks"""
        current_identity()
        return vars(verify_plan(ledger(), plan_id))


def _plan_at(store: PlanLedger, plan_id: UUID, at: datetime, valid: bool) -> tuple[Any, set[int]]:
    if valid:
        view = store.plan_valid_at(plan_id, at)
        return view.plan, set(view.versions)
    plan = store.plan_as_of(plan_id, at)
    return plan, set(range(1, plan.version + 1))


def _moment(asked: Moment, plan: Any) -> dict[str, Any]:
    return {"requested": asked.requested, "at": asked.at, "version": plan.version if plan else None}


@blp.app_template_filter("when")
def _when(value: str | None) -> str:
    """An ISO date or time from the bundle as a person reads it: 4 Mar 2025, 14:05 +00:00."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(value)
    if len(value) == 10:
        return f"{moment.day} {moment:%b %Y}"
    offset = value[-6:] if value[-6:-5] in ("+", "-") else ""
    return f"{moment.day} {moment:%b %Y, %H:%M} {offset}".rstrip()


@blp.app_template_filter("words")
def _words(value: str | None) -> str:
    """parent_carer → parent carer; ReviewRecorded → review recorded."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", value or "").replace("_", " ")
    return text.lower() if text[:1].isupper() and " " in text else text


def _wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"

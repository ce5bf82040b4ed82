"""The read side over HTTP: the plan list, the audit trail, a setting's caseload.

Each reads one view. `min_position` waits (at most 5 s) for the view to reach a position of
the log — a write's `X-Event-Position` — so a client always sees its own writes; a position
the log has not reached is refused at once. `X-Projection-Position` says how far the view had
got before it was read: everything up to there is in the answer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from contracts import (
    AuditPageSchema,
    AuditQuerySchema,
    CaseloadQuerySchema,
    CaseloadSchema,
    PlanListPageSchema,
    PlanListQuerySchema,
)
from projections.audit import AuditQuery
from projections.caseload import caseload_of
from projections.catalogue import Views
from projections.current_plans import PlanQuery
from projections.timekeys import day_number
from projections.views import LEDGER_NAME, Row, SQLView
from services.http.errors import abort
from services.http.replies import ledger

blp = Blueprint("readside", __name__, url_prefix="/v1", description="Plan list, audit, caseload")

#: How long a read waits for its view to reach `min_position` before answering 503.
READ_YOUR_WRITES_WAIT = 5.0
Reply = tuple[dict[str, Any], dict[str, str]]


def views() -> Views:
    """This worker's views, opened by `create_app` on the ledger's datastore."""
    opened: Views = current_app.extensions["oneplan.views"]
    return opened


@blp.route("/plans")
class PlanList(MethodView):
    @blp.arguments(PlanListQuerySchema, location="query", unknown=None)
    @blp.response(200, PlanListPageSchema)
    def get(self, query: dict[str, Any]) -> Reply:
        """Plans as they stand: filter, sort by updated_at or review_date, page with cursors"""
        view = views().current_plans
        position = _position_reached(view, query.get("min_position"))
        cursors = _cursors(
            "plans",
            query,
            (
                "setting_ref",
                "stage",
                "status",
                "cycle",
                "review_due_before",
                "overdue",
                "sort",
                "limit",
            ),
        )
        after = cursors.decode(query.get("cursor"))
        today = datetime.now(UTC).date()
        filters = {k: v for k, v in query.items() if k not in ("cursor", "min_position")}
        rows = view.plans(PlanQuery(today=today, after=_plan_key(after), **filters))
        more = len(rows) == query["limit"]
        page = {
            "items": [_plan_item(r, today) for r in rows],
            "next_cursor": cursors.encode([rows[-1]["sort_key"], rows[-1]["plan_id"]])
            if more
            else None,
        }
        return page, _headers(position)


@blp.route("/audit")
class Audit(MethodView):
    @blp.arguments(AuditQuerySchema, location="query", unknown=None)
    @blp.response(200, AuditPageSchema)
    def get(self, query: dict[str, Any]) -> Reply:
        """Every recorded event across plans: who changed what, when; oldest first by default"""
        view = views().audit
        position = _position_reached(view, query.get("min_position"))
        cursors = _cursors(
            "audit",
            query,
            (
                "plan_id",
                "actor_id",
                "actor_role",
                "event_type",
                "recorded_from",
                "recorded_to",
                "order",
                "limit",
            ),
        )
        after = cursors.decode(query.get("cursor"))
        filters = {k: v for k, v in query.items() if k not in ("cursor", "min_position")}
        if "plan_id" in filters:
            filters["plan_id"] = str(filters["plan_id"])
        rows = view.entries(AuditQuery(after=_audit_key(after), **filters))
        more = len(rows) == query["limit"]
        page = {
            "items": [_audit_item(r) for r in rows],
            "next_cursor": cursors.encode([rows[-1]["position"]]) if more else None,
        }
        return page, _headers(position)


@blp.route("/caseload")
class Caseload(MethodView):
    @blp.arguments(CaseloadQuerySchema, location="query", unknown=None)
    @blp.response(200, CaseloadSchema)
    def get(self, query: dict[str, Any]) -> Reply:
        """A setting's caseload: stages, overdue and coming reviews, agreements, parent meetings"""
        view = views().caseload
        position = _position_reached(view, query.get("min_position"))
        rows = view.plans_of(query["setting_ref"])
        return caseload_of(rows, datetime.now(UTC).date()), _headers(position)


# ---- read-your-writes ------------------------------------------------------------------------


def _position_reached(view: SQLView, min_position: int | None) -> int:
    """The view's position, once it is at least `min_position` (503 after the wait)."""
    if min_position is not None and min_position > ledger().head_position():
        abort(
            422,
            "min_position is beyond the last recorded event.",
            errors={"min_position": [f"The log has not reached position {min_position}."]},
        )
    if min_position:
        try:
            view.wait(LEDGER_NAME, min_position, timeout=READ_YOUR_WRITES_WAIT)
        except TimeoutError:
            abort(
                503,
                f"The {view.view_name} view has not yet caught up with position {min_position}.",
                headers={"Retry-After": "1"},
            )
    return view.position()


def _headers(position: int) -> dict[str, str]:
    return {"X-Projection-Position": str(position)}


# ---- cursors ---------------------------------------------------------------------------------


class CursorCodec:
    """Opaque cursors: where the next page starts, bound to the query that gave it out and
    signed (HMAC with a key derived from the token secret). A cursor altered, made up, or used
    with other filters, sort or limit is refused with 422."""

    def __init__(self, secret: str, kind: str, query: dict[str, Any]) -> None:
        self._key = hashlib.sha256(f"oneplan-cursor:{secret}".encode()).digest()
        self._scope = json.dumps([kind, query], sort_keys=True).encode()

    def encode(self, after: list[Any]) -> str:
        body = json.dumps(after, separators=(",", ":")).encode()
        return _b64(body) + "." + _b64(self._signature(body))

    def decode(self, cursor: str | None) -> list[Any] | None:
        if cursor is None:
            return None
        try:
            body_text, signature = cursor.split(".")
            body = _unb64(body_text)
            if not hmac.compare_digest(_unb64(signature), self._signature(body)):
                raise ValueError("signature")
            after = json.loads(body)
        except (ValueError, binascii.Error):
            abort(
                422,
                "The cursor was not given out for this query, or has been altered.",
                errors={"cursor": ["Invalid or stale cursor: start again without one."]},
            )
        if not isinstance(after, list):
            abort(
                422,
                "The cursor is not one this query gave out.",
                errors={"cursor": ["Invalid cursor."]},
            )
        return after

    def _signature(self, body: bytes) -> bytes:
        return hmac.new(self._key, self._scope + b"|" + body, hashlib.sha256).digest()[:16]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _cursors(kind: str, query: dict[str, Any], bound_to: tuple[str, ...]) -> CursorCodec:
    """Cursors of this query: signed, and refused with any other filters, sort or limit."""
    secret: str = current_app.config["ONEPLAN_JWT_SECRET"]
    return CursorCodec(secret, kind, {k: _plain(query.get(k)) for k in bound_to})


def _plain(value: Any) -> Any:
    return (
        value.isoformat()
        if isinstance(value, date | datetime)
        else None
        if value is None
        else str(value)
    )


def _plan_key(after: list[Any] | None) -> tuple[int, str] | None:
    if after is None:
        return None
    if len(after) != 2 or not isinstance(after[0], int) or not isinstance(after[1], str):
        abort(
            422,
            "The cursor is not one this query gave out.",
            errors={"cursor": ["Invalid cursor."]},
        )
    return after[0], after[1]


def _audit_key(after: list[Any] | None) -> int | None:
    if after is None:
        return None
    if len(after) != 1 or not isinstance(after[0], int):
        abort(
            422,
            "The cursor is not one this query gave out.",
            errors={"cursor": ["Invalid cursor."]},
        )
    return int(after[0])


# ---- presenting rows -------------------------------------------------------------------------


def _plan_item(row: Row, today: date) -> dict[str, Any]:
    review_day, held = row["review_day"], row["last_review_day"]
    overdue = (
        row["status"] == "open"
        and review_day is not None
        and review_day < day_number(today)
        and (held is None or held < review_day)
    )
    return {
        "id": row["plan_id"],
        "child_name": row["child_name"],
        "setting": {
            "ref": row["setting_ref"],
            "name": row["setting_name"],
            "phase": row["setting_phase"],
        },
        "stage": row["stage"],
        "cycle": row["cycle"],
        "status": row["status"],
        "review_date": date.fromisoformat(row["review_date"]) if row["review_date"] else None,
        "overdue": overdue,
        "updated_at": datetime.fromisoformat(row["updated_at"]),
        "version": row["version"],
    }


def _audit_item(row: Row) -> dict[str, Any]:
    return {
        "position": row["position"],
        "plan_id": row["plan_id"],
        "event_type": row["event_type"],
        "version": row["version"],
        "actor": {"id": row["actor_id"], "name": row["actor_name"], "role": row["actor_role"]},
        "occurred_at": datetime.fromisoformat(row["occurred_at"]),
        "recorded_at": datetime.fromisoformat(row["recorded_at"]),
        "summary": row["summary"],
    }

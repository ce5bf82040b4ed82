"""A plan's history and the global event feed, for inspectors and pull-based subscribers."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from uuid import UUID

from flask.views import MethodView
from flask_smorest import Blueprint

from contracts import (
    EventFeedPageSchema,
    EventFeedQuerySchema,
    HistoryPageSchema,
    HistoryQuerySchema,
)
from contracts.common import STORED_INT_MAX
from domain.events import event_id
from services.http.auth import current_identity
from services.http.errors import abort
from services.http.replies import ledger
from services.ledger import Recorded
from services.presenters import event_payload

blp = Blueprint("feeds", __name__, url_prefix="/v1", description="History and event feed")


@blp.route("/plans/<uuid:plan_id>/history")
class History(MethodView):
    @blp.arguments(HistoryQuerySchema, location="query", unknown=None)
    @blp.response(200, HistoryPageSchema)
    def get(self, query: dict[str, Any], plan_id: UUID) -> dict[str, Any]:
        """Every event of the plan, oldest first, with actor and both times"""
        current_identity()
        after = _history_position(query.get("cursor"), plan_id)
        recorded = ledger().history(plan_id, after, query["limit"])
        more = len(recorded) == query["limit"]
        return {
            "items": [_history_item(r) for r in recorded],
            "next_cursor": _history_cursor(plan_id, recorded[-1].event.originator_version)
            if more
            else None,
        }


@blp.route("/events")
class Events(MethodView):
    @blp.arguments(EventFeedQuerySchema, location="query", unknown=None)
    @blp.response(200, EventFeedPageSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The global event feed in recorded order; next_cursor is the `after` of the next page"""
        current_identity()
        recorded = ledger().feed(query["after"], query["limit"])
        more = len(recorded) == query["limit"]
        return {
            "items": [_feed_item(r) for r in recorded],
            "next_cursor": str(recorded[-1].position) if more else None,
        }


def _history_item(recorded: Recorded) -> dict[str, Any]:
    event = recorded.event
    return {
        "event_id": event_id(event.originator_id, event.originator_version),
        "event_type": type(event).__name__,
        "version": event.originator_version,
        "position": recorded.position,
        "actor": event.actor,
        "occurred_at": event.occurred_at,
        "recorded_at": event.timestamp,
        "payload": event_payload(event),
    }


def _feed_item(recorded: Recorded) -> dict[str, Any]:
    event = recorded.event
    return {
        "position": recorded.position,
        "plan_id": event.originator_id,
        "event_type": type(event).__name__,
        "plan_version": event.originator_version,
        "occurred_at": event.occurred_at,
        "recorded_at": event.timestamp,
    }


def _history_cursor(plan_id: UUID, version: int) -> str:
    return base64.urlsafe_b64encode(f"h1:{plan_id}:{version}".encode()).decode().rstrip("=")


def _history_position(cursor: str | None, plan_id: UUID) -> int:
    if cursor is None:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, cursor_plan, version = raw.split(":")
        if tag != "h1" or UUID(cursor_plan) != plan_id or not 0 <= int(version) <= STORED_INT_MAX:
            raise ValueError(raw)
        return int(version)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        abort(
            422,
            "The cursor is not one this history gave out.",
            errors={"cursor": ["Invalid cursor."]},
        )

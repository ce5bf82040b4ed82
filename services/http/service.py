"""Liveness and readiness, for the operator and the load balancer."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from contracts import HealthSchema, ReadinessSchema
from services.http.errors import abort
from services.http.readside import views
from services.http.replies import ledger

blp = Blueprint("service", __name__, description="Service health")


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self) -> dict[str, Any]:
        """The process is up (touches nothing else)"""
        return {"status": "ok"}


@blp.route("/readyz")
class Readiness(MethodView):
    @blp.response(200, ReadinessSchema)
    def get(self) -> dict[str, Any]:
        """The event store answers; reports its head position and each view's lag behind it"""
        try:
            head = ledger().head_position()
            lags = view_lags(head)
        except Exception as error:  # noqa: BLE001 - any store failure means "not ready"
            abort(
                503, "The event store is not reachable.", errors={"store": [type(error).__name__]}
            )
        if not all(lag["ok"] for lag in lags.values()):
            abort(503, "A read-side view lags too far behind the log.", errors={"views": lags})
        return {
            "status": "ready",
            "checks": {
                "store": {"ok": True, "head_position": head},
                "views": lags,
                "relay": relay_lag(head),
            },
        }


def relay_lag(head: int) -> dict[str, Any]:
    """How far Kafka publication trails the log. Shown, not enforced: writes go on while
    Kafka is away, and the relay catches up when it returns."""
    progress = current_app.extensions.get("oneplan.relay")
    if progress is None:
        return {"enabled": False}
    try:
        position = progress.position()
    except Exception as error:  # noqa: BLE001 - the store check above already passed
        return {"enabled": True, "error": type(error).__name__}
    return {"enabled": True, "position": position, "lag": max(0, head - position)}


def view_lags(head: int) -> dict[str, dict[str, Any]]:
    """Each view's position, its lag behind the head, and whether that is within the bound."""
    bound: int = current_app.config["ONEPLAN_VIEW_LAG_MAX"]
    positions = {name: view.position() for name, view in views().named().items()}
    return {
        name: {"ok": head - position <= bound, "position": position, "lag": head - position}
        for name, position in positions.items()
    }

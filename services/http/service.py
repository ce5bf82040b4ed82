"""Liveness and readiness, for the operator and the load balancer.

`/readyz` answers 503 when the event store does not answer, when a read-side view trails the
log by more than ``ONEPLAN_VIEW_LAG_MAX`` events and, with Kafka configured, when Kafka does not
answer or the relay trails the log by more than ``ONEPLAN_RELAY_LAG_MAX`` events. The two Kafka
conditions fail readiness only under ``ONEPLAN_READYZ_KAFKA=required`` (the default); with
``reported`` they are shown and never fail it. Readiness is a signal to the operator: nothing
here refuses a write, and while Kafka is away the ledger records and the relay catches up later.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from contracts import HealthSchema, ReadinessSchema
from services.http.errors import abort
from services.http.readside import views
from services.http.replies import ledger
from services.relay import RelayProgress
from services.relay_kafka import KafkaProbe

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
        """The event store answers, the views keep up and, with Kafka configured, Kafka answers
        and the relay keeps up; 503 naming each check that fails"""
        try:
            head = ledger().head_position()
            checks: dict[str, Any] = {
                "store": {"ok": True, "head_position": head},
                "views": view_lags(head),
                "relay": relay_lag(head),
            }
        except Exception as error:  # noqa: BLE001 - any store failure means "not ready"
            abort(
                503, "The event store is not reachable.", errors={"store": [type(error).__name__]}
            )
        checks["kafka"] = kafka_reachability()
        failing = {name: check for name, check in checks.items() if _fails(name, check)}
        if failing:
            abort(503, _FAILURE_MESSAGE[next(iter(failing))], errors=failing)
        return {"status": "ready", "checks": checks}


_FAILURE_MESSAGE = {
    "views": "A read-side view lags too far behind the log.",
    "relay": "Kafka publication lags too far behind the log.",
    "kafka": "Kafka is not reachable.",
}


def _fails(name: str, check: dict[str, Any]) -> bool:
    if name == "views":  # a check per view
        return not all(view["ok"] for view in check.values())
    return check.get("ok") is False and bool(check.get("required", True))


def _kafka_required() -> bool:
    return bool(current_app.config["ONEPLAN_READYZ_KAFKA"] == "required")


def view_lags(head: int) -> dict[str, dict[str, Any]]:
    """Each view's position, its lag behind the head, and whether that is within the bound."""
    bound: int = current_app.config["ONEPLAN_VIEW_LAG_MAX"]
    positions = {name: view.position() for name, view in views().named().items()}
    return {
        name: {"ok": head - position <= bound, "position": position, "lag": head - position}
        for name, position in positions.items()
    }


def relay_lag(head: int) -> dict[str, Any]:
    """How far Kafka publication trails the log, and whether that is within the bound."""
    progress: RelayProgress | None = current_app.extensions.get("oneplan.relay")
    if progress is None:
        return {"enabled": False}
    lag = max(0, head - progress.position())
    return {
        "enabled": True,
        "ok": lag <= current_app.config["ONEPLAN_RELAY_LAG_MAX"],
        "required": _kafka_required(),
        "position": head - lag,
        "lag": lag,
    }


def kafka_reachability() -> dict[str, Any]:
    """Whether the configured Kafka answers (asked at most every few seconds)."""
    probe: KafkaProbe | None = current_app.extensions.get("oneplan.kafka")
    if probe is None:
        return {"enabled": False}
    failure = probe.failure()
    check: dict[str, Any] = {"enabled": True, "ok": failure is None, "required": _kafka_required()}
    if failure is not None:
        check["error"] = failure
    return check

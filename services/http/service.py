"""Liveness and readiness, for the operator and the load balancer."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from contracts import HealthSchema, ReadinessSchema
from services.http.errors import abort
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
        """The event store answers; reports its head position"""
        try:
            head = ledger().head_position()
        except Exception as error:  # noqa: BLE001 - any store failure means "not ready"
            abort(503, "The event store is not reachable.", errors={"store": [type(error).__name__]})
        return {"status": "ready", "checks": {"store": {"ok": True, "head_position": head}}}

"""Liveness and readiness answers."""

from __future__ import annotations

from marshmallow import fields

from contracts.common import StrictSchema


class HealthSchema(StrictSchema):
    status = fields.String()


class ReadinessSchema(StrictSchema):
    status = fields.String()
    checks = fields.Dict(
        keys=fields.String(), metadata={"description": "Each dependency checked and its state."}
    )

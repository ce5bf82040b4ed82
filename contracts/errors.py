"""The one error shape of the whole API."""

from __future__ import annotations

from marshmallow import fields

from contracts.common import StrictSchema


class ErrorSchema(StrictSchema):
    code = fields.Integer(metadata={"description": "The HTTP status code."})
    status = fields.String(metadata={"description": 'The status phrase, e.g. "Not Found".'})
    message = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Per-field messages (422) or the refusing rule (409)."},
    )

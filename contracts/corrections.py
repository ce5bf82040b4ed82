"""Correcting an earlier entry: the original stays in the record beside the correction."""

from __future__ import annotations

from marshmallow import fields, validate

from contracts.common import (
    SHORT_TEXT_MAX,
    STORED_INT_MAX,
    WriteSchema,
    long_text,
    strict_int,
)

MAX_CHANGES = 20


class CorrectEntrySchema(WriteSchema):
    event_version = strict_int(
        1,
        STORED_INT_MAX,
        metadata={"description": "The plan version whose entry is corrected."},
        required=True,
    )
    changes = fields.Dict(
        keys=fields.String(validate=validate.Length(1, SHORT_TEXT_MAX)),
        values=fields.Raw(allow_none=True),
        required=True,
        validate=validate.Length(1, MAX_CHANGES),
        metadata={
            "description": "What the entry should have said: field name to value. The ledger "
            "checks each against the fields the corrected entry carried."
        },
    )
    reason = long_text(required=True)

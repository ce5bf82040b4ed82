"""Outcomes and the provision that works towards them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from contracts.common import (
    Money,
    PatchSchema,
    WriteSchema,
    id_list,
    long_text,
    one_of,
    short_text,
    strict_int,
)
from contracts.vocabulary import OUTCOME_STATUS_CHANGES, PROVISION_KINDS, PROVISION_STATUS_CHANGES


class AgreeOutcomeSchema(WriteSchema):
    description = long_text(required=True)
    success_criteria = long_text(required=True)
    target_date = fields.Date(required=True)
    need_id = fields.UUID()


class ReviseOutcomeSchema(PatchSchema):
    description = long_text()
    success_criteria = long_text()
    target_date = fields.Date()
    need_id = fields.UUID()
    status = one_of(OUTCOME_STATUS_CHANGES)


def _check_dates(data: Mapping[str, Any]) -> None:
    # Only when both come in the same body; a PATCH of one date is checked by the ledger.
    start, end = data.get("start_date"), data.get("end_date")
    if start is not None and end is not None and end < start:
        raise ValidationError("end_date may not be before start_date.", field_name="end_date")


class AgreeProvisionSchema(WriteSchema):
    description = long_text(required=True)
    kind = one_of(PROVISION_KINDS, required=True)
    frequency = short_text(required=True)
    delivered_by = short_text(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date()
    outcome_ids = id_list(1, required=True)
    group_size = strict_int(1, 100)
    minutes_per_session = strict_int(1, 600)
    weekly_cost = Money()

    @validates_schema
    def _ends_after_it_starts(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        _check_dates(data)


class ReviseProvisionSchema(PatchSchema):
    description = long_text()
    kind = one_of(PROVISION_KINDS)
    frequency = short_text()
    delivered_by = short_text()
    start_date = fields.Date()
    end_date = fields.Date()
    outcome_ids = id_list(1)
    group_size = strict_int(1, 100)
    minutes_per_session = strict_int(1, 600)
    weekly_cost = Money()
    status = one_of(PROVISION_STATUS_CHANGES)

    @validates_schema
    def _ends_after_it_starts(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        _check_dates(data)

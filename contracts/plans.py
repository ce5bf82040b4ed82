"""Opening a plan and reading one."""

from __future__ import annotations

from marshmallow import fields

from contracts.common import StrictSchema, WriteSchema, date_not_in_future, one_of, short_text
from contracts.vocabulary import SETTING_PHASES


class ChildDetailsSchema(StrictSchema):
    ref = short_text(required=True, metadata={"description": "The setting's reference."})
    name = short_text(required=True)
    date_of_birth = fields.Date(required=True, validate=date_not_in_future)


class SettingDetailsSchema(StrictSchema):
    ref = short_text(required=True)
    name = short_text(required=True)
    phase = one_of(SETTING_PHASES, required=True)


class OpenPlanSchema(WriteSchema):
    child = fields.Nested(ChildDetailsSchema, required=True)
    setting = fields.Nested(SettingDetailsSchema, required=True)


class PlanReadQuerySchema(StrictSchema):
    as_of = fields.AwareDateTime(
        metadata={
            "description": "The plan as the ledger had recorded it at this time. "
            "A time in the future is taken as now (X-Time-Adjusted says so)."
        }
    )
    valid_at = fields.AwareDateTime(
        metadata={
            "description": "The plan as it stood in the world (by occurred_at) at this time, "
            "as known now; with as_of too, as known at as_of. A correction counts from when "
            "the entry it corrects happened."
        }
    )

"""A plan's history and the global event feed: cursor-paged collections."""

from __future__ import annotations

from marshmallow import fields, validate

from contracts.common import STORED_INT_MAX, ActorSchema, StrictSchema

CURSOR_MAX = 500


def _cursor() -> fields.String:
    return fields.String(
        validate=validate.Length(1, CURSOR_MAX),
        metadata={"description": "Opaque: the next_cursor of the previous page."},
    )


def _next_cursor() -> fields.String:
    return fields.String(
        allow_none=True, metadata={"description": "Null on the last page; opaque otherwise."}
    )


class HistoryQuerySchema(StrictSchema):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 200))
    cursor = _cursor()


class HistoryItemSchema(StrictSchema):
    event_id = fields.UUID()
    event_type = fields.String()
    version = fields.Integer()
    position = fields.Integer()
    actor = fields.Nested(ActorSchema)
    occurred_at = fields.AwareDateTime()
    recorded_at = fields.AwareDateTime()
    payload = fields.Dict(keys=fields.String())


class HistoryPageSchema(StrictSchema):
    items = fields.List(fields.Nested(HistoryItemSchema))
    next_cursor = _next_cursor()


class EventFeedQuerySchema(StrictSchema):
    after = fields.Integer(
        load_default=0,
        validate=validate.Range(0, STORED_INT_MAX),
        metadata={"description": "Answer the events after this position."},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class EventFeedItemSchema(StrictSchema):
    position = fields.Integer()
    plan_id = fields.UUID()
    event_type = fields.String()
    plan_version = fields.Integer()
    occurred_at = fields.AwareDateTime()
    recorded_at = fields.AwareDateTime()


class EventFeedPageSchema(StrictSchema):
    items = fields.List(fields.Nested(EventFeedItemSchema))
    next_cursor = _next_cursor()

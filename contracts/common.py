"""Base schemas, field builders and validators shared by every contract module."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 4000
LIST_MAX = 100
#: The largest version or position a store can hold (SQLite INTEGER, PostgreSQL BIGINT).
#: Beyond it SQLite raises OverflowError: a number in a query or body must stay within.
STORED_INT_MAX = 2**63 - 1
CLOCK_SKEW = timedelta(seconds=5)
MONEY_MAX = Decimal("1000000")
# UTC+14 is the earliest time zone: a date that is already today somewhere is never "future".
_EARLIEST_ZONE = timedelta(hours=14)

OCCURRED_AT_DESCRIPTION = (
    "When this happened in the world (ISO 8601 with an offset); defaults to the time the "
    "ledger records it. May not be in the future: up to 5 seconds ahead of the ledger's "
    "clock is tolerated for clock skew."
)


class StrictSchema(Schema):
    """Base of every contract schema: unknown fields are refused, never silently dropped."""

    class Meta:
        unknown = RAISE


def occurred_at_not_in_future(value: datetime) -> None:
    if value > datetime.now(UTC) + CLOCK_SKEW:
        raise ValidationError("occurred_at may not be in the future.")


def date_not_in_future(value: date) -> None:
    if value > (datetime.now(UTC) + _EARLIEST_ZONE).date():
        raise ValidationError("Date may not be in the future.")


def within_money_range(value: Decimal) -> None:
    if not 0 <= value <= MONEY_MAX:
        raise ValidationError(f"Must be between 0 and {MONEY_MAX}.")


def no_duplicates(values: Collection[Any]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Items must be unique.")


class WriteSchema(StrictSchema):
    """Base of every write body: each may say when the change happened in the world."""

    occurred_at = fields.AwareDateTime(
        validate=occurred_at_not_in_future,
        metadata={"description": OCCURRED_AT_DESCRIPTION},
    )


class PartialSchema(StrictSchema):
    """Any subset of the schema's fields, but at least one that changes something."""

    @validates_schema
    def _changes_something(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if not data.keys() - {"occurred_at"}:
            raise ValidationError("Give at least one field to change.")


class PatchSchema(PartialSchema, WriteSchema):
    """Base of every PATCH body."""


class JsonBoolean(fields.Boolean):
    """A JSON true or false; the strings and numbers marshmallow would coerce are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def no_nul(value: str) -> None:
    """NUL is no text anyone writes, and PostgreSQL text columns (the read side) refuse it."""
    if "\x00" in value:
        raise ValidationError("Text may not contain NUL (U+0000) characters.")


def short_text(**kwargs: Any) -> fields.String:
    """Names, refs, labels: 1 to 200 characters."""
    return fields.String(validate=[validate.Length(1, SHORT_TEXT_MAX), no_nul], **kwargs)


def long_text(min_length: int = 1, **kwargs: Any) -> fields.String:
    """Free text (descriptions, views, reasons): up to 4000 characters."""
    return fields.String(validate=[validate.Length(min_length, LONG_TEXT_MAX), no_nul], **kwargs)


def one_of(choices: Collection[str], **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(choices), **kwargs)


def strict_int(minimum: int, maximum: int | None = None, **kwargs: Any) -> fields.Integer:
    """A JSON integer within bounds; 1.5, "1" and true are refused."""
    return fields.Integer(strict=True, validate=validate.Range(minimum, maximum), **kwargs)


class Money(fields.Decimal):
    """Pounds and pence, dumped as a string such as "12.50"; a JSON number is also accepted.

    More than two decimal places is refused rather than rounded: the ledger never alters an
    amount it was given.
    """

    default_error_messages = {"inexact": "At most two decimal places."}

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "type": "string",
            "format": "decimal",
            "example": "12.50",
            "description": f"Pounds and pence, 0 to {MONEY_MAX}, as a decimal string.",
        }
        kwargs["metadata"] = {**metadata, **kwargs.get("metadata", {})}
        super().__init__(places=2, as_string=True, validate=within_money_range, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        amount = super()._deserialize(value, attr, data, **kwargs)
        if amount != Decimal(str(value)):
            raise self.make_error("inexact")
        return amount


def id_list(min_items: int, unique: bool = False, **kwargs: Any) -> fields.List:
    checks: list[Any] = [validate.Length(min_items, LIST_MAX)]
    if unique:
        checks.append(no_duplicates)
        kwargs["metadata"] = {**kwargs.get("metadata", {}), "uniqueItems": True}
    return fields.List(fields.UUID(), validate=checks, **kwargs)


class ActorSchema(StrictSchema):
    """Who made a change: the bearer token's subject, name and role."""

    id = fields.String()
    name = fields.String()
    role = fields.String()

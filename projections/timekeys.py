"""Dates and times as integers, so both stores compare and sort them alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def day_number(day: date) -> int:
    """The date's proleptic Gregorian ordinal (1 January of year 1 is day 1)."""
    return day.toordinal()


def microseconds(moment: datetime) -> int:
    """Microseconds since 1970 UTC, exactly (the moment must carry an offset)."""
    return (moment - _EPOCH) // _MICROSECOND

"""Times asked about in queries: a time in the future is answered as now, and says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

#: The response header that says a time asked about was taken as now (plan reads).
ADJUSTED_HEADER = "X-Time-Adjusted"


@dataclass(frozen=True)
class Moment:
    """A time as the caller asked for it and as it is answered; `note` says why they differ."""

    requested: datetime | None
    at: datetime
    note: str | None = None


def moment(name: str, requested: datetime | None, now: datetime | None = None) -> Moment:
    """`requested`, or now when it is left out or lies in the future (with a note saying so)."""
    now = now or datetime.now(UTC)
    if requested is None:
        return Moment(None, now)
    if requested > now:
        note = (
            f"{name}={requested.isoformat()} is in the future: "
            f"answered as of now ({now.isoformat()})"
        )
        return Moment(requested, now, note)
    return Moment(requested, requested)


def notes(*moments: Moment) -> list[str]:
    return [m.note for m in moments if m.note]

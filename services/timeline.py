"""The plan timeline: a version-at-time index, one row per event, written with the events.

The eventsourcing library's "searchable timestamps" pattern: the application hands the
recorder a row per new event (`Application.save(..., timeline=[...])` via `_record`), and
the recorder inserts them in the same transaction as the events, so the index can never
disagree with the store. A row holds the event's recorded and occurred times (microseconds
since the epoch) and two running maxima, `recorded_through` and `occurred_through`, that
never decrease with the version. That makes both questions a single index seek, whatever
the length of the history:

- "the latest version recorded by T" — the last row whose `recorded_through` ≤ T;
- "the longest run of versions that had all happened in the world by D" — the last row whose
  `occurred_through` ≤ D. Events after that run that happened by D anyway (back-dated
  entries: `backdated`) and corrections (`corrects_version`) are few, each behind a partial
  index.

The running maxima are computed by the database from the previous row, inside the insert,
so each write costs no extra round trip. The SQL is in `services.timeline_stores`; the reads
in `services.timetravel` and `PlanLedger`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.events import EntryCorrected, PlanEvent, PlanOpened

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """A moment as whole microseconds since the epoch: exact, and ordered like the moment."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


@dataclass(frozen=True)
class TimelineRow:
    """What the application knows of a new event when it saves it."""

    plan_id: Any
    version: int
    recorded_us: int
    occurred_us: int
    corrects_version: int | None
    corrected_occurred_us: int | None


@dataclass(frozen=True)
class CorrectionRow:
    """A correction known to the timeline, with the world time of the entry it corrects."""

    version: int
    corrects_version: int
    corrected_occurred_us: int | None
    target_occurred_us: int


@dataclass(frozen=True)
class Happened:
    """For a time D and a version `upto`: `run`, the last version v such that every version up
    to v had happened by D; every correction known by `upto`; and `late`, the versions after
    the run up to `upto` recorded late (back-dated) that had happened by D."""

    run: int
    corrections: list[CorrectionRow]
    late: list[int]


def timeline_rows(events: Sequence[object]) -> list[TimelineRow]:
    """The timeline rows of a batch of plan events about to be saved."""
    rows = []
    for event in events:
        if not isinstance(event, PlanEvent | PlanOpened):
            continue
        corrects, corrected_at = None, None
        if isinstance(event, EntryCorrected):
            corrects = event.corrected_version
            when = event.changes.get("occurred_at")
            corrected_at = micros(when) if isinstance(when, datetime) else None
        rows.append(
            TimelineRow(
                plan_id=event.originator_id,
                version=event.originator_version,
                recorded_us=micros(event.timestamp),
                occurred_us=micros(event.occurred_at),
                corrects_version=corrects,
                corrected_occurred_us=corrected_at,
            )
        )
    return rows


class TimelineQueries:
    """The timeline's questions, the same on both stores; subclasses run the SQL."""

    def _rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        raise NotImplementedError

    def record_timeline(self, rows: Sequence[TimelineRow]) -> None:
        """Backfill rows for events stored before the timeline existed (in version order)."""
        raise NotImplementedError

    def _one(self, name: str, **params: Any) -> int | None:
        rows = self._rows(name, **params)
        return int(rows[0]["version"]) if rows and rows[0]["version"] is not None else None

    def timeline_version_at(self, plan_id: UUID, recorded_us: int) -> int | None:
        """The plan's latest version recorded at or before the time (None: none yet)."""
        return self._one("version_at", plan_id=plan_id, at=recorded_us)

    def timeline_happened(self, plan_id: UUID, occurred_us: int, upto: int) -> Happened:
        """Where valid_at starts from: see `Happened`."""
        rows = self._rows("happened", plan_id=plan_id, at=occurred_us, upto=upto)
        run = next((r["version"] for r in rows if r["kind"] == "run"), None) or 0
        corrections = [
            CorrectionRow(**{k: r[k] for k in CorrectionRow.__dataclass_fields__})
            for r in rows
            if r["kind"] == "correction"
        ]
        late = [int(r["version"]) for r in rows if r["kind"] == "late"]
        return Happened(int(run), sorted(corrections, key=lambda c: c.version), sorted(late))

    def timeline_versions(self, plan_id: UUID) -> list[int]:
        """Every version the timeline saw written: the chain check's witness."""
        return [int(r["version"]) for r in self._rows("versions", plan_id=plan_id)]

    def timeline_last_version(self, plan_id: UUID) -> int | None:
        return self._one("last_version", plan_id=plan_id)

    def stored_at_version(self, plan_id: UUID, version: int) -> list[StoredEvent]:
        """The nearest snapshot at or before `version` (if any), then the events after it up
        to `version`: what rebuilding the plan at that version needs, in one query."""
        return self._stored("at_version", plan_id=plan_id, version=version)

    def stored_as_of(self, plan_id: UUID, recorded_us: int) -> list[StoredEvent]:
        """The same for the version recorded by the time (nothing if none was yet)."""
        return self._stored("as_of", plan_id=plan_id, at=recorded_us)

    def stored_versions(self, plan_id: UUID, versions: list[int]) -> list[StoredEvent]:
        """The plan's events at exactly these versions, in version order."""
        return self._stored("events_in", plan_id=plan_id, versions=versions)

    def _stored(self, name: str, **params: Any) -> list[StoredEvent]:
        plan_id = params["plan_id"]
        return [
            StoredEvent(plan_id, int(r["originator_version"]), r["topic"], bytes(r["state"]))
            for r in self._rows(name, **params)
        ]

    def timeline_plan_ids(self) -> list[UUID]:
        """Every plan the store holds events or timeline rows of."""
        ids = (r["plan_id"] for r in self._rows("plan_ids"))
        return [i if isinstance(i, UUID) else UUID(i) for i in ids]


#: The recorder topic for each persistence module the ledger runs on.
TIMELINE_RECORDERS = {
    "eventsourcing.sqlite": "services.timeline_stores:TimelineSQLiteRecorder",
    "eventsourcing.postgres": "services.timeline_stores:TimelinePostgresRecorder",
}

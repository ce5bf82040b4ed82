"""A projection of the ledger into one view, fed a batch of consecutive events at a time.

Each is the eventsourcing library's `Projection` of a `TrackingRecorder` view; beside the
library's one-event `process_event` it takes a whole `Batch`, whose rows it commits in one
transaction with the view's new position. Batching is what makes catching up fast: one
transaction, and one row per plan, for hundreds of events.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.events import PlanEvent, PlanOpened
from projections.views import LEDGER_NAME, SQLView

Event = PlanEvent | PlanOpened
View = TypeVar("View", bound=SQLView)


@dataclass(frozen=True)
class Batch:
    """Consecutive events of the ledger's log: every one after position `after`, in order,
    each with its position (positions may skip numbers, never events)."""

    after: int
    events: Sequence[Event]
    positions: Sequence[int]

    @property
    def last(self) -> int:
        return self.positions[-1]

    def since(self, position: int) -> Batch | None:
        """The part of this batch after `position` (None when there is none)."""
        if position <= self.after:
            return self
        keep = [i for i, p in enumerate(self.positions) if p > position]
        if not keep:
            return None
        first = keep[0]
        return Batch(position, self.events[first:], self.positions[first:])


class ViewProjection(Projection[View], ABC):
    """Turns batches of the ledger's events into one view's rows."""

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """The library's entry point: one event is a batch of one."""
        assert tracking.application_name == LEDGER_NAME, tracking
        after = self.view.position()
        self.process_batch(Batch(after, [domain_event], [tracking.notification_id]))

    def process_batch(self, batch: Batch) -> None:
        """Commit the batch's rows with the view's new position `batch.last`, in one
        transaction; `PositionMoved` when the view is no longer at `batch.after`."""
        self.commit(self.prepare(batch))

    @abstractmethod
    def prepare(self, batch: Batch) -> Prepared:
        """The view's rows for the batch (no I/O but reading plans the states lack)."""

    def commit(self, prepared: Prepared) -> None:
        self.view.record(prepared.after, prepared.last, prepared.rows)


@dataclass(frozen=True)
class Prepared:
    """A batch's rows for one view, ready to commit with its new position."""

    after: int
    last: int
    rows: Sequence[tuple[Any, ...]]

    @classmethod
    def of(cls, batch: Batch, rows: Sequence[tuple[Any, ...]]) -> Prepared:
        return cls(batch.after, batch.last, rows)

"""The projector: follows the ledger's log and keeps the views up to date, exactly once.

One subscription feeds every view: each batch of notifications is read and decoded once,
then each projection prepares its rows for the batch, and a committer thread commits them
with the view's new position — so the database's work on one batch overlaps the decoding of
the next. Batches commit in order; the first failure stops the rest. A view
that another process moved (a rebuild, a second projector) raises `PositionMoved`; the
projector then starts again from where the views really are, so nothing is applied twice.

`oneplan project` runs `Projector.run` until SIGTERM; `oneplan rebuild` resets views and runs
`Projector.catch_up`; `oneplan serve` runs `oneplan project` beside gunicorn.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from threading import Event, Thread
from typing import Any

from eventsourcing.persistence import InterfaceError, Notification, OperationalError
from prometheus_client import Counter

from projections.catalogue import VIEW_NAMES, Views, open_views, projections_of
from projections.following import subscribe
from projections.plan_states import PlanStates
from projections.projection import Batch, Prepared, ViewProjection
from projections.views import PositionMoved
from services.ledger import PlanLedger
from services.store import store_setup_lock

log = logging.getLogger(__name__)

PROJECTED = Counter(
    "oneplan_projector_events_total",
    "Events the projector has handed to the views (once each, however many views).",
)

#: Called after each batch with how many events it held and the position reached.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ProjectorSettings:
    #: Most events in one view transaction (pulls waiting together are joined up to this).
    batch_size: int = 2000
    #: SQLite only: how often to look for new events.
    poll_interval: float = 0.05
    #: Plans whose state is kept in memory between batches.
    plan_states: int = 5000
    #: After a database error, wait this long before starting again.
    retry_after: float = 1.0


def ledger_views(ledger: PlanLedger) -> Views:
    """The views, on the ledger's own datastore (and so in its database)."""
    with store_setup_lock(ledger.env):
        return open_views(ledger.factory.datastore)  # type: ignore[attr-defined]


class Projector:
    """Keeps the named views (all by default) up to date with `ledger`'s log."""

    def __init__(
        self,
        ledger: PlanLedger,
        names: Sequence[str] = VIEW_NAMES,
        settings: ProjectorSettings | None = None,
    ) -> None:
        self.ledger = ledger
        self.settings = settings or ProjectorSettings()
        self.views = ledger_views(ledger)
        states = PlanStates(self._plan_at, capacity=self.settings.plan_states)
        self.projections = projections_of(self.views, names, states)

    def run(self, stop: Event, progress: Progress | None = None) -> None:
        """Catch up, then project each event as it is recorded, until `stop` is set."""
        self._keep_following(stop, until=None, progress=progress)

    def catch_up(self, progress: Progress | None = None) -> int:
        """Project everything recorded so far; answers the position the views reached."""
        head = self.ledger.head_position()
        self._keep_following(Event(), until=head, progress=progress)
        return head

    def positions(self) -> dict[str, int]:
        return {p.name: p.view.position() for p in self.projections}

    # ---- following -----------------------------------------------------------------------

    def _keep_following(self, stop: Event, until: int | None, progress: Progress | None) -> None:
        while not stop.is_set():
            try:
                if self._follow(stop, until, progress):
                    return
            except PositionMoved as moved:
                log.info("a view moved under the projector (%s); starting again from it", moved)
            except (OperationalError, InterfaceError) as error:
                log.warning("database error while projecting (%s); retrying", error)
                stop.wait(self.settings.retry_after)

    def _follow(self, stop: Event, until: int | None, progress: Progress | None) -> bool:
        """Follow the log from the views' positions; True once they all reached `until`."""
        positions = {p.name: p.view.position() for p in self.projections}
        last = min(positions.values())
        if until is not None and last >= until:
            return True
        settings = self.settings
        subscription = subscribe(self.ledger.recorder, last, poll_interval=settings.poll_interval)
        with subscription, Committer() as committer:
            while not stop.is_set():
                notifications = subscription.next_batch(settings.batch_size, timeout=0.2)
                if notifications is None:
                    return False
                if not notifications:
                    committer.check()
                    continue
                batch = self._decoded(last, notifications)
                self._project(batch, positions, committer)
                PROJECTED.inc(len(notifications))
                last = batch.last
                if progress is not None:
                    progress(len(notifications), last)
                if until is not None and last >= until:
                    committer.finish()
                    return True
        return False

    def _decoded(self, after: int, notifications: Sequence[Notification]) -> Batch:
        to_event = self.ledger.mapper.to_domain_event
        return Batch(after, [to_event(n) for n in notifications], [n.id for n in notifications])  # type: ignore[misc]

    def _project(self, batch: Batch, positions: dict[str, int], committer: Committer) -> None:
        for projection in self.projections:
            part = batch.since(positions[projection.name])
            if part is not None:
                committer.submit(projection, projection.prepare(part))
                positions[projection.name] = part.last

    def _plan_at(self, plan_id: Any, version: int) -> Any:
        return self.ledger.repository.get(plan_id, version=version)


class Committer:
    """Commits prepared batches on its own thread, in the order submitted.

    After a failure it commits nothing more; the next `submit`, `check` or `finish` raises it.
    """

    def __init__(self, depth: int = 4) -> None:
        self._jobs: queue.Queue[tuple[ViewProjection[Any], Prepared] | None] = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread = Thread(target=self._commit_each, name="view-committer", daemon=True)

    def __enter__(self) -> Committer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._jobs.put(None)
        self._thread.join()

    def submit(self, projection: ViewProjection[Any], prepared: Prepared) -> None:
        self.check()
        self._jobs.put((projection, prepared))

    def check(self) -> None:
        if self._error is not None:
            raise self._error

    def finish(self) -> None:
        """Wait until everything submitted is committed."""
        self._jobs.join()
        self.check()

    def _commit_each(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                if self._error is None:
                    projection, prepared = job
                    projection.commit(prepared)
            except BaseException as error:  # noqa: BLE001 - handed to the following thread
                self._error = error
            finally:
                self._jobs.task_done()
        self._jobs.task_done()


def rebuild(ledger: PlanLedger, names: Iterable[str], progress: Progress | None = None) -> int:
    """Drop the named views, then project the whole log into them again."""
    names = list(names)
    views = ledger_views(ledger).named(names)
    for view in views.values():
        _reset(view)
    return Projector(ledger, names).catch_up(progress)


def _reset(view: Any, attempts: int = 5) -> None:
    """Empty a view; a projector writing it at the same moment may deadlock with us (the
    database then aborts one side), so try again, as the projector itself does."""
    for attempt in range(1, attempts + 1):
        try:
            view.reset()
            return
        except OperationalError as error:
            if attempt == attempts:
                raise
            log.warning("database error while resetting a view (%s); retrying", error)
            time.sleep(0.2 * attempt)


class RateMeter:
    """Events per second since it was made, for progress bars and benchmarks."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.events = 0

    def add(self, events: int) -> None:
        self.events += events

    @property
    def rate(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.events / elapsed if elapsed > 0 else 0.0

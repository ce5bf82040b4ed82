"""How the projector follows the ledger's log: with the eventsourcing library's subscriptions,
taking the notifications each pull fetched together rather than one at a time, so a batch of
them becomes one transaction per view.

PostgreSQL: the library's `PostgresSubscription` LISTENs on the events table's channel (the
recorder NOTIFYs in every transaction that inserts events) and pulls what was recorded.
SQLite has no subscription in the library: `SQLitePollingSubscription` is the library's
pulling subscription woken by a clock instead of a NOTIFY.

Neither can skip an event committed late: with the library's database functions off (see
`services.config`), PostgreSQL inserts lock the events table, so positions are given out in
commit order; SQLite has one writer at a time.
"""

from __future__ import annotations

import queue
from collections.abc import Sequence
from threading import Event, Thread
from typing import Any

from eventsourcing.persistence import (
    ApplicationRecorder,
    ListenNotifySubscription,
    Notification,
    ShutDown,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresSubscription
from eventsourcing.sqlite import SQLiteApplicationRecorder

#: Notifications one pull reads (the library's fixed page size).
PULL_SIZE = 500


class Batches:
    """Mixin for the library's pulling subscriptions: `next_batch` instead of `next`.

    Relies on the library's (9.5) pull loop: a thread puts each pulled list of notifications
    on `_notifications_queue`, shut down when the subscription stops.
    """

    _notifications_queue: Any
    _has_been_stopped: bool
    _thread_error: BaseException | None

    def next_batch(self, max_size: int, timeout: float) -> list[Notification] | None:
        """The notifications pulled so far, up to about `max_size`, waiting at most `timeout`
        for the first ([] if none came); None once the subscription has stopped."""
        batch = self._take(timeout)
        while batch and len(batch) < max_size:
            more = self._take(None)
            if not more:
                break
            batch.extend(more)
        return batch

    def _take(self, timeout: float | None) -> list[Notification] | None:
        """One pulled list; waits up to `timeout` (None: not at all)."""
        if self._has_been_stopped:
            self._raise_any_error()
            return None
        try:
            if timeout is None:
                pulled: Sequence[Notification] = self._notifications_queue.get(block=False)
            else:
                pulled = self._notifications_queue.get(timeout=timeout)
        except queue.Empty:
            return []
        except ShutDown:
            self._raise_any_error()
            return None
        self._notifications_queue.task_done()
        return list(pulled)

    def _raise_any_error(self) -> None:
        """The pull thread's error, if that is what stopped the subscription."""
        if self._thread_error is not None:
            raise self._thread_error


class PostgresBatches(Batches, PostgresSubscription):
    """The library's LISTEN/NOTIFY subscription, in batches."""


class SQLitePollingSubscription(Batches, ListenNotifySubscription[SQLiteApplicationRecorder]):
    """The library's pulling subscription, woken every `interval` seconds to look again."""

    def __init__(self, recorder: SQLiteApplicationRecorder, gt: int, interval: float) -> None:
        self._interval = interval
        self._clock_stopped = Event()  # before the pull thread starts: it may call stop()
        super().__init__(recorder=recorder, gt=gt)
        self._clock = Thread(target=self._tick, daemon=True)
        self._clock.start()

    def _tick(self) -> None:
        while not self._clock_stopped.wait(self._interval):
            self._has_been_notified.set()

    def stop(self) -> None:
        self._clock_stopped.set()
        super().stop()

    def __exit__(self, *args: object, **kwargs: Any) -> None:
        try:
            super().__exit__(*args, **kwargs)
        finally:
            self._clock.join()


BatchedSubscription = PostgresBatches | SQLitePollingSubscription


def subscribe(
    recorder: ApplicationRecorder, after: int, *, poll_interval: float
) -> BatchedSubscription:
    """Follow the log after position `after` (enter the answer as a context manager).

    Each pull reads `PULL_SIZE` notifications: the library's own page size, which its pull
    loop also uses to tell that it has read everything."""
    subscription: BatchedSubscription
    if isinstance(recorder, PostgresApplicationRecorder):
        subscription = PostgresBatches(recorder=recorder, gt=after)
    elif isinstance(recorder, SQLiteApplicationRecorder):
        subscription = SQLitePollingSubscription(recorder, after, poll_interval)
    else:
        raise TypeError(f"cannot follow a {type(recorder).__name__}")
    assert subscription._select_limit == PULL_SIZE  # type: ignore[union-attr]
    return subscription

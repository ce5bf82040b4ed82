"""The ledger's notification log, read in order in batches, one batch ahead of the relay."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from eventsourcing.persistence import ApplicationRecorder, Notification


class LogReader:
    """Batches of notifications after a position, oldest first.

    When a batch comes back full there is probably more behind it, so the next one is read
    on a worker thread while the caller publishes this one: the database round trip (longer
    still on a busy machine) then overlaps with Kafka work instead of adding to it.
    """

    def __init__(self, recorder: ApplicationRecorder, batch_size: int) -> None:
        self._recorder = recorder
        self._batch_size = batch_size
        self._worker: ThreadPoolExecutor | None = None
        self._ahead: tuple[int, Future[Sequence[Notification]]] | None = None

    def after(self, position: int) -> Sequence[Notification]:
        """The next batch after `position`; empty when nothing is recorded after it yet."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == position:
            batch = ahead[1].result()
        else:
            batch = self._select(position)
        if len(batch) == self._batch_size:
            self._ahead = (batch[-1].id, self._pool().submit(self._select, batch[-1].id))
        return batch

    def reset(self) -> None:
        """Forget any batch read ahead (the caller is going back to an earlier position)."""
        self._ahead = None

    def close(self) -> None:
        self._ahead = None
        if self._worker is not None:
            self._worker.shutdown(wait=True)
            self._worker = None

    def _select(self, position: int) -> Sequence[Notification]:
        return self._recorder.select_notifications(
            start=position, limit=self._batch_size, inclusive_of_start=False
        )

    def _pool(self) -> ThreadPoolExecutor:
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relay-log")
        return self._worker

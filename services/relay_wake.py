"""How the relay waits, once it has published everything recorded, for the next event.

PostgreSQL: the recorder NOTIFYs its channel in every transaction that inserts events, so
the relay LISTENs on it and wakes as soon as one commits. SQLite has no such signal: the
relay polls. Either way a wait ends after `timeout` at the latest and the relay looks again,
so a missed notification costs at most that long, never an event.
"""

from __future__ import annotations

from contextlib import ExitStack
from threading import Event
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Connection
from psycopg.sql import SQL, Identifier


class WakeUp(Protocol):
    def wait(self, stop: Event) -> None: ...

    def close(self) -> None: ...


class Poll:
    """Sleep a fixed interval (or until stopped)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval

    def wait(self, stop: Event) -> None:
        stop.wait(self.interval)

    def close(self) -> None:
        pass


class ListenForNotify:
    """Block on the events table's NOTIFY channel, holding one pooled connection."""

    def __init__(self, recorder: PostgresApplicationRecorder, timeout: float) -> None:
        self.recorder = recorder
        self.timeout = timeout
        self._held = ExitStack()
        self._connection: Connection[Any] | None = None

    def wait(self, stop: Event) -> None:
        if stop.is_set():
            return
        connection = self._listening()
        for _ in connection.notifies(timeout=self.timeout, stop_after=1):
            break

    def _listening(self) -> Connection[Any]:
        if self._connection is None:
            connection = self._held.enter_context(self.recorder.datastore.get_connection())
            connection.execute(SQL("LISTEN {0}").format(Identifier(self.recorder.channel_name)))
            self._connection = connection
        return self._connection

    def close(self) -> None:
        """Give the connection back (after an error too: the pool discards a broken one)."""
        self._connection = None
        self._held.close()


def wake_up_for(
    recorder: ApplicationRecorder, poll_interval: float, listen_timeout: float
) -> WakeUp:
    if isinstance(recorder, PostgresApplicationRecorder):
        return ListenForNotify(recorder, listen_timeout)
    return Poll(poll_interval)

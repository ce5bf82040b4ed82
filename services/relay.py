"""The outbox relay: the ledger's notification log, published to Kafka, at least once, in order.

The relay reads events after its tracked position in the log's global order, sends their
messages (`services.relay_messages`) and records a new position — with the library's
tracking recorder, in the ledger's own database — only once Kafka has acknowledged every
message up to it. It never skips: on any failure it drops what is in flight and starts
again from the tracked position, so a message may be delivered twice (with the same
CloudEvents id) but never lost. Key = plan id, so Kafka keeps each plan's messages in order.

Relays started beside each other take turns: `run` publishes only while it holds the relay's
lock (`services.store.SoleHolder`), so a second relay stands by and takes over when the first
stops or dies, instead of publishing everything a second time.
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from threading import Event
from time import monotonic
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Tracking, TrackingRecorder
from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.producer.future import FutureRecordMetadata
from prometheus_client import Counter

from domain.events import PlanEvent, PlanOpened
from domain.plan import OnePlan
from services.ledger import PlanLedger
from services.relay_kafka import connect_producer, ensure_topics
from services.relay_log import LogReader
from services.relay_messages import SettingRefs, Topics, messages_for
from services.relay_wake import WakeUp, wake_up_for
from services.store import SoleHolder

log = logging.getLogger(__name__)

#: The relay's name in the ledger's tracking table.
RELAY_NAME = "relay"

PUBLISHED = Counter(
    "oneplan_relay_messages_published_total",
    "Messages Kafka acknowledged, by topic (a message resent after a rewind counts again).",
    ["topic"],
)
FAILURES = Counter(
    "oneplan_relay_failures_total",
    "Times the relay rewound to its tracked position after a failure, by the failure's type.",
    ["error"],
)


class RelayProgress:
    """How far the relay has published: its tracked position, and the lag behind the head.

    Cheap enough for every `/readyz`; any process on the ledger's database can ask.
    """

    def __init__(self, ledger: PlanLedger, name: str = RELAY_NAME) -> None:
        self._ledger = ledger
        self.name = name
        self._tracking: TrackingRecorder = ledger.factory.tracking_recorder()

    def position(self) -> int:
        """The last position Kafka acknowledged (0: nothing published yet)."""
        return self._tracking.max_tracking_id(self.name) or 0

    def lag(self) -> int:
        """Events recorded but not yet acknowledged by Kafka."""
        return max(0, self._ledger.head_position() - self.position())

    def record(self, position: int) -> None:
        self._tracking.insert_tracking(Tracking(self.name, position))


@dataclass(frozen=True)
class RelaySettings:
    bootstrap_servers: str
    topics: Topics = Topics()
    partitions: int = 3
    replication_factor: int = 1
    #: Events read from the log per batch.
    batch_size: int = 1000
    #: Batches sent but not yet acknowledged before the relay waits for the oldest.
    batches_in_flight: int = 4
    #: While busy, record the position at most this often (and always once caught up): each
    #: record is a database round trip, and a crash only means resending since the last one.
    record_interval: float = 1.0
    #: SQLite: how often to look for new events; PostgreSQL: the longest wait for a NOTIFY.
    poll_interval: float = 0.05
    listen_timeout: float = 1.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    #: How often a standby relay tries for the lock, and a publishing one checks it still has it.
    standby_interval: float = 2.0
    lock_check_interval: float = 1.0
    #: Its name in the tracking table: another name (another Kafka cluster) starts from 0.
    name: str = RELAY_NAME
    producer_overrides: Mapping[str, Any] = field(default_factory=dict)


class RelayStopped(Exception):
    """The stop event was set while the relay waited for Kafka: nothing more is recorded."""


class DeliveryFailed(Exception):
    """Kafka refused or timed out a message; the relay rewinds to its tracked position."""


@dataclass
class _Batch:
    last_position: int
    futures: list[FutureRecordMetadata]
    #: Messages in the batch, by topic.
    topics: dict[str, int]


class Relay:
    """Publishes the ledger's events to Kafka; see the module docstring for the guarantees."""

    def __init__(
        self,
        ledger: PlanLedger,
        settings: RelaySettings,
        connect: Callable[[], KafkaProducer] | None = None,
    ) -> None:
        self._ledger = ledger
        self.settings = settings
        self._connect = connect or (
            lambda: connect_producer(settings.bootstrap_servers, settings.producer_overrides)
        )
        self.progress = RelayProgress(ledger, settings.name)
        self._refs = SettingRefs(self._setting_ref_at)
        self._wake: WakeUp = wake_up_for(
            ledger.recorder, settings.poll_interval, settings.listen_timeout
        )
        self._log = LogReader(ledger.recorder, settings.batch_size)
        self._producer: KafkaProducer | None = None
        self._in_flight: deque[_Batch] = deque()
        #: Positions: recorded in the tracking table, acknowledged by Kafka, sent to Kafka.
        self._tracked = self._acknowledged = self._sent = 0
        self._recorded_at = monotonic()
        self._resume = True  # read the tracked position before the next step
        self._lock = SoleHolder(ledger.env, f"relay-{settings.name}")
        self._lock_checked = 0.0
        self._standing_by = False

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- the API -------------------------------------------------------------------------

    def lag(self) -> int:
        """Head position minus the relay's tracked position."""
        return self.progress.lag()

    def run_once(self, stop: Event | None = None) -> int:
        """Publish everything recorded so far, wait for Kafka's acknowledgements and record
        the position. Returns how many events were published; failures propagate."""
        stop = stop or Event()
        published = 0
        while count := self._step(stop):
            published += count
        return published

    def run(self, stop: Event) -> None:
        """Publish until `stop` is set, retrying every failure with exponential backoff.

        Kafka or the database being down never ends the loop; the relay rewinds and tries
        again, so the backlog is published when they return.
        """
        failures = 0
        while not stop.is_set():
            try:
                if not self._holds_the_lock():
                    stop.wait(self.settings.standby_interval)
                    continue
                if self._step(stop) == 0:
                    self._wake.wait(stop)
                failures = 0
            except RelayStopped:
                break
            except Exception as error:  # a relay must outlive any one failure: rewind, retry
                FAILURES.labels(error=type(error).__name__).inc()
                failures += 1
                delay = min(
                    self.settings.backoff_max, self.settings.backoff_initial * 2 ** (failures - 1)
                )
                log.warning(
                    "relay %r: %s: %s; retrying from the tracked position in %.1fs",
                    self.settings.name,
                    type(error).__name__,
                    error,
                    delay,
                )
                self._rewind()
                stop.wait(delay)
        self.close()

    def close(self, flush_timeout: float = 5.0) -> None:
        """Stop publishing: record what Kafka acknowledges within `flush_timeout`; whatever
        it has not is sent again by the next run."""
        if self._producer is not None and self._in_flight:
            with contextlib.suppress(Exception):  # Kafka may be down: the next run resends
                self._producer.flush(timeout=flush_timeout)
                self._settle(Event(), wait_for=0)
        self._rewind()
        self._log.close()
        self._lock.release()

    def _holds_the_lock(self) -> bool:
        """Take the relay's lock, or check (at most every `lock_check_interval`) that it is
        still ours; a relay that lost it drops what is in flight and stands by."""
        if self._lock.held and monotonic() - self._lock_checked < self.settings.lock_check_interval:
            return True
        had_it = self._lock.held
        held = self._lock.still_held() if had_it else self._lock.try_acquire()
        self._lock_checked = monotonic()
        if had_it and not held:
            log.warning("relay %r: lost the relay lock; standing by", self.settings.name)
            self._rewind()
        elif not held and not self._standing_by:
            log.info("relay %r: another relay is publishing; standing by", self.settings.name)
        elif held and not had_it and self._standing_by:
            log.info("relay %r: took over publishing", self.settings.name)
        self._standing_by = not held
        return held

    # ---- one step: read a batch, send it, settle what Kafka acknowledged -------------------

    def _step(self, stop: Event) -> int:
        if self._resume:
            self._tracked = self._acknowledged = self._sent = self.progress.position()
            self._recorded_at, self._resume = monotonic(), False
            log.info("relay %r: publishing from position %d", self.settings.name, self._sent)
        producer = self._ready_producer()
        notifications = self._log.after(self._sent)
        if not notifications:
            self._settle(stop, wait_for=len(self._in_flight))
            return 0
        futures: list[FutureRecordMetadata] = []
        topics: dict[str, int] = {}
        for notification in notifications:
            event = cast(PlanEvent | PlanOpened, self._ledger.mapper.to_domain_event(notification))
            self._refs.observe(event)
            for message in messages_for(event, notification.id, self._refs, self.settings.topics):
                topics[message.topic] = topics.get(message.topic, 0) + 1
                futures.append(
                    producer.send(
                        message.topic, key=message.key, value=message.value, headers=message.headers
                    )
                )
        self._in_flight.append(_Batch(notifications[-1].id, futures, topics))
        self._sent = notifications[-1].id
        self._settle(stop, wait_for=len(self._in_flight) - self.settings.batches_in_flight)
        return len(notifications)

    def _settle(self, stop: Event, wait_for: int) -> None:
        """Wait until the oldest `wait_for` batches are acknowledged, then record the
        position of the last batch that is acknowledged along with every batch before it."""
        for batch in list(self._in_flight)[: max(0, wait_for)]:
            _wait(batch.futures, stop)
        while self._in_flight and all(f.is_done for f in self._in_flight[0].futures):
            batch = self._in_flight.popleft()
            _check(batch.futures)
            for topic, count in batch.topics.items():
                PUBLISHED.labels(topic=topic).inc(count)
            self._acknowledged = batch.last_position
        caught_up = not self._in_flight
        due = monotonic() - self._recorded_at >= self.settings.record_interval
        if self._acknowledged > self._tracked and (caught_up or due):
            self.progress.record(self._acknowledged)
            self._tracked, self._recorded_at = self._acknowledged, monotonic()

    def _ready_producer(self) -> KafkaProducer:
        if self._producer is None:
            created = ensure_topics(
                self.settings.bootstrap_servers,
                self.settings.topics.names(),
                self.settings.partitions,
                self.settings.replication_factor,
            )
            if created:
                log.info("relay %r: created topics %s", self.settings.name, ", ".join(created))
            self._producer = self._connect()
        return self._producer

    def _rewind(self) -> None:
        """Forget everything not acknowledged and go back to the tracked position."""
        producer, self._producer = self._producer, None
        if producer is not None:
            # A grace period, so that nothing the old producer still has on the wire can land
            # after what its successor resends; then it is closed regardless.
            with contextlib.suppress(Exception):  # closing a producer whose broker is gone
                producer.close(timeout=2.0)
        self._in_flight.clear()
        self._log.reset()
        self._refs.clear()
        self._wake.close()
        self._resume = True

    def _setting_ref_at(self, plan_id: UUID, version: int) -> str:
        plan: OnePlan = self._ledger.repository.get(plan_id, version=version)
        return str(plan.setting.ref)


def _wait(futures: Iterable[FutureRecordMetadata], stop: Event) -> None:
    """Block until every future is done (or failed), checking `stop` twice a second."""
    for future in futures:
        while not future.is_done:
            if stop.is_set():
                raise RelayStopped
            with contextlib.suppress(KafkaError):  # our own wait timing out is no failure
                future.get(timeout=0.5)


def _check(futures: Iterable[FutureRecordMetadata]) -> None:
    for future in futures:
        if future.failed():
            raise DeliveryFailed(f"Kafka did not acknowledge a message: {future.exception!r}")

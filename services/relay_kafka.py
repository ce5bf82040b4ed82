"""The relay's Kafka clients: a durable producer, the topics made ready before publishing,
and the probe behind `/readyz`'s Kafka check."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from threading import Lock
from time import monotonic
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import TopicAlreadyExistsError

#: Durable by default (acks=all, idempotence, unbounded retries within the delivery timeout):
#: only the knobs that trade latency for batching and bound a blocked start-up are set here.
#: Never `api_version`: an old tuple forces request versions a Kafka 4 broker refuses.
PRODUCER_DEFAULTS: dict[str, Any] = {
    "acks": "all",
    "enable_idempotence": True,
    "linger_ms": 5,
    "batch_size": 256 * 1024,
    "bootstrap_timeout_ms": 10_000,
}


def producer_config(
    bootstrap_servers: str, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The relay's producer settings; the benchmark's raw producer uses the same ones."""
    return {"bootstrap_servers": bootstrap_servers, **PRODUCER_DEFAULTS, **dict(overrides or {})}


def connect_producer(
    bootstrap_servers: str, overrides: Mapping[str, Any] | None = None
) -> KafkaProducer:
    """A connected producer; raises NoBrokersAvailable when no broker answers in time."""
    return KafkaProducer(**producer_config(bootstrap_servers, overrides))


def ensure_topics(
    bootstrap_servers: str, names: Iterable[str], partitions: int, replication_factor: int
) -> list[str]:
    """Create whichever of the topics is missing and wait until each has a leader.

    Existing topics are left exactly as they are (their partition count included, since
    changing it would move plans to other partitions). Returns the names created.
    """
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, bootstrap_timeout_ms=10_000)
    try:
        missing = sorted(set(names) - set(admin.list_topics()))
        if missing:
            spec = {"num_partitions": partitions, "replication_factor": replication_factor}
            # Another relay (or an operator) creating one meanwhile is just as good.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics({name: dict(spec) for name in missing})
            admin.wait_for_topics(missing, timeout_ms=30_000)
        return missing
    finally:
        admin.close()


class KafkaProbe:
    """Whether a Kafka broker answers: a fresh admin client bootstraps within `timeout`
    seconds. Answers are kept for `ttl` seconds, so a burst of `/readyz` calls opens one
    connection, and one that waits on an unreachable broker holds the others only that long.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        timeout: float = 1.0,
        ttl: float = 5.0,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.timeout = timeout
        self.ttl = ttl
        self._clock = clock
        self._lock = Lock()
        self._answer: tuple[float, str | None] | None = None

    def failure(self) -> str | None:
        """None while Kafka answers; otherwise the name of what went wrong."""
        with self._lock:
            if self._answer is None or self._clock() - self._answer[0] >= self.ttl:
                self._answer = (self._clock(), self._ask())
            return self._answer[1]

    def _ask(self) -> str | None:
        millis = max(1, int(self.timeout * 1000))
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap_servers,
                bootstrap_timeout_ms=millis,
                request_timeout_ms=millis,
            )
        except Exception as error:  # noqa: BLE001 - a probe reports; it never raises
            return type(error).__name__
        with contextlib.suppress(Exception):
            admin.close()
        return None

"""The relay's Kafka clients: a durable producer, and the topics made ready before publishing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
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

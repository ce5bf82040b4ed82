"""The Kafka fixtures give tests a real Apache Kafka broker that kafka-python can use."""

from __future__ import annotations

import time
import uuid

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from tests.infra.kafka import KafkaBroker

pytestmark = pytest.mark.kafka


def create_topic(bootstrap_servers: str, partitions: int = 1) -> str:
    name = f"test-{uuid.uuid4().hex[:12]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        admin.create_topics(
            {name: {"num_partitions": partitions, "replication_factor": 1}},
            wait_for_metadata=True,
        )
    finally:
        admin.close()
    return name


def consumer(bootstrap_servers: str, topic: str) -> KafkaConsumer:
    return KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=f"group-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )


def poll_records(c: KafkaConsumer, count: int, timeout: float = 30.0) -> list[ConsumerRecord]:
    records: list[ConsumerRecord] = []
    deadline = time.monotonic() + timeout
    while len(records) < count and time.monotonic() < deadline:
        for batch in c.poll(timeout_ms=500).values():
            records.extend(batch)
    return records


def test_keyed_messages_with_headers_round_trip(kafka_bootstrap_servers: str) -> None:
    topic = create_topic(kafka_bootstrap_servers)
    sent = [
        (f"plan-{i}".encode(), f"event {i}".encode(), [("seq", str(i).encode())]) for i in range(3)
    ]

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
    try:
        futures = [producer.send(topic, key=k, value=v, headers=h) for k, v, h in sent]
        offsets = [f.get(timeout=30).offset for f in futures]
    finally:
        producer.close()
    assert offsets == [0, 1, 2]

    c = consumer(kafka_bootstrap_servers, topic)
    try:
        records = poll_records(c, 3)
        c.commit()
    finally:
        c.close()
    assert [(r.key, r.value, list(r.headers)) for r in records] == sent
    assert [r.offset for r in records] == [0, 1, 2]


def test_broker_restart_keeps_data_port_and_serves_new_messages(
    kafka_broker: KafkaBroker,
) -> None:
    servers = kafka_broker.bootstrap_servers
    topic = create_topic(servers)
    producer = KafkaProducer(bootstrap_servers=servers)
    c = consumer(servers, topic)
    try:
        producer.send(topic, key=b"k", value=b"before").get(timeout=30)
        assert [r.value for r in poll_records(c, 1)] == [b"before"]
        c.commit()

        kafka_broker.stop()  # the outage
        assert not kafka_broker.running
        kafka_broker.start()
        assert kafka_broker.bootstrap_servers == servers

        # The same clients reconnect; the group's committed offset survived the restart.
        producer.send(topic, key=b"k", value=b"after").get(timeout=30)
        assert [(r.value, r.offset) for r in poll_records(c, 1)] == [(b"after", 1)]
    finally:
        c.close()
        producer.close()

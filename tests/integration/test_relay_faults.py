"""Faults on a real broker: Kafka down while plans move on, Kafka down from the start, and the
relay process killed with SIGKILL mid-batch. Nothing recorded is ever missing from Kafka, each
plan's messages stay in order, and a redelivered message carries the same CloudEvents id."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from prometheus_client import REGISTRY

from services.ledger import PlanLedger
from services.relay import RelayProgress
from services.relay_messages import Topics
from tests.infra.kafka import KafkaBroker
from tests.integration.relay_support import (
    Store,
    assert_complete_and_in_plan_order,
    consume,
    expected_messages,
    ledger,
    open_plan,
    relay_for,
    running,
    store,
    wait_until,
    walk_through_a_cycle,
)

pytestmark = pytest.mark.kafka
__all__ = ["ledger", "store"]  # fixtures
ROOT = Path(__file__).resolve().parents[2]


def test_while_kafka_is_down_writes_succeed_and_the_backlog_then_arrives_in_plan_order(
    ledger: PlanLedger, kafka_broker: KafkaBroker
) -> None:
    servers = kafka_broker.bootstrap_servers
    plans = [open_plan(ledger, setting_ref=f"URN-{n}") for n in range(4)]
    with running(relay_for(ledger, servers)) as relay:
        wait_until(lambda: relay.lag() == 0, 60, "the relay to publish the opened plans")

        kafka_broker.stop()
        for plan_id in plans:
            walk_through_a_cycle(ledger, plan_id)  # every write is accepted: no Kafka in it
        plans.append(open_plan(ledger))
        time.sleep(2)
        assert relay.lag() > 0

        kafka_broker.start()
        wait_until(lambda: relay.lag() == 0, 180, "the backlog to be published")

    received = consume(servers, list(Topics().names()), expected_messages(ledger), group=True)
    assert_complete_and_in_plan_order(received, ledger, Topics())


def test_a_relay_started_while_kafka_is_down_publishes_once_it_is_up(
    ledger: PlanLedger, kafka_broker: KafkaBroker
) -> None:
    servers = kafka_broker.bootstrap_servers
    kafka_broker.stop()
    failures_before = relay_failures()
    with running(relay_for(ledger, servers, partitions=2)) as relay:
        plan_id = open_plan(ledger)
        walk_through_a_cycle(ledger, plan_id)
        time.sleep(1)
        assert relay.lag() == 15
        wait_until(lambda: relay_failures() > failures_before, 30, "a failure to be counted")

        kafka_broker.start()
        wait_until(lambda: relay.lag() == 0, 120, "the relay to publish after Kafka came up")

    admin = KafkaAdminClient(bootstrap_servers=servers)
    try:
        described = admin.describe_topics(list(Topics().names()))
    finally:
        admin.close()
    assert sorted(len(t["partitions"]) for t in described) == [2, 2]
    received = consume(servers, list(Topics().names()), expected_messages(ledger))
    assert_complete_and_in_plan_order(received, ledger, Topics())


def relay_failures() -> float:
    """`oneplan_relay_failures_total` over every error type, as this process counts it."""
    return sum(
        sample.value
        for family in REGISTRY.collect()
        if family.name == "oneplan_relay_failures"
        for sample in family.samples
        if sample.name == "oneplan_relay_failures_total"
    )


def relay_process(store: Store, servers: str) -> subprocess.Popen[bytes]:
    """`oneplan relay` (as `python -m services.cli relay`), configured only by the environment."""
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": servers,
        "ONEPLAN_DATA_DIR": str(store.config.data_dir),
        "DATABASE_URL": store.config.database_url or "",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", "relay"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@contextmanager
def delivered_so_far(servers: str, topic: str) -> Iterator[Callable[[], int]]:
    """A probe of how many messages the topic holds (its partitions' end offsets summed)."""
    admin = KafkaAdminClient(bootstrap_servers=servers)
    try:
        wait_until(lambda: topic in admin.list_topics(), 60, f"{topic} to be created")
    finally:
        admin.close()
    consumer = KafkaConsumer(bootstrap_servers=servers, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        yield lambda: sum(consumer.end_offsets(partitions).values())
    finally:
        consumer.close()


def test_a_relay_killed_mid_batch_loses_nothing_and_redelivers_with_the_same_ce_id(
    store: Store, ledger: PlanLedger, kafka_broker: KafkaBroker
) -> None:
    servers = kafka_broker.bootstrap_servers
    for n in range(300):
        walk_through_a_cycle(ledger, open_plan(ledger, setting_ref=f"URN-{n}"))
    head = ledger.head_position()
    progress = RelayProgress(ledger)

    first = relay_process(store, servers)
    try:
        with delivered_so_far(servers, Topics().plan_events) as delivered:
            wait_until(lambda: delivered() > 0, 60, "the relay to start publishing", 0.01)
            first.send_signal(signal.SIGKILL)
            first.wait(30)
            delivered_at_kill, tracked_at_kill = delivered(), progress.position()
    finally:
        if first.poll() is None:
            first.kill()
        _, errors = first.communicate(timeout=30)
    assert 0 < delivered_at_kill < head, f"not killed mid-stream: {errors!r}"
    assert tracked_at_kill < head

    second = relay_process(store, servers)
    try:
        wait_until(lambda: progress.position() == head, 120, "the restarted relay to finish")
    finally:
        second.send_signal(signal.SIGTERM)
        _, errors = second.communicate(timeout=60)
    assert second.returncode == 0, errors

    expected = expected_messages(ledger)
    received = consume(servers, list(Topics().names()), expected, timeout=120)
    assert_complete_and_in_plan_order(received, ledger, Topics())
    # What Kafka had beyond the tracked position when the relay died was published again.
    assert len(received) - expected >= delivered_at_kill - tracked_at_kill

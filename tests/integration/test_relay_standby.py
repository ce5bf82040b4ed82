"""Two relays on one ledger take turns instead of both publishing everything: one holds the
relay lock and publishes, the other stands by and takes over when the first stops or loses
the lock. On a real broker and both stores; every message is counted on Kafka."""

from __future__ import annotations

import logging
import time
from contextlib import ExitStack

import psycopg
import pytest

from services.ledger import PlanLedger
from services.relay import Relay
from services.relay_messages import Topics
from services.store import SoleHolder
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
    unique_topics,
    wait_until,
    walk_through_a_cycle,
)

pytestmark = pytest.mark.kafka
__all__ = ["ledger", "store"]  # fixtures


def pair(ledger: PlanLedger, servers: str, topics: Topics) -> tuple[Relay, Relay]:
    return tuple(  # type: ignore[return-value]
        relay_for(ledger, servers, topics, standby_interval=0.1, lock_check_interval=0.1)
        for _ in range(2)
    )


def test_a_second_relay_stands_by_and_takes_over_when_the_first_stops(
    ledger: PlanLedger, kafka_bootstrap_servers: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="services.relay")
    topics = unique_topics()
    first, second = pair(ledger, kafka_bootstrap_servers, topics)
    with ExitStack() as later:
        with running(first):
            wait_until(lambda: first._lock.held, 30, "the first relay to take the lock")
            later.enter_context(running(second))
            for n in range(3):
                walk_through_a_cycle(ledger, open_plan(ledger, setting_ref=f"URN-{n}"))
            wait_until(lambda: first.lag() == 0, 60, "the first relay to publish")
            assert not second._lock.held
            assert "another relay is publishing; standing by" in caplog.text
        # The first has stopped; the second takes the lock and publishes what comes next.
        walk_through_a_cycle(ledger, open_plan(ledger, setting_ref="URN-9"))
        wait_until(lambda: second.lag() == 0, 60, "the standby to take over and publish")
        assert second._lock.held
        assert "took over publishing" in caplog.text

    expected = expected_messages(ledger)
    received = consume(kafka_bootstrap_servers, list(topics.names()), expected)
    assert len(received) == expected, "two relays, yet nothing published twice"
    assert_complete_and_in_plan_order(received, ledger, topics)


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_a_relay_whose_lock_session_dies_stops_publishing_until_it_has_the_lock_again(
    store: Store, ledger: PlanLedger, kafka_bootstrap_servers: str
) -> None:
    topics = unique_topics()
    relay = relay_for(
        ledger, kafka_bootstrap_servers, topics, standby_interval=0.5, lock_check_interval=0.1
    )
    thief = SoleHolder(ledger.env, "relay-relay")
    with running(relay):
        wait_until(lambda: relay._lock.held, 30, "the relay to take the lock")
        open_plan(ledger)
        wait_until(lambda: relay.lag() == 0, 60, "the relay to publish")
        assert relay._lock._connection is not None
        backend = relay._lock._connection.info.backend_pid
        with psycopg.connect(store.config.database_url or "", autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
        wait_until(thief.try_acquire, 30, "the lock to be free for another")
        walk_through_a_cycle(ledger, open_plan(ledger, setting_ref="URN-2"))
        time.sleep(1.5)
        assert relay.lag() > 0 and not relay._lock.held, "it published without the lock"
        thief.release()
        wait_until(lambda: relay.lag() == 0, 60, "the relay to take the lock back and publish")

    received = consume(kafka_bootstrap_servers, list(topics.names()), expected_messages(ledger))
    assert_complete_and_in_plan_order(received, ledger, topics)


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_on_postgresql_the_lock_dies_with_its_session(store: Store) -> None:
    env = PlanLedger(env=store.config.store_env()).env
    first, second = SoleHolder(env, "relay-x"), SoleHolder(env, "relay-x")
    assert first.try_acquire() and not second.try_acquire()
    assert first._connection is not None
    backend = first._connection.info.backend_pid
    with psycopg.connect(store.config.database_url or "", autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
    assert not first.still_held()
    assert second.try_acquire()
    second.release()


def test_a_lock_of_another_name_is_another_lock(store: Store) -> None:
    env = PlanLedger(env=store.config.store_env()).env
    one, other = SoleHolder(env, "relay-a"), SoleHolder(env, "relay-b")
    try:
        assert one.try_acquire() and other.try_acquire()
        assert not SoleHolder(env, "relay-a").try_acquire()
    finally:
        one.release()
        other.release()
    again = SoleHolder(env, "relay-a")
    assert again.try_acquire()
    again.release()

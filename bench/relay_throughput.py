"""P4: relay throughput — the outbox relay publishing the ledger's events to Kafka, against a
raw kafka-python producer sending the same messages to the same broker in the same run.

- relay: `Relay.run_once()` over a store holding EVENTS events (plans of 50 events each:
  five cycles of the graduated approach, 20 stage transitions per plan), so it reads the
  notification log, decodes every event, builds both topics' messages, sends them and
  records its tracked position once Kafka has acknowledged them;
- raw: a KafkaProducer with the relay's own settings (acks=all, idempotence, linger, batch
  size) sending the very same, already-built messages to fresh topics and waiting for every
  acknowledgement.
Rounds alternate raw, relay, raw, relay, …, raw; each relay round (fresh topics, a fresh
tracking name, so it publishes everything again) is compared with the mean of the raw runs
on either side of it, which cancels out a machine whose load drifts. Prints every round,
both rates (messages per second) and the median ratio (target ≥ 0.8).

    python -m bench.relay_throughput [--events 50000] [--store postgres|sqlite] [--rounds 3]

Uses BENCH_DATABASE_URL / BENCH_KAFKA_BOOTSTRAP_SERVERS if set, else starts a throwaway
PostgreSQL (tests/infra/postgres.py) and Kafka broker (tests/infra/kafka.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import cast

import psycopg
from kafka import KafkaProducer

from domain.events import PlanEvent, PlanOpened
from domain.plan import OnePlan
from domain.values import Actor
from services.config import Config
from services.ledger import PlanLedger
from services.relay import Relay, RelaySettings
from services.relay_kafka import ensure_topics, producer_config
from services.relay_messages import OutgoingMessage, SettingRefs, Topics, messages_for
from tests.infra.kafka import KafkaBroker
from tests.infra.postgres import ThrowawayPostgres

SENCO = Actor(id="user-senco", name="Sam Senco", role="senco")
EVENTS_PER_PLAN = 50
PARTITIONS = 3


def a_plan_of_fifty_events(n: int) -> OnePlan:
    """Five cycles assess → plan → do → review → assess, all in memory, saved at once."""
    plan = OnePlan.open(
        child={"ref": f"C-{n}", "name": "Ali", "date_of_birth": date(2020, 1, 1)},
        setting={"ref": f"URN-{n % 40}", "name": "Oak", "phase": "school"},
        actor=SENCO,
    )
    parent = plan.add_participant(name="Pat", role="parent_carer", actor=SENCO)
    plan.add_participant(name="Kim", role="key_person", actor=SENCO)
    plan.add_participant(name="Tom", role="teacher", actor=SENCO)
    plan.update_profile({"aspirations": "To be a vet"}, actor=SENCO)
    need = plan.identify_need(
        area="cognition_and_learning", description="Reads slowly", actor=SENCO
    )
    plan.record_view(whose="child", text="I like animals", actor=SENCO)
    plan.move_to("plan", actor=SENCO)
    outcome = plan.agree_outcome(
        description="Reads 50 words",
        success_criteria="Assessed",
        target_date=date.today() + timedelta(days=100),
        need_id=need,
        actor=SENCO,
    )
    plan.agree_provision(
        description="Phonics",
        kind="intervention",
        frequency="daily",
        delivered_by="TA",
        start_date=date.today(),
        outcome_ids=[outcome],
        actor=SENCO,
    )
    plan.schedule_review(date.today() + timedelta(days=90), actor=SENCO)
    for cycle in range(5):
        if cycle:
            plan.move_to("plan", actor=SENCO)
        plan.record_view(whose="parent_carer", text=f"Cycle {cycle} went well", actor=SENCO)
        plan.update_profile({"strengths": f"Kind, cycle {cycle}"}, actor=SENCO)
        plan.agree_plan(agreed_by=[parent], method="meeting", actor=SENCO)
        plan.move_to("do", actor=SENCO)
        plan.move_to("review", actor=SENCO)
        plan.record_review(
            held_on=date.today(),
            attendees=[parent],
            impact="Progress",
            progress=[{"outcome_id": outcome, "rating": "partly_achieved"}],
            decision="continue",
            actor=SENCO,
        )
        plan.move_to("assess", actor=SENCO)
    assert plan.version == EVENTS_PER_PLAN, plan.version
    return plan


def fill(ledger: PlanLedger, events: int) -> None:
    for n in range(events // EVENTS_PER_PLAN):
        ledger.save(a_plan_of_fifty_events(n))


def built_messages(ledger: PlanLedger, topics: Topics) -> list[OutgoingMessage]:
    """Every message the relay publishes for the store's events, built up front (untimed)."""
    refs = SettingRefs(lambda plan_id, version: "unused")
    messages: list[OutgoingMessage] = []
    after = 0
    while batch := ledger.recorder.select_notifications(after, 1000, inclusive_of_start=False):
        for n in batch:
            event = cast(PlanEvent | PlanOpened, ledger.mapper.to_domain_event(n))
            refs.observe(event)
            messages.extend(messages_for(event, n.id, refs, topics))
        after = batch[-1].id
    return messages


def fresh_topics(servers: str, label: str) -> Topics:
    suffix = f"{label}.{uuid.uuid4().hex[:8]}"
    topics = Topics(f"bench.stage-transitions.{suffix}", f"bench.plan-events.{suffix}")
    ensure_topics(servers, topics.names(), PARTITIONS, 1)
    return topics


def raw_rate(servers: str, messages: list[OutgoingMessage]) -> float:
    """Messages per second for a bare producer sending `messages` and awaiting every ack."""
    topics, contract = fresh_topics(servers, "raw"), Topics()
    targets = {
        contract.plan_events: topics.plan_events,
        contract.stage_transitions: topics.stage_transitions,
    }
    start = time.perf_counter()
    producer = KafkaProducer(**producer_config(servers))
    futures = [
        producer.send(targets[m.topic], key=m.key, value=m.value, headers=m.headers)
        for m in messages
    ]
    producer.flush()
    for future in futures:
        future.get(timeout=0)
    elapsed = time.perf_counter() - start
    producer.close()
    return len(messages) / elapsed


def relay_rate(ledger: PlanLedger, servers: str, messages: int) -> tuple[float, float]:
    """(messages per second, events per second) for the relay publishing the whole store."""
    topics = fresh_topics(servers, "relay")
    relay = Relay(
        ledger,
        RelaySettings(
            bootstrap_servers=servers,
            topics=topics,
            partitions=PARTITIONS,
            name=f"bench-{uuid.uuid4()}",
        ),
    )
    start = time.perf_counter()
    events = relay.run_once()
    elapsed = time.perf_counter() - start
    relay.close()
    assert relay.lag() == 0
    return messages / elapsed, events / elapsed


def store_config(stack: ExitStack, store: str) -> Config:
    if store == "sqlite":
        return Config(
            data_dir=Path(stack.enter_context(tempfile.TemporaryDirectory())),
            database_url=None,
            jwt_secret="x",
        )
    server = os.environ.get("BENCH_DATABASE_URL") or stack.enter_context(ThrowawayPostgres()).url
    name = f"bench_relay_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return Config(
        data_dir=Path("."), database_url=server.rsplit("/", 1)[0] + f"/{name}", jwt_secret="x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--store", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with ExitStack() as stack:
        servers = (
            os.environ.get("BENCH_KAFKA_BOOTSTRAP_SERVERS")
            or stack.enter_context(KafkaBroker()).bootstrap_servers
        )
        ledger = PlanLedger(env=store_config(stack, args.store).store_env())
        stack.callback(ledger.close)
        fill(ledger, args.events)
        messages = built_messages(ledger, Topics())
        print(
            f"store: {args.store}; events: {ledger.head_position()}; "
            f"messages: {len(messages)} (both topics)"
        )
        raw_rate(servers, messages[:20_000])  # warm the broker (and its JIT) for both sides

        raws, relays, ratios = [raw_rate(servers, messages)], [], []
        for round_ in range(1, args.rounds + 1):
            relay_messages, relay_events = relay_rate(ledger, servers, len(messages))
            raws.append(raw_rate(servers, messages))
            relays.append(relay_messages)
            ratios.append(relay_messages / statistics.mean(raws[-2:]))
            print(
                f"round {round_}: raw {raws[-2]:,.0f} | relay {relay_messages:,.0f} messages/s "
                f"({relay_events:,.0f} events/s) | raw {raws[-1]:,.0f} | ratio {ratios[-1]:.2f}"
            )
        print(f"raw kafka-python producer: {statistics.median(raws):,.0f} messages/s (median)")
        print(f"relay: {statistics.median(relays):,.0f} messages/s (median)")
        print(f"ratio relay/raw: {statistics.median(ratios):.2f} (median of rounds; target >= 0.8)")


if __name__ == "__main__":
    main()

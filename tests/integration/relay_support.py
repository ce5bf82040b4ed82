"""Shared by the relay tests: stores on SQLite and PostgreSQL, realistic plans written through
PlanLedger, and an independent kafka-python consumer reading what the relay published."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from threading import Event, Thread
from typing import Any
from uuid import UUID

import pytest
from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord

from domain.values import Actor
from services.config import Config
from services.ledger import PlanLedger
from services.relay import Relay, RelaySettings
from services.relay_messages import Topics

SENCO = Actor(id="user-senco", name="Sam Senco", role="senco")
TEACHER = Actor(id="user-teacher", name="Terry Teacher", role="teacher")

#: Words that must never reach Kafka: each is written into a plan by `walk_through_a_cycle`.
PERSONAL_DATA = {
    "child name": "Zebedee Quillfeather",
    "date of birth": "2020-02-29",
    "parent name": "Philippa Quillfeather",
    "parent contact": "philippa@example.invalid",
    "key person": "Kendra Keyworth",
    "aspiration": "Wants to drive the number 42 bus",
    "need": "Uses very few words; distressed by loud assembly halls",
    "view": "I like the quiet corner with the dinosaurs",
    "outcome": "Asks for help with a two-word phrase",
    "success criteria": "Seen in five of six sessions by the key person",
    "provision": "Attention Autism bucket time sessions",
    "review impact": "Now uses eighty single words and joins circle time",
    "child view at review": "Bucket time is my favourite",
    "closure note": "Family relocated to Hertfordshire",
}


@dataclass(frozen=True)
class Store:
    name: str
    config: Config


def store_config(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Config:
    """A fresh event store: an SQLite file under `tmp_path` or a new PostgreSQL database."""
    database_url = request.getfixturevalue("postgres_database_url") if kind == "postgres" else None
    return Config(data_dir=tmp_path / "data", database_url=database_url, jwt_secret="x")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return Store(request.param, store_config(request.param, tmp_path, request))


@pytest.fixture
def ledger(store: Store) -> Iterator[PlanLedger]:
    app = PlanLedger(env=store.config.store_env())
    yield app
    app.close()


def unique_topics() -> Topics:
    """Topics of this test alone, on a broker other tests share."""
    suffix = uuid.uuid4().hex[:10]
    return Topics(f"oneplan.stage-transitions.v1.{suffix}", f"oneplan.plan-events.v1.{suffix}")


def relay_for(ledger: PlanLedger, bootstrap: str, topics: Topics | None = None, **kw: Any) -> Relay:
    settings = RelaySettings(
        bootstrap_servers=bootstrap,
        topics=topics or Topics(),
        backoff_initial=0.2,
        backoff_max=2.0,
        **kw,
    )
    return Relay(ledger, settings)


@pytest.fixture
def make_relay() -> Iterator[Callable[..., Relay]]:
    """`relay_for`, with every relay it made closed after the test."""
    made: list[Relay] = []

    def make(*args: Any, **kw: Any) -> Relay:
        made.append(relay_for(*args, **kw))
        return made[-1]

    yield make
    for relay in made:
        relay.close()


@contextmanager
def running(relay: Relay) -> Iterator[Relay]:
    """The relay's `run` loop in a thread, as `oneplan relay` runs it; stopped on exit."""
    stop = Event()
    thread = Thread(target=relay.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield relay
    finally:
        stop.set()
        thread.join(60)
        assert not thread.is_alive(), "the relay did not stop"


# ---- plans written through the application -------------------------------------------------


def open_plan(ledger: PlanLedger, setting_ref: str = "URN-100001", personal: bool = False) -> UUID:
    child = {"ref": "C-17", "name": "Ali", "date_of_birth": date(2021, 3, 4)}
    if personal:
        child = {
            "ref": "C-99",
            "name": PERSONAL_DATA["child name"],
            "date_of_birth": date.fromisoformat(PERSONAL_DATA["date of birth"]),
        }
    setting = {"ref": setting_ref, "name": "Oak Nursery", "phase": "early_years"}
    written = ledger.open_plan(child=child, setting=setting, actor=SENCO)
    assert written.created_id is not None
    return written.created_id


def walk_through_a_cycle(ledger: PlanLedger, plan_id: UUID, personal: bool = False) -> int:
    """assess → plan → do → review → assess, with everything each step needs. Returns the
    plan's version; 4 stage transitions, the last by a teacher."""
    text = PERSONAL_DATA if personal else {k: f"plain {k}" for k in PERSONAL_DATA}
    v = ledger.get_plan(plan_id).version
    w = ledger.add_participant(
        plan_id,
        v,
        name=text["parent name"],
        role="parent_carer",
        has_parental_responsibility=True,
        contact=text["parent contact"],
        actor=SENCO,
    )
    parent = w.created_id
    w = ledger.add_participant(
        plan_id, w.plan.version, name=text["key person"], role="key_person", actor=SENCO
    )
    w = ledger.update_profile(
        plan_id, w.plan.version, changes={"aspirations": text["aspiration"]}, actor=SENCO
    )
    w = ledger.identify_need(
        plan_id,
        w.plan.version,
        area="communication_and_interaction",
        description=text["need"],
        actor=SENCO,
    )
    w = ledger.record_view(
        plan_id,
        w.plan.version,
        whose="child",
        text=text["view"],
        how_gathered="talking mat",
        actor=SENCO,
    )
    w = ledger.move_to(plan_id, w.plan.version, to="plan", actor=SENCO)
    w = ledger.agree_outcome(
        plan_id,
        w.plan.version,
        description=text["outcome"],
        success_criteria=text["success criteria"],
        target_date=date.today() + timedelta(days=120),
        actor=SENCO,
    )
    outcome = w.created_id
    w = ledger.agree_provision(
        plan_id,
        w.plan.version,
        description=text["provision"],
        kind="intervention",
        frequency="daily",
        delivered_by="TA",
        start_date=date.today(),
        outcome_ids=[outcome],
        actor=SENCO,
    )
    w = ledger.schedule_review(
        plan_id, w.plan.version, review_date=date.today() + timedelta(days=90), actor=SENCO
    )
    w = ledger.agree_plan(
        plan_id, w.plan.version, agreed_by=[parent], method="meeting", actor=SENCO
    )
    w = ledger.move_to(plan_id, w.plan.version, to="do", actor=SENCO)
    w = ledger.move_to(plan_id, w.plan.version, to="review", actor=SENCO)
    w = ledger.record_review(
        plan_id,
        w.plan.version,
        held_on=date.today(),
        attendees=[parent],
        progress=[
            {"outcome_id": outcome, "rating": "partly_achieved", "comment": text["review impact"]}
        ],
        impact=text["review impact"],
        decision="continue",
        child_view=text["child view at review"],
        actor=SENCO,
    )
    w = ledger.move_to(plan_id, w.plan.version, to="assess", actor=TEACHER)
    return w.plan.version


# ---- what Kafka holds ----------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes
    headers: dict[str, bytes]

    @property
    def payload(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.value)
        return result

    @property
    def ce_id(self) -> str:
        return self.headers["ce_id"].decode()


def consume(
    bootstrap: str, topics: list[str], expected: int, timeout: float = 60.0, group: bool = False
) -> list[Received]:
    """Everything on the topics from the beginning, waiting until `expected` messages came
    (then a short extra poll, so that unexpected extra messages are seen too)."""
    consumer = KafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=f"relay-test-{uuid.uuid4().hex[:8]}" if group else None,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    records: list[ConsumerRecord] = []
    try:
        deadline = time.monotonic() + timeout
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        for batch in consumer.poll(timeout_ms=1000).values():
            records.extend(batch)
    finally:
        consumer.close()
    return [
        Received(r.topic, r.partition, r.offset, r.key, r.value, dict(r.headers)) for r in records
    ]


def by_plan(messages: list[Received]) -> dict[str, list[Received]]:
    """Each plan's messages in the order Kafka holds them (one partition per plan)."""
    plans: dict[str, list[Received]] = {}
    for m in sorted(messages, key=lambda m: (m.topic, m.partition, m.offset)):
        plans.setdefault(m.key.decode(), []).append(m)
    return plans


def first_deliveries(messages: list[Received]) -> list[Received]:
    """What a consumer deduplicating by CloudEvents id keeps: the first of each id."""
    seen: set[str] = set()
    kept = []
    for m in messages:
        if m.ce_id not in seen:
            seen.add(m.ce_id)
            kept.append(m)
    return kept


def wait_until(condition: Any, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def assert_complete_and_in_plan_order(
    received: list[Received], ledger: PlanLedger, topics: Topics
) -> None:
    """Every recorded event reached both topics as it should, each plan's messages in the
    order recorded once duplicates (same CloudEvents id) are dropped, and every duplicate is
    byte-for-byte the message it repeats."""
    recorded = ledger.feed(0, 1_000_000)
    versions: dict[str, list[int]] = {}
    transitions: dict[str, list[int]] = {}
    for r in recorded:
        plan = str(r.event.originator_id)
        versions.setdefault(plan, []).append(r.event.originator_version)
        if type(r.event).__name__ == "StageTransitioned":
            transitions.setdefault(plan, []).append(r.event.originator_version)
    expectations = ((topics.plan_events, versions), (topics.stage_transitions, transitions))
    for topic, expected in expectations:
        on_topic = [m for m in received if m.topic == topic]
        delivered = {
            plan: [m.payload["plan_version"] for m in first_deliveries(messages)]
            for plan, messages in by_plan(on_topic).items()
        }
        assert delivered == expected, f"{topic}: missing, extra or out of order"
        first_of: dict[str, Received] = {}
        for m in on_topic:
            original = first_of.setdefault(m.ce_id, m)
            assert (m.key, m.value, m.headers) == (original.key, original.value, original.headers)


def expected_messages(ledger: PlanLedger) -> int:
    """How many messages the relay publishes for everything recorded so far."""
    recorded = ledger.feed(0, 1_000_000)
    return len(recorded) + sum(type(r.event).__name__ == "StageTransitioned" for r in recorded)

"""The relay publishes every recorded event to a real Kafka broker, on SQLite and PostgreSQL:
the contract's payloads, key = plan id, CloudEvents headers, each plan in order."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import pytest

from contracts.messages import (
    PLAN_EVENTS_SOURCE,
    STAGE_TRANSITION_TYPE,
    PlanEventMessageSchema,
    StageTransitionMessageSchema,
)
from domain.events import event_id
from services.ledger import PlanLedger
from services.relay import Relay
from services.relay_cli import tail
from tests.integration.relay_support import (
    PERSONAL_DATA,
    SENCO,
    by_plan,
    consume,
    ledger,
    make_relay,
    open_plan,
    relay_for,
    running,
    store,
    unique_topics,
    wait_until,
    walk_through_a_cycle,
)

pytestmark = pytest.mark.kafka
__all__ = ["ledger", "make_relay", "store"]  # fixtures

EVENTS_PER_CYCLE = 15  # PlanOpened + 14 in walk_through_a_cycle
TRANSITIONS_PER_CYCLE = 4


def test_every_event_is_published_with_the_contract_payload_key_and_cloudevents_headers(
    ledger: PlanLedger, kafka_bootstrap_servers: str, make_relay: Callable[..., Relay]
) -> None:
    plans = [open_plan(ledger, setting_ref=f"URN-{n}") for n in range(3)]
    for plan_id in plans:
        walk_through_a_cycle(ledger, plan_id)
    topics = unique_topics()
    relay = make_relay(ledger, kafka_bootstrap_servers, topics)

    assert relay.run_once() == 3 * EVENTS_PER_CYCLE
    assert relay.lag() == 0
    assert relay.progress.position() == ledger.head_position()

    received = consume(
        kafka_bootstrap_servers,
        list(topics.names()),
        3 * (EVENTS_PER_CYCLE + TRANSITIONS_PER_CYCLE),
        group=True,
    )
    recorded = {r.position: r.event for r in ledger.feed(0, 1000)}
    plan_events = [r for r in received if r.topic == topics.plan_events]
    assert sorted(r.payload["position"] for r in plan_events) == sorted(recorded)
    for message in plan_events:
        event = recorded[message.payload["position"]]
        assert PlanEventMessageSchema().load(message.payload)
        assert message.payload == {
            "plan_id": str(event.originator_id),
            "event_type": type(event).__name__,
            "plan_version": event.originator_version,
            "occurred_at": event.occurred_at.isoformat(),
            "recorded_at": event.timestamp.isoformat(),
            "position": message.payload["position"],
        }
        assert message.key == str(event.originator_id).encode()
        assert message.headers == {
            "ce_specversion": b"1.0",
            "ce_id": str(event_id(event.originator_id, event.originator_version)).encode(),
            "ce_source": PLAN_EVENTS_SOURCE.encode(),
            "ce_type": b"uk.gov.essex.oneplan.PlanEvent.v1",
            "ce_subject": str(event.originator_id).encode(),
            "ce_time": event.timestamp.isoformat().encode(),
            "content-type": b"application/json",
        }


def test_stage_transitions_carry_stages_cycle_setting_ref_and_actor_role_in_plan_order(
    ledger: PlanLedger, kafka_bootstrap_servers: str, make_relay: Callable[..., Relay]
) -> None:
    first, second = open_plan(ledger, "URN-111"), open_plan(ledger, "URN-222")
    walk_through_a_cycle(ledger, first)
    walk_through_a_cycle(ledger, second)
    topics = unique_topics()
    make_relay(ledger, kafka_bootstrap_servers, topics).run_once()

    received = consume(kafka_bootstrap_servers, [topics.stage_transitions], 8)
    assert len(received) == 8
    for plan_id, ref in ((first, "URN-111"), (second, "URN-222")):
        messages = by_plan(received)[str(plan_id)]
        assert len({m.partition for m in messages}) == 1
        payloads = [StageTransitionMessageSchema().load(m.payload) for m in messages]
        assert [(p["from_stage"], p["to_stage"], p["cycle"]) for p in payloads] == [
            ("assess", "plan", 1),
            ("plan", "do", 1),
            ("do", "review", 1),
            ("review", "assess", 2),
        ]
        assert {p["setting_ref"] for p in payloads} == {ref}
        assert [p["actor_role"] for p in payloads] == ["senco", "senco", "senco", "teacher"]
        versions = [p["plan_version"] for p in payloads]
        assert versions == sorted(versions)
        assert all(m.headers["ce_type"] == STAGE_TRANSITION_TYPE.encode() for m in messages)
        assert all(p["plan_id"] == plan_id for p in payloads)


def test_a_corrected_setting_ref_is_carried_by_transitions_recorded_after_the_correction(
    ledger: PlanLedger, kafka_bootstrap_servers: str, make_relay: Callable[..., Relay]
) -> None:
    plan_id = open_plan(ledger, "URN-WRONG")
    version = walk_through_a_cycle(ledger, plan_id)
    written = ledger.correct_entry(
        plan_id,
        version,
        1,
        changes={"setting": {"ref": "URN-RIGHT"}},
        reason="typed the wrong URN",
        actor=SENCO,
    )
    ledger.move_to(plan_id, written.plan.version, to="plan", actor=SENCO)  # cycle 2
    topics = unique_topics()
    make_relay(ledger, kafka_bootstrap_servers, topics).run_once()

    received = consume(kafka_bootstrap_servers, [topics.stage_transitions], 5)
    # Each transition carries the ref as the plan stood when it was recorded.
    assert [m.payload["setting_ref"] for m in received] == ["URN-WRONG"] * 4 + ["URN-RIGHT"]


def test_a_restarted_relay_publishes_only_what_it_had_not_already(
    ledger: PlanLedger, kafka_bootstrap_servers: str, make_relay: Callable[..., Relay]
) -> None:
    topics = unique_topics()
    first = open_plan(ledger)
    assert make_relay(ledger, kafka_bootstrap_servers, topics).run_once() == 1
    walk_through_a_cycle(ledger, first)
    second = open_plan(ledger)

    restarted = make_relay(ledger, kafka_bootstrap_servers, topics)
    assert restarted.lag() == EVENTS_PER_CYCLE
    assert restarted.run_once() == EVENTS_PER_CYCLE
    assert restarted.run_once() == 0

    received = consume(kafka_bootstrap_servers, [topics.plan_events], EVENTS_PER_CYCLE + 1)
    assert len(received) == EVENTS_PER_CYCLE + 1
    assert [m.payload["plan_version"] for m in by_plan(received)[str(first)]] == list(
        range(1, EVENTS_PER_CYCLE + 1)
    )
    assert [m.payload["event_type"] for m in by_plan(received)[str(second)]] == ["PlanOpened"]


def test_a_relay_started_mid_log_reads_setting_refs_of_earlier_plans_from_the_store(
    ledger: PlanLedger, kafka_bootstrap_servers: str, make_relay: Callable[..., Relay]
) -> None:
    plan_id = open_plan(ledger, "URN-EARLIER")
    topics = unique_topics()
    relay = make_relay(ledger, kafka_bootstrap_servers, topics)
    relay.run_once()
    walk_through_a_cycle(ledger, plan_id)

    make_relay(ledger, kafka_bootstrap_servers, topics).run_once()  # a new process: empty cache

    received = consume(kafka_bootstrap_servers, [topics.stage_transitions], 4)
    assert [m.payload["setting_ref"] for m in received] == ["URN-EARLIER"] * 4


def test_no_personal_or_special_category_data_is_ever_published(
    ledger: PlanLedger, kafka_bootstrap_servers: str, make_relay: Callable[..., Relay]
) -> None:
    plan_id = open_plan(ledger, personal=True)
    version = walk_through_a_cycle(ledger, plan_id, personal=True)
    ledger.close_plan(
        plan_id, version, reason="moved_setting", note=PERSONAL_DATA["closure note"], actor=SENCO
    )
    topics = unique_topics()
    make_relay(ledger, kafka_bootstrap_servers, topics).run_once()

    received = consume(kafka_bootstrap_servers, list(topics.names()), EVENTS_PER_CYCLE + 5)
    assert len(received) == EVENTS_PER_CYCLE + 1 + TRANSITIONS_PER_CYCLE
    everything = b"\n".join(
        part
        for m in received
        for part in (m.key, m.value, *(name.encode() + b"=" + v for name, v in m.headers.items()))
    ).lower()
    for what, text in PERSONAL_DATA.items():
        assert text.lower().encode() not in everything, f"the {what} reached Kafka"
    for word in (
        "zebedee",
        "quillfeather",
        "philippa",
        "kendra",
        "keyworth",
        "dinosaurs",
        "hertfordshire",
        "autism",
        "20200229",
        "29/02/2020",
        "ali",
    ):
        assert word.encode() not in everything, f"{word!r} reached Kafka"


def test_tail_prints_each_message_with_its_key_and_headers(
    ledger: PlanLedger, kafka_bootstrap_servers: str, make_relay: Callable[..., Relay]
) -> None:
    plan_id = open_plan(ledger)
    topics = unique_topics()
    make_relay(ledger, kafka_bootstrap_servers, topics).run_once()

    out = io.StringIO()
    printed = tail(kafka_bootstrap_servers, topics.plan_events, True, out, limit=1, idle_timeout=20)

    text = out.getvalue()
    assert printed == 1
    assert f"key={plan_id}" in text
    assert f"ce_id: {event_id(plan_id, 1)}" in text
    assert "ce_type: uk.gov.essex.oneplan.PlanEvent.v1" in text
    assert '"event_type":"PlanOpened"' in text


def test_a_running_relay_publishes_a_new_event_within_moments(
    ledger: PlanLedger, kafka_bootstrap_servers: str
) -> None:
    topics = unique_topics()
    with running(relay_for(ledger, kafka_bootstrap_servers, topics)) as relay:
        open_plan(ledger)
        wait_until(lambda: relay.lag() == 0, 60, "the relay to start")
        time.sleep(1.5)  # idle: waiting on NOTIFY (PostgreSQL) or polling (SQLite)

        written_at = time.monotonic()
        open_plan(ledger)
        wait_until(lambda: relay.lag() == 0, 10, "the new event", interval=0.01)
        took = time.monotonic() - written_at

    assert took < 0.5, f"took {took:.2f}s: the relay did not wake up for the new event"

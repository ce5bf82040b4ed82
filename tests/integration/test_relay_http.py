"""End to end: stage transitions made over HTTP reach an independent consumer group on Kafka,
in order, with CloudEvents headers; `/readyz` shows how far the relay trails the log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from uuid import UUID

import pytest
from flask import Flask

from services.config import Config
from services.http.app import create_app
from services.ledger import PlanLedger
from tests.infra.kafka import KafkaBroker
from tests.integration.relay_support import consume, relay_for, running, unique_topics
from tests.support.api import Api
from tests.support.walkthrough import full_cycle, people

pytestmark = pytest.mark.kafka


@pytest.fixture
def kafka_app(config: Config, ledger: PlanLedger, kafka_bootstrap_servers: str) -> Iterator[Flask]:
    yield create_app(
        replace(config, kafka_bootstrap_servers=kafka_bootstrap_servers), ledger=ledger
    )


def test_http_stage_transitions_reach_a_consumer_group_in_order_with_headers(
    kafka_app: Flask, ledger: PlanLedger, kafka_bootstrap_servers: str
) -> None:
    api = Api(kafka_app.test_client())
    topics = unique_topics()
    relay = relay_for(ledger, kafka_bootstrap_servers, topics)
    with running(relay):
        plan_id = api.open_plan()["id"]
        full_cycle(api, plan_id, people(api, plan_id), cycle=1)
        final = api.ok("POST", plan_id, "/stage", {"to": "assess"})
        received = consume(kafka_bootstrap_servers, [topics.stage_transitions], 4, group=True)
    relay.close()

    mine = [m for m in received if m.key == plan_id.encode()]
    assert [(m.payload["from_stage"], m.payload["to_stage"], m.payload["cycle"]) for m in mine] == [
        ("assess", "plan", 1),
        ("plan", "do", 1),
        ("do", "review", 1),
        ("review", "assess", 2),
    ]
    transitions = [s for s in final["stage_history"]]
    for message, transition in zip(mine, transitions, strict=True):
        assert message.headers["ce_specversion"] == b"1.0"
        assert message.headers["ce_subject"] == plan_id.encode()
        assert message.headers["content-type"] == b"application/json"
        assert message.headers["ce_type"].endswith(b"StageTransitioned.v1")
        assert message.payload["plan_version"] == transition["version"]
        assert message.payload["setting_ref"] == final["setting"]["ref"]
        assert message.payload["actor_role"] == "senco"
        assert message.payload["chain_head"] == ledger.chain_head_at(
            UUID(plan_id), transition["version"]
        )
    assert len({m.ce_id for m in mine}) == 4


def test_readyz_shows_the_relay_lag_and_fails_beyond_its_bound(
    kafka_app: Flask, ledger: PlanLedger, kafka_bootstrap_servers: str
) -> None:
    api = Api(kafka_app.test_client())
    api.open_plan()
    ready = kafka_app.test_client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["relay"] == {
        "enabled": True,
        "ok": True,
        "required": True,
        "position": 0,
        "lag": 1,
    }
    assert ready.json["checks"]["kafka"] == {"enabled": True, "ok": True, "required": True}

    kafka_app.config["ONEPLAN_RELAY_LAG_MAX"] = 0
    lagging = kafka_app.test_client().get("/readyz")
    assert lagging.status_code == 503
    assert lagging.json["message"] == "Kafka publication lags too far behind the log."
    assert lagging.json["errors"]["relay"]["lag"] == 1

    relay = relay_for(ledger, kafka_bootstrap_servers, unique_topics())
    relay.run_once()
    relay.close()
    after = kafka_app.test_client().get("/readyz")
    assert after.status_code == 200
    assert after.json["checks"]["relay"]["position"] == 1
    assert after.json["checks"]["relay"]["lag"] == 0


def test_readyz_fails_while_kafka_is_unreachable_and_writes_are_still_accepted(
    config: Config, ledger: PlanLedger, kafka_broker: KafkaBroker
) -> None:
    app = create_app(replace(config, kafka_bootstrap_servers=kafka_broker.bootstrap_servers),
                     ledger=ledger)  # fmt: skip
    app.extensions["oneplan.kafka"].ttl = 0  # ask Kafka on every call, not every few seconds
    api = Api(app.test_client())
    plan_id = api.open_plan()["id"]
    assert app.test_client().get("/readyz").status_code == 200

    kafka_broker.stop()
    down = app.test_client().get("/readyz")
    assert down.status_code == 503
    assert down.json["message"] == "Kafka is not reachable."
    assert down.json["errors"]["kafka"]["ok"] is False
    assert down.json["errors"]["kafka"]["error"]  # the failure's name, for the operator
    written = api.write("PATCH", plan_id, "/profile", {"strengths": "Loves the sand tray"})
    assert written.status_code == 200, "a Kafka outage must never refuse a write"
    assert ledger.get_plan(UUID(plan_id)).version == 2

    app.config["ONEPLAN_READYZ_KAFKA"] = "reported"
    reported = app.test_client().get("/readyz")
    assert reported.status_code == 200
    assert reported.json["checks"]["kafka"]["ok"] is False
    assert reported.json["checks"]["kafka"]["required"] is False

    app.config["ONEPLAN_READYZ_KAFKA"] = "required"
    kafka_broker.start()
    assert app.test_client().get("/readyz").status_code == 200


def test_readyz_says_when_there_is_no_kafka(app: Flask) -> None:
    checks = app.test_client().get("/readyz").json["checks"]
    assert checks["relay"] == {"enabled": False}
    assert checks["kafka"] == {"enabled": False}

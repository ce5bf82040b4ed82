"""`/metrics`: requests by route template, events by type, refusals by rule, lags as gauges."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import requests
from flask import Flask
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from services.config import Config
from services.http.app import create_app
from services.ledger import PlanLedger
from tests.e2e.test_gunicorn import serving, user_env
from tests.integration.test_logs_privacy import with_tables
from tests.support.api import Api
from tests.support.walkthrough import people

PLAN_ROUTE = "/v1/plans/<uuid:plan_id>"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client_get: object) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    text = client_get("/metrics").get_data(as_text=True)  # type: ignore[operator]
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return samples


def test_requests_events_and_refusals_are_counted_by_template_type_and_rule(api: Api) -> None:
    before = {
        "reads": sample(
            "oneplan_http_requests_total", route=PLAN_ROUTE, method="GET", status="200"
        ),
        "opened": sample("oneplan_events_appended_total", type="PlanOpened"),
        "joined": sample("oneplan_events_appended_total", type="ParticipantAdded"),
        "refused": sample("oneplan_rule_refusals_total", rule="outcomes_agreed"),
    }
    plan_id = api.open_plan()["id"]
    people(api, plan_id)
    for _ in range(3):
        assert api.get(f"/v1/plans/{plan_id}").status_code == 200
    api.ok("POST", plan_id, "/needs", {"area": "cognition_and_learning", "description": "x y"})
    api.ok("POST", plan_id, "/stage", {"to": "plan"})
    refused = api.write("POST", plan_id, "/stage", {"to": "do"})
    assert refused.status_code == 409 and refused.json["errors"]["rule"] == "outcomes_agreed"

    assert (
        sample("oneplan_http_requests_total", route=PLAN_ROUTE, method="GET", status="200")
        == before["reads"] + 3
    )
    assert sample("oneplan_events_appended_total", type="PlanOpened") == before["opened"] + 1
    assert sample("oneplan_events_appended_total", type="ParticipantAdded") == before["joined"] + 3
    assert sample("oneplan_rule_refusals_total", rule="outcomes_agreed") == before["refused"] + 1

    response = api.client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"
    text = response.get_data(as_text=True)
    assert plan_id not in text, "an id in a label would make a series per plan"
    scraped = scrape(api.client.get)
    buckets = scraped["oneplan_http_request_duration_seconds_bucket"]
    assert any(dict(labels).get("route") == PLAN_ROUTE for labels in buckets)
    lags = scraped["oneplan_projection_lag_events"]
    assert {dict(labels)["view"] for labels in lags} == {"current_plans", "audit", "caseload"}
    assert all(lag >= 0 for lag in lags.values())
    assert scraped["oneplan_log_head_position"][()] >= 6
    assert "oneplan_relay_lag_events" not in scraped  # no Kafka configured, no relay


def test_an_unmatched_path_is_counted_under_one_label(api: Api) -> None:
    before = sample("oneplan_http_requests_total", route="<unmatched>", method="GET", status="404")
    for path in ("/nope", "/v1/nothing-here/123", "/v1/plans/not-a-uuid"):
        assert api.client.get(path, headers=api.headers()).status_code == 404
    after = sample("oneplan_http_requests_total", route="<unmatched>", method="GET", status="404")
    assert after == before + 3


def test_relay_lag_is_a_gauge_when_kafka_is_configured(config: Config, ledger: PlanLedger) -> None:
    with_kafka = dataclasses.replace(config, kafka_bootstrap_servers="127.0.0.1:9")
    app: Flask = create_app(with_kafka, ledger=ledger)
    api = Api(app.test_client())
    api.open_plan()
    scraped = scrape(api.client.get)
    assert scraped["oneplan_relay_lag_events"][()] >= 1  # nothing published yet


@pytest.mark.e2e
def test_under_gunicorn_every_worker_counts_into_one_scrape(tmp_path: Path) -> None:
    with serving(user_env(with_tables(tmp_path / "var")), tmp_path / "server.log") as server:
        session = requests.Session()
        for _ in range(40):
            assert session.get(f"{server.base}/healthz", timeout=10).status_code == 200
        healthz = re.compile(r'^oneplan_http_requests_total\{[^}]*route="/healthz"[^}]*\} (\S+)$')
        for _ in range(6):  # any worker may answer the scrape: each must sum them all
            text = requests.get(f"{server.base}/metrics", timeout=10).text
            counts = [float(m.group(1)) for m in map(healthz.match, text.splitlines()) if m]
            # The readiness poll before the test counts too: at least ours, never fewer.
            assert counts and sum(counts) >= 40, text

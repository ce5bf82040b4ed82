"""The projector and the relay as an operator runs them (the relay on a real broker): as
sidecars of `oneplan serve` their counts reach the API's `/metrics`; as `oneplan project` and
`oneplan relay` with ONEPLAN_METRICS_PORT set, each serves its own metrics."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from services.relay_messages import PLAN_EVENTS_TOPIC, STAGE_TRANSITIONS_TOPIC
from tests.e2e.test_gunicorn import ROOT, HttpApi, free_port, mint, serving, user_env
from tests.integration.test_logs_privacy import with_tables
from tests.support.walkthrough import people

pytestmark = pytest.mark.e2e
VIEWS = ("current_plans", "audit", "caseload")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def published(scraped: dict[tuple[str, tuple[tuple[str, str], ...]], float], topic: str) -> float:
    return scraped.get(("oneplan_relay_messages_published_total", (("topic", topic),)), 0.0)


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.mark.kafka
def test_serve_runs_the_relay_whose_counts_reach_the_apis_metrics(
    tmp_path: Path, kafka_bootstrap_servers: str
) -> None:
    env = user_env(with_tables(tmp_path / "var"))
    env["KAFKA_BOOTSTRAP_SERVERS"] = kafka_bootstrap_servers
    env["ONEPLAN_METRICS_PORT"] = str(free_port())  # serve's relay must not bind it
    with serving(env, tmp_path / "server.log") as server:
        api = HttpApi(server.base, mint(env))
        plan_id = api.open_plan()["id"]
        people(api, plan_id)  # type: ignore[arg-type]
        api.ok("POST", plan_id, "/needs", {"area": "sensory_and_physical", "description": "x"})
        api.ok("POST", plan_id, "/stage", {"to": "plan"})
        head = api.get("/v1/events").json["items"][-1]["position"]

        def caught_up() -> bool:
            relay = requests.get(f"{server.base}/readyz", timeout=10).json()["checks"]["relay"]
            return bool(relay["lag"] == 0)

        wait_for(caught_up, "the sidecar relay to publish every event")
        ready = requests.get(f"{server.base}/readyz", timeout=10)
        assert ready.status_code == 200
        assert ready.json()["checks"]["kafka"] == {"enabled": True, "ok": True, "required": True}
        for _ in range(4):  # any worker may answer: each sums every process's files
            scraped = samples(requests.get(f"{server.base}/metrics", timeout=10).text)
            assert published(scraped, PLAN_EVENTS_TOPIC) == head
            assert published(scraped, STAGE_TRANSITIONS_TOPIC) == 1
            assert scraped[("oneplan_relay_lag_events", ())] == 0
    assert "relay metrics on" not in server.output()


@pytest.mark.kafka
def test_oneplan_relay_serves_its_own_metrics_on_the_configured_port(
    tmp_path: Path, kafka_bootstrap_servers: str
) -> None:
    env = user_env(with_tables(tmp_path / "var"))
    with serving(env, tmp_path / "server.log") as server:  # no Kafka: the API only records
        api = HttpApi(server.base, mint(env))
        plan_id = api.open_plan()["id"]
        api.ok("POST", plan_id, "/needs", {"area": "sensory_and_physical", "description": "x"})
        head = api.get("/v1/events").json["items"][-1]["position"]

    with metered(env, "relay", KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap_servers) as scrape:
        wait_for(lambda: published(scrape(), PLAN_EVENTS_TOPIC) == head, "the relay's metrics")
        scraped = scrape()
        assert scraped[("oneplan_relay_lag_events", ())] == 0
        assert scraped[("oneplan_relay_position", ())] == head
        assert published(scraped, STAGE_TRANSITIONS_TOPIC) == 0


def test_oneplan_project_serves_its_own_metrics_on_the_configured_port(tmp_path: Path) -> None:
    env = user_env(with_tables(tmp_path / "var"))
    env["ONEPLAN_SERVE_PROJECTOR"] = "no"  # the views wait for the projector started below
    with serving(env, tmp_path / "server.log") as server:
        api = HttpApi(server.base, mint(env))
        for _ in range(3):
            api.open_plan()
        head = api.get("/v1/events").json["items"][-1]["position"]

    lags = [("oneplan_projection_lag_events", (("view", v),)) for v in VIEWS]
    with metered(env, "project") as scrape:
        # The count moves when a batch goes to the views' writer, the lags once it commits.
        wait_for(lambda: all(scrape().get(lag) == 0 for lag in lags), "the views to catch up")
        scraped = scrape()
        assert scraped[("oneplan_projector_events_total", ())] == head
        assert scraped[("oneplan_log_head_position", ())] == head


Scrape = Callable[[], dict[tuple[str, tuple[tuple[str, str], ...]], float]]


@contextmanager
def metered(env: dict[str, str], command: str, **settings: str) -> Iterator[Scrape]:
    """`oneplan COMMAND` with ONEPLAN_METRICS_PORT set, and a scrape of that port; the process
    must stop cleanly on SIGTERM."""
    port = free_port()
    process_env = {**env, **settings, "ONEPLAN_METRICS_PORT": str(port)}
    process_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", command],
        cwd=ROOT,
        env=process_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )

    def scrape() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        try:
            return samples(requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text)
        except requests.RequestException:  # not listening yet
            return {}

    try:
        yield scrape
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors.decode(errors="replace")


def test_a_metrics_port_already_taken_is_a_clear_error(tmp_path: Path) -> None:
    env = user_env(tmp_path / "var")
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        env["ONEPLAN_METRICS_PORT"] = str(taken.getsockname()[1])
        done = subprocess.run(
            [sys.executable, "-m", "services.cli", "project"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"oneplan: ONEPLAN_METRICS_PORT {env['ONEPLAN_METRICS_PORT']}:" in done.stderr
    assert "Traceback" not in done.stderr

"""P5: end-to-end latency of a stage transition, from its HTTP 2xx to a Kafka consumer.

`oneplan serve` on PostgreSQL with KAFKA_BOOTSTRAP_SERVERS set (so the relay runs beside it);
an independent kafka-python consumer in its own group on `oneplan.stage-transitions.v1`; plans
taken through assess → plan → do → review → assess one request at a time (light load). For each
transition: the time from the client reading the 2xx to the consumer receiving the message.
Prints p50 and p99 (target p99 ≤ 200 ms).

    python -m bench.relay_latency [--plans 50]     # 4 transitions a plan

Starts its own PostgreSQL (tests/infra/postgres.py) and Kafka broker (tests/infra/kafka.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from typing import Any

import requests
from kafka import KafkaConsumer

from bench.write_throughput import (
    SECRET,
    cli_token,
    free_port,
    fresh_database,
    open_plan,
    wait_until_up,
)
from services.relay_messages import STAGE_TRANSITIONS_TOPIC
from tests.infra.kafka import KafkaBroker
from tests.infra.postgres import ThrowawayPostgres


class Receiver(threading.Thread):
    """Notes when each (plan, version) transition arrives."""

    def __init__(self, bootstrap: str) -> None:
        super().__init__(daemon=True)
        self.arrived: dict[tuple[str, int], float] = {}
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.consumer = KafkaConsumer(
            STAGE_TRANSITIONS_TOPIC,
            bootstrap_servers=bootstrap,
            group_id=f"p5-{uuid.uuid4().hex}",
            auto_offset_reset="earliest",
            fetch_max_wait_ms=10,
            session_timeout_ms=6000,
        )

    def run(self) -> None:
        while not self.stop.is_set():
            batches = self.consumer.poll(timeout_ms=20)
            if self.consumer.assignment():
                self.ready.set()
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    payload = json.loads(record.value)
                    self.arrived[(payload["plan_id"], payload["plan_version"])] = now
        self.consumer.close()


def transitions(session: requests.Session, base: str, plan_id: str) -> list[tuple[int, float]]:
    """Take one plan round the cycle; answer (version, time the 2xx was read) per transition."""
    version = 1
    done: list[tuple[int, float]] = []

    def write(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        nonlocal version
        response = session.request(
            method,
            f"{base}/v1/plans/{plan_id}{path}",
            json=body,
            headers={"If-Match": f'"{version}"'},
        )
        finished = time.perf_counter()
        if response.status_code >= 300:
            raise RuntimeError(f"{path}: {response.status_code} {response.text}")
        version = int(response.headers["ETag"].strip('"'))
        if path == "/stage":
            done.append((version, finished))
        return dict(response.json())

    parent = write("POST", "/participants", {"name": "P", "role": "parent_carer"})["participants"][
        0
    ]["id"]
    need = write("POST", "/needs", {"area": "cognition_and_learning", "description": "n"})["needs"][
        0
    ]["id"]
    write("POST", "/stage", {"to": "plan"})
    outcome = write(
        "POST",
        "/outcomes",
        {
            "description": "o",
            "success_criteria": "s",
            "target_date": (date.today() + timedelta(days=90)).isoformat(),
            "need_id": need,
        },
    )
    outcome_id = outcome["outcomes"][0]["id"]
    write(
        "POST",
        "/provisions",
        {
            "description": "p",
            "kind": "support",
            "frequency": "daily",
            "delivered_by": "TA",
            "start_date": date.today().isoformat(),
            "outcome_ids": [outcome_id],
        },
    )
    write("PUT", "/review-date", {"review_date": (date.today() + timedelta(days=42)).isoformat()})
    write("POST", "/agreement", {"agreed_by": [parent], "method": "meeting"})
    write("POST", "/stage", {"to": "do"})
    write("POST", "/stage", {"to": "review"})
    write(
        "POST",
        "/reviews",
        {
            "held_on": date.today().isoformat(),
            "attendees": [parent],
            "progress": [{"outcome_id": outcome_id, "rating": "achieved"}],
            "impact": "i",
            "decision": "continue",
        },
    )
    write("POST", "/stage", {"to": "assess"})
    return done


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plans", type=int, default=50)
    args = parser.parse_args()
    with ThrowawayPostgres() as postgres, KafkaBroker() as broker:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": fresh_database(postgres.url, "bench_latency"),
            "ONEPLAN_JWT_SECRET": SECRET,
            "ONEPLAN_DATA_DIR": tempfile.mkdtemp(),
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        receiver: Receiver | None = None
        try:
            wait_until_up(base)
            token = cli_token(env)
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
            warm = open_plan(session, base)
            transitions(session, base, warm)  # creates the topics and warms every path
            receiver = Receiver(broker.bootstrap_servers)
            receiver.start()
            receiver.ready.wait(30)
            sent: dict[tuple[str, int], float] = {}
            for _ in range(args.plans):
                plan_id = open_plan(session, base)
                for version, finished in transitions(session, base, plan_id):
                    sent[(plan_id, version)] = finished
                time.sleep(0.05)
            deadline = time.monotonic() + 30
            while not sent.keys() <= receiver.arrived.keys() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            if receiver is not None:
                receiver.stop.set()
                receiver.join(10)
            server.terminate()
            server.wait(timeout=30)
    missing = sent.keys() - receiver.arrived.keys() if receiver else sent.keys()
    latencies = [(receiver.arrived[k] - t) * 1000 for k, t in sent.items() if k not in missing]  # type: ignore[union-attr]
    print(f"stage transitions measured: {len(latencies)} (missing: {len(missing)})")
    print(f"p50: {statistics.median(latencies):7.1f} ms")
    print(f"p99: {percentile(latencies, 0.99):7.1f} ms   (target <= 200 ms)")
    print(f"max: {max(latencies):7.1f} ms")


if __name__ == "__main__":
    main()

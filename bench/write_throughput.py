"""P1: write commands per second through gunicorn on PostgreSQL, against the raw library.

Both sides run in the same run on the same PostgreSQL server:
- raw: the eventsourcing library's `Application.save()` of one new event per transaction,
  from CLIENTS threads, each on its own aggregate;
- api: `PATCH /v1/plans/{id}/profile` with If-Match through `oneplan serve` (gunicorn) from
  CLIENTS threads on keep-alive connections, each on its own plan. Each plan first gets ten
  needs (untimed), so the plan read, changed and returned is of a realistic size, and stays
  that size: the rate does not fall as a plan grows to hundreds of entries.
Prints both rates and the ratio (target ≥ 0.6).

    python -m bench.write_throughput [--writes 3000] [--clients 4] [--workers 2]

Uses BENCH_DATABASE_URL if set, else starts a throwaway PostgreSQL (tests/infra/postgres.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from uuid import UUID

import psycopg
import requests
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from services.config import Config
from tests.infra.postgres import ThrowawayPostgres

SECRET = "bench-secret-" + "x" * 40


class Counter(Aggregate):
    @event("Counted")
    def count(self, note: str) -> None:
        self.note = note


def fresh_database(server_url: str, name: str) -> str:
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def in_threads(clients: int, per_client: int, work: Callable[[int, int], None]) -> float:
    """Run `work(client, i)` per_client times in each of `clients` threads; answer seconds."""
    start = threading.Barrier(clients + 1)

    def run(client: int) -> None:
        start.wait()
        for i in range(per_client):
            work(client, i)

    threads = [threading.Thread(target=run, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def raw_rate(database_url: str, writes: int, clients: int) -> float:
    # data_dir only matters to SQLite; this is PostgreSQL.
    env = Config(
        data_dir=Path("."), database_url=database_url, jwt_secret="x", db_pool_size=clients
    ).store_env()
    app: Application[UUID] = Application(env=env)
    counters = [Counter() for _ in range(clients)]
    app.save(*counters)

    def work(client: int, i: int) -> None:
        counters[client].count(note=f"write {i}")
        app.save(counters[client])

    seconds = in_threads(clients, writes // clients, work)
    app.close()
    return (writes // clients * clients) / seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def api_rate(database_url: str, writes: int, clients: int, workers: int) -> float:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ONEPLAN_JWT_SECRET": SECRET,
        "ONEPLAN_DATA_DIR": tempfile.mkdtemp(),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        token = cli_token(env)
        sessions = [requests.Session() for _ in range(clients)]
        for session in sessions:
            session.headers["Authorization"] = f"Bearer {token}"
        plans = [open_plan(session, base) for session in sessions]
        versions = [1] * clients
        for client, session in enumerate(sessions):
            for need in range(10):
                session.post(
                    f"{base}/v1/plans/{plans[client]}/needs",
                    json={"area": "cognition_and_learning", "description": f"need {need}"},
                    headers={"If-Match": f'"{versions[client]}"'},
                ).raise_for_status()
                versions[client] += 1

        # A plain keep-alive connection per client: the load generator shares the machine's
        # two cores with the server, so it should spend as little CPU as it can.
        connections = [http.client.HTTPConnection("127.0.0.1", port) for _ in range(clients)]

        def work(client: int, i: int) -> None:
            connection = connections[client]
            connection.request(
                "PATCH",
                f"/v1/plans/{plans[client]}/profile",
                body=json.dumps({"aspirations": f"write {i}"}),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "If-Match": f'"{versions[client]}"',
                },
            )
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{response.status} {body[:200]!r}")
            versions[client] += 1

        seconds = in_threads(clients, writes // clients, work)
        return (writes // clients * clients) / seconds
    finally:
        server.terminate()
        server.wait(timeout=20)


def cli_token(env: dict[str, str]) -> str:
    """A senco's token, minted as a user would: `oneplan token`, with the server's settings."""
    command = [sys.executable, "-m", "services.cli", "token", "--sub", "bench", "--name", "Bench"]
    return subprocess.run(
        [*command, "--role", "senco"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("the API did not come up")


def open_plan(session: requests.Session, base: str) -> str:
    response = session.post(
        f"{base}/v1/plans",
        json={
            "child": {"ref": "B1", "name": "Bench Child", "date_of_birth": "2019-01-01"},
            "setting": {"ref": "S1", "name": "Bench School", "phase": "school"},
        },
    )
    response.raise_for_status()
    return str(response.json()["id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writes", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with ExitStack() as stack:
        server_url = (
            os.environ.get("BENCH_DATABASE_URL") or stack.enter_context(ThrowawayPostgres()).url
        )
        raw = raw_rate(fresh_database(server_url, "bench_raw"), args.writes, args.clients)
        api = api_rate(
            fresh_database(server_url, "bench_api"), args.writes, args.clients, args.workers
        )
    print(f"raw library save(), one event per transaction: {raw:8.0f} writes/s")
    print(f"HTTP write commands through gunicorn:          {api:8.0f} writes/s")
    print(f"ratio (target >= 0.6):                         {api / raw:8.2f}")


if __name__ == "__main__":
    main()

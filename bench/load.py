"""P6: mixed reads and writes against `oneplan serve` (gunicorn) on PostgreSQL, from this
second process; throughput, p50/p99 latency, and each worker's RSS before and after.

    python -m bench.load [--requests 10000] [--clients 8] [--workers 2] [--write-share 0.3] [--segments 4]

Starts a throwaway PostgreSQL server (tests/infra/postgres.py) unless BENCH_DATABASE_URL names
a server, and `oneplan serve` with the projector beside it (as an operator would run it).
Each client thread owns its plans, so writes never collide: one in three opens a plan, the rest
identify a need or update the profile; reads are the plan, its history, the list of plans and
the event feed. RSS is read from /proc/<pid>/status (VmRSS) of each child of gunicorn's master,
after a warm-up and after each of --segments equal parts. Target: <= 100 MB a worker, and no
growth trend: the second half of the run must grow less than half as much as the first did
(or under 1 MB).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import requests

from bench.write_throughput import SECRET, free_port, fresh_database, wait_until_up
from services.http.auth import mint_token
from tests.infra.postgres import ThrowawayPostgres

CHILD = {"ref": "L1", "name": "Load Child", "date_of_birth": "2019-01-01"}
SETTING = {"ref": "S1", "name": "Load School", "phase": "school"}
AREAS = ["communication_and_interaction", "cognition_and_learning", "sensory_and_physical"]


# ---- the server's processes ----------------------------------------------------------------


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if parent_of(int(entry.name)) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return sorted(found)


def is_gunicorn(pid: int) -> bool:
    try:
        return b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def gunicorn_workers(serve_pid: int) -> list[int]:
    """`serve` is gunicorn's master itself, or the supervisor of master and sidecars."""
    master = (
        serve_pid
        if is_gunicorn(serve_pid)
        else next(pid for pid in children_of(serve_pid) if is_gunicorn(pid))
    )
    return children_of(master)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---- the load --------------------------------------------------------------------------------


class Client(threading.Thread):
    def __init__(self, base: str, token: str, count: int, write_share: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.base, self.count, self.write_share = base, count, write_share
        self.random = random.Random(seed)
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.plans: dict[str, str] = {}  # plan id → its ETag
        self.timings: dict[str, list[float]] = {"read": [], "write": []}
        self.failures: list[tuple[str, int]] = []

    def call(self, kind: str, method: str, path: str, **kwargs: object) -> requests.Response:
        started = time.perf_counter()
        response = self.session.request(method, f"{self.base}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]
        self.timings[kind].append(time.perf_counter() - started)
        if response.status_code >= 300:
            self.failures.append((f"{method} {path}", response.status_code))
        return response

    def open_plan(self) -> None:
        response = self.call(
            "write", "POST", "/v1/plans", json={"child": CHILD, "setting": SETTING}
        )
        self.plans[response.json()["id"]] = response.headers["ETag"]

    def write(self) -> None:
        if not self.plans or self.random.random() < 1 / 3:
            self.open_plan()
            return
        plan_id = self.random.choice(list(self.plans))
        if self.random.random() < 0.5:
            path, method = "/needs", "POST"
            body: dict[str, str] = {"area": self.random.choice(AREAS), "description": "needs help"}
        else:
            path, method = "/profile", "PATCH"
            body = {"strengths": f"strength {self.random.randint(1, 10**6)}"}
        response = self.call(
            "write", method, f"/v1/plans/{plan_id}{path}", json=body,
            headers={"If-Match": self.plans[plan_id]},
        )  # fmt: skip
        if response.status_code < 300:
            self.plans[plan_id] = response.headers["ETag"]

    def read(self) -> None:
        plan_id = self.random.choice(list(self.plans))
        path = self.random.choice(
            [f"/v1/plans/{plan_id}", f"/v1/plans/{plan_id}", f"/v1/plans/{plan_id}/history",
             "/v1/plans?limit=20", "/v1/events?limit=50"]
        )  # fmt: skip
        self.call("read", "GET", path)

    def run(self) -> None:
        for _ in range(self.count):
            if not self.plans or self.random.random() < self.write_share:
                self.write()
            else:
                self.read()


def run_load(base: str, token: str, total: int, clients: int, write_share: float) -> tuple:
    threads = [Client(base, token, total // clients, write_share, seed) for seed in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return threads, time.perf_counter() - started


def percentile_ms(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write-share", type=float, default=0.3)
    parser.add_argument(
        "--segments", type=int, default=4, help="RSS is read after warm-up and each segment"
    )
    args = parser.parse_args()
    with ExitStack() as stack:
        server_url = (
            os.environ.get("BENCH_DATABASE_URL") or stack.enter_context(ThrowawayPostgres()).url
        )
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": fresh_database(server_url, "bench_load"),
            "ONEPLAN_JWT_SECRET": SECRET,
            "ONEPLAN_DATA_DIR": tempfile.mkdtemp(),
            "ONEPLAN_WORKERS": str(args.workers),
            "ONEPLAN_SERVE_PROJECTOR": "yes",
        }
        log = stack.enter_context(tempfile.TemporaryFile())
        server = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base)
            token = mint_token(SECRET, "load", "Load Runner", "senco", 3600)
            run_load(base, token, 400 * args.clients // 8 or 50, args.clients, args.write_share)
            workers = gunicorn_workers(server.pid)
            samples = [{pid: rss_mb(pid) for pid in workers}]
            threads, seconds = [], 0.0
            for segment in range(args.segments):
                share = args.requests * (segment + 1) // args.segments
                share -= args.requests * segment // args.segments
                done, took = run_load(base, token, share, args.clients, args.write_share)
                threads += done
                seconds += took
                samples.append({pid: rss_mb(pid) for pid in workers})
            metrics = requests.get(f"{base}/metrics", timeout=10).text
        finally:
            server.terminate()
            server.wait(30)
    report(threads, seconds, samples, metrics, args.clients)


def report(threads: list, seconds: float, samples: list[dict], metrics: str, clients: int) -> None:
    reads = [t for c in threads for t in c.timings["read"]]
    writes = [t for c in threads for t in c.timings["write"]]
    every = reads + writes
    failures = [f for c in threads for f in c.failures]
    print(f"P6 load: {len(every)} requests ({len(reads)} reads, {len(writes)} writes) "
          f"from {clients} client threads in {seconds:.1f} s")  # fmt: skip
    print(f"  throughput   {len(every) / seconds:8.1f} requests/s")
    for name, values in (("all", every), ("reads", reads), ("writes", writes)):
        print(f"  {name:<7} p50 {percentile_ms(values, 0.5):7.1f} ms   "
              f"p99 {percentile_ms(values, 0.99):7.1f} ms   "
              f"mean {statistics.fmean(values) * 1000:7.1f} ms")  # fmt: skip
    print(f"  non-2xx      {len(failures)} {sorted(set(failures))[:5]}")
    print(f"  worker RSS (MB): after warm-up, then after each of {len(samples) - 1} equal segments")
    for pid in samples[0]:
        path = " → ".join(f"{sample[pid]:5.1f}" for sample in samples)
        print(f"    pid {pid}: {path}   ({samples[-1][pid] - samples[0][pid]:+.1f})")
    worst = max(samples[-1].values())
    print(
        f"  target ≤ 100 MB a worker: {'met' if worst <= 100 else 'MISSED'} (largest {worst:.1f} MB)"
    )
    # A trend: the later half of the run still growing as much as the earlier half did.
    half = len(samples) // 2
    early = max(samples[half][pid] - samples[0][pid] for pid in samples[0])
    late = max(samples[-1][pid] - samples[half][pid] for pid in samples[0])
    print(f"  growth, worst worker: first half {early:+.1f} MB, second half {late:+.1f} MB "
          f"({'levelling off' if late <= max(1.0, early / 2) else 'STILL GROWING'})")  # fmt: skip
    counted = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("oneplan_http_requests_total{")
    )
    print(f"  /metrics counted {counted:.0f} requests across the workers")


if __name__ == "__main__":
    main()

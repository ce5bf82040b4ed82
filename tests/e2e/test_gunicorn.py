"""The real server, started the way a user starts it, used over real HTTP.

`python -m services.cli serve --port <free> --workers 2` with only `ONEPLAN_DATA_DIR` set (the
embedded SQLite default; no secret, so `serve` generates one), then `python -m services.cli
token` to mint a token from the same directory, then `requests`. A second server runs on
PostgreSQL (`DATABASE_URL`). Each server must stop within a few seconds of SIGTERM.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.infra.postgres_plugin import temporary_database
from tests.support.walkthrough import full_cycle, people

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
CHILD = {"ref": "C-0001", "name": "Ada Lovelace", "date_of_birth": "2019-05-04"}
SETTING = {"ref": "URN-100001", "name": "Sunflower Primary", "phase": "school"}


# ---- the processes ------------------------------------------------------------------------


def user_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """The caller's environment without any of the service's own settings, plus ours."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("ONEPLAN_") and k != "DATABASE_URL"
    }
    env["ONEPLAN_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def mint(env: dict[str, str], role: str = "senco") -> str:
    done = cli(env, "token", "--sub", "e2e-user", "--name", "Erin Endtoend", "--role", role)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert token.count(".") == 2, done.stdout
    return token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[Server]:
    """`oneplan serve` on a free port until /healthz answers; SIGTERM on the way out."""
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", "--port", str(port), "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        stopped = _stop(process)
        print(f"---- server log ----\n{server.output()}")  # pytest shows it when a test fails
        assert stopped, f"the server did not exit within {STOP_TIMEOUT}s of SIGTERM"
    assert process.returncode == 0, (process.returncode, server.output())


def _wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited with {server.process.returncode}:\n{server.output()}")
        try:
            if requests.get(f"{server.base}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or no worker booted yet
            pass
        time.sleep(0.1)
    pytest.fail(f"/healthz did not answer within {START_TIMEOUT}s:\n{server.output()}")


def _stop(process: subprocess.Popen[bytes]) -> bool:
    """SIGTERM the server (it is gunicorn's master: `serve` execs it); True if it exited."""
    if process.poll() is not None:
        return True
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: only what this test started
        process.wait(timeout=STOP_TIMEOUT)
        return False


# ---- a tiny client over real HTTP (the duck of tests.support.api.Api) ---------------------


@dataclass
class Reply:
    status_code: int
    headers: Any
    json: Any
    text: str


def _reply(response: requests.Response) -> Reply:
    is_json = response.headers.get("Content-Type", "").startswith("application/json")
    return Reply(
        response.status_code, response.headers, response.json() if is_json else None, response.text
    )


@dataclass
class HttpApi:
    base: str
    token: str
    session: requests.Session = field(default_factory=requests.Session)
    etags: dict[str, str] = field(default_factory=dict)

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}

    def open_plan(self) -> dict[str, Any]:
        response = _reply(
            self.session.post(
                f"{self.base}/v1/plans",
                json={"child": CHILD, "setting": SETTING},
                headers=self.headers(),
                timeout=10,
            )
        )
        assert response.status_code == 201, response.json
        assert response.headers["Location"] == f"/v1/plans/{response.json['id']}"
        self.etags[response.json["id"]] = response.headers["ETag"]
        return dict(response.json)

    def get(self, path: str) -> Reply:
        return _reply(self.session.get(f"{self.base}{path}", headers=self.headers(), timeout=10))

    def write(self, method: str, plan_id: str, path: str, body: Any = None) -> Reply:
        headers = self.headers(**{"If-Match": self.etags[plan_id]})
        response = _reply(
            self.session.request(
                method,
                f"{self.base}/v1/plans/{plan_id}{path}",
                json=body,
                headers=headers,
                timeout=10,
            )
        )
        if response.status_code < 300:
            assert response.headers["ETag"] == f'"{response.json["version"]}"'
            assert int(response.headers["X-Event-Position"]) >= 1
            self.etags[plan_id] = response.headers["ETag"]
        return response

    def ok(self, method: str, plan_id: str, path: str, body: Any = None) -> dict[str, Any]:
        response = self.write(method, plan_id, path, body)
        assert response.status_code in (200, 201), (response.status_code, response.json)
        return dict(response.json)


# ---- the tests ----------------------------------------------------------------------------


def test_a_user_serves_the_embedded_default_mints_a_token_and_takes_a_plan_through_a_cycle(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "var"
    env = user_env(data_dir)
    with serving(env, tmp_path / "server.log") as server:
        secret_file = data_dir / "jwt-secret"
        assert secret_file.exists(), server.output()
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        assert "oneplan token" in server.output()
        assert (data_dir / "oneplan.sqlite3").exists()

        api = HttpApi(server.base, mint(env))
        plan_id = api.open_plan()["id"]
        ids = people(api, plan_id)  # type: ignore[arg-type]
        after_review = full_cycle(api, plan_id, ids, cycle=1)  # type: ignore[arg-type]
        assert after_review["stage"] == "review" and len(after_review["reviews"]) == 1
        next_cycle = api.ok("POST", plan_id, "/stage", {"to": "assess"})
        assert (next_cycle["stage"], next_cycle["cycle"]) == ("assess", 2)
        assert [(s["from_stage"], s["to_stage"]) for s in next_cycle["stage_history"]] == [
            ("assess", "plan"),
            ("plan", "do"),
            ("do", "review"),
            ("review", "assess"),
        ]

        # Both workers answer from the same store: read several times, same plan each time.
        for _ in range(6):
            again = api.get(f"/v1/plans/{plan_id}")
            assert again.status_code == 200 and again.json == next_cycle
            assert again.headers["ETag"] == api.etags[plan_id]

        history = api.get(f"/v1/plans/{plan_id}/history?limit=200").json["items"]
        assert [i["version"] for i in history] == list(range(1, next_cycle["version"] + 1))
        assert {i["actor"]["id"] for i in history} == {"e2e-user"}
        feed = api.get("/v1/events?limit=1000").json["items"]
        assert [i["plan_version"] for i in feed] == list(range(1, next_cycle["version"] + 1))

        stale = api.session.post(
            f"{server.base}/v1/plans/{plan_id}/needs",
            json={"area": "sensory_and_physical", "description": "x"},
            headers=api.headers(**{"If-Match": '"1"'}),
            timeout=10,
        )
        assert stale.status_code == 412 and stale.headers["ETag"] == api.etags[plan_id]

        inspector = HttpApi(server.base, mint(env, role="inspector"), etags=dict(api.etags))
        assert inspector.get(f"/v1/plans/{plan_id}").status_code == 200
        refused = inspector.write("PATCH", plan_id, "/profile", {"strengths": "x"})
        assert refused.status_code == 403 and refused.json["code"] == 403


def test_the_service_endpoints_and_offline_docs_load_over_http(tmp_path: Path) -> None:
    with serving(user_env(tmp_path / "var"), tmp_path / "server.log") as server:
        ready = requests.get(f"{server.base}/readyz", timeout=10)
        assert ready.status_code == 200
        assert ready.json()["checks"]["store"]["ok"] is True

        spec = requests.get(f"{server.base}/openapi.json", timeout=10)
        assert spec.status_code == 200
        assert spec.json()["info"]["title"] == "One Plan Ledger"
        assert "/v1/plans/{plan_id}/stage" in spec.json()["paths"]

        docs = requests.get(f"{server.base}/docs", timeout=10)
        assert docs.status_code == 200
        assert docs.headers["Content-Type"].startswith("text/html")
        html = docs.text
        assert not re.search(r"(https?:)?//[a-z0-9]", html, re.IGNORECASE), "no remote address"
        assets = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r'url: "([^"]+)"', html)
        assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
        assert "/openapi.json" in assets
        for asset in assets:
            assert asset.startswith("/") and not asset.startswith("//"), asset
            loaded = requests.get(f"{server.base}{asset}", timeout=10)
            assert loaded.status_code == 200 and len(loaded.content) > 100, asset


def test_bad_input_over_real_http_is_refused_and_leaves_the_server_able_to_stop(
    tmp_path: Path,
) -> None:
    """Refusals sent before the body is read (413, 401, 415) on kept-alive connections.

    The client keeps its connections open while the server is stopped: the server must not
    wait for them (a worker thread left waiting for a next request would hold up SIGTERM for
    gunicorn's whole graceful timeout).
    """
    env = user_env(tmp_path / "var")
    idle: list[requests.Session] = []  # one kept-alive connection per refusal, left idle

    def client() -> requests.Session:
        idle.append(requests.Session())
        return idle[-1]

    with serving(env, tmp_path / "server.log") as server:
        api = HttpApi(server.base, mint(env))
        plan_id = api.open_plan()["id"]
        url = f"{server.base}/v1/plans/{plan_id}/needs"
        headers = api.headers(
            **{"If-Match": api.etags[plan_id], "Content-Type": "application/json"}
        )
        big = b'{"area": "sensory_and_physical", "description": "' + b"d" * (300 * 1024) + b'"}'
        fits = b'{"area": "sensory_and_physical", "description": "' + b"d" * (100 * 1024) + b'"}'

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(big), 16 * 1024):
                yield big[start : start + 16 * 1024]

        cases = [
            (413, lambda: client().post(url, data=big, headers=headers, timeout=10)),
            (413, lambda: client().post(url, data=chunks(), headers=headers, timeout=10)),
            (
                401,
                lambda: client().post(
                    url,
                    data=fits,
                    timeout=10,
                    headers={**headers, "Authorization": "Bearer not-a-token"},
                ),
            ),
            (
                415,
                lambda: client().post(
                    url, data=fits, timeout=10, headers={**headers, "Content-Type": "text/plain"}
                ),
            ),
            (422, lambda: client().post(url, data=fits, headers=headers, timeout=10)),  # > 4000
            (400, lambda: client().post(url, data=b'{"area": ', headers=headers, timeout=10)),
            (
                404,
                lambda: client().get(
                    f"{server.base}/v1/plans/not-a-uuid", headers=api.headers(), timeout=10
                ),
            ),
        ]
        for expected, send in cases:
            response = send()
            assert response.status_code == expected, (expected, response.status_code, response.text)
            body = response.json()
            assert body["code"] == expected and body["message"], body
        assert api.get(f"/v1/plans/{plan_id}").json["version"] == 1

        # A kept-alive connection that saw an early refusal still serves the next request.
        reused = client()
        refused = reused.post(url, data=chunks(), headers=headers, timeout=10)
        assert refused.status_code == 413
        again = reused.get(f"{server.base}/v1/plans/{plan_id}", headers=api.headers(), timeout=10)
        assert again.status_code == 200 and again.json()["version"] == 1
    for session in idle:
        session.close()


@pytest.mark.postgres
def test_a_user_serves_on_postgresql(tmp_path: Path, postgres_database_url: str) -> None:
    env = user_env(tmp_path / "var", database_url=postgres_database_url)
    with serving(env, tmp_path / "server.log") as server:
        assert "PostgreSQL" in server.output()
        ready = requests.get(f"{server.base}/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json()["checks"]["store"]["ok"] is True

        api = HttpApi(server.base, mint(env))
        plan_id = api.open_plan()["id"]
        ids = people(api, plan_id)  # type: ignore[arg-type]
        api.ok(
            "POST",
            plan_id,
            "/needs",
            {"area": "cognition_and_learning", "description": "Reads slowly"},
        )
        moved = api.ok("POST", plan_id, "/stage", {"to": "plan"})
        assert (moved["stage"], len(moved["participants"])) == ("plan", 3)
        refused = api.write("POST", plan_id, "/stage", {"to": "do"})
        assert refused.status_code == 409 and refused.json["errors"]["rule"] == "outcomes_agreed"
        assert (
            api.ok("POST", plan_id, "/closure", {"reason": "moved_setting"})["status"] == "closed"
        )

        history = api.get(f"/v1/plans/{plan_id}/history").json["items"]
        assert [i["event_type"] for i in history] == [
            "PlanOpened",
            "ParticipantAdded",
            "ParticipantAdded",
            "ParticipantAdded",
            "NeedIdentified",
            "StageTransitioned",
            "PlanClosed",
        ]
        assert ids["parent"] in {p["id"] for p in moved["participants"]}
    assert not (tmp_path / "var" / "oneplan.sqlite3").exists(), "PostgreSQL, not SQLite"


def _boot_worker(env: dict[str, str], results: Any) -> None:
    """What a gunicorn worker does after the fork: build the app from the environment."""
    os.environ.clear()
    os.environ.update(env)
    try:
        from services.http.wsgi import app

        built = app()
        built.extensions["oneplan.ledger"].close()
        results.put("booted")
    except Exception as error:  # noqa: BLE001 - reported to the parent
        results.put(f"{type(error).__name__}: {error}")


@pytest.mark.postgres
def test_workers_booting_together_on_a_fresh_postgresql_database_all_boot(
    tmp_path: Path, postgres_server_url: str
) -> None:
    fork = multiprocessing.get_context("fork")
    for round_ in range(5):
        with temporary_database(postgres_server_url) as url:
            env = {**user_env(tmp_path / "var", database_url=url), "ONEPLAN_JWT_SECRET": "s" * 40}
            results = fork.Queue()
            workers = [fork.Process(target=_boot_worker, args=(env, results)) for _ in range(6)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(timeout=60)
            outcomes = [results.get(timeout=5) for _ in workers]
            assert outcomes == ["booted"] * len(workers), (round_, outcomes)


def test_minting_a_token_without_a_secret_fails_clearly(tmp_path: Path) -> None:
    done = cli(
        user_env(tmp_path / "empty"), "token", "--sub", "a", "--name", "A", "--role", "senco"
    )
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stdout == ""
    assert "no token secret" in done.stderr
    assert "ONEPLAN_JWT_SECRET" in done.stderr and "oneplan serve" in done.stderr
    assert "Traceback" not in done.stderr


def test_minting_a_token_for_an_unknown_role_fails_clearly(tmp_path: Path) -> None:
    env = {**user_env(tmp_path / "var"), "ONEPLAN_JWT_SECRET": "s" * 40}
    done = cli(env, "token", "--sub", "a", "--name", "A", "--role", "wizard")
    assert done.returncode == 2 and done.stdout == ""
    assert "wizard" in done.stderr and "Traceback" not in done.stderr

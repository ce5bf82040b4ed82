"""No child's personal data reaches a log line, and every line is JSON with a request id.

The full walkthrough is driven twice: through the Flask test client with the JSON formatter on
the root logger, and over real HTTP against `oneplan serve` with its stdout and stderr captured.
Every string a request body carried that names a person, gives a date of birth or is free text
must appear in no log line.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from services.config import Config
from services.ledger import PlanLedger
from services.logs import JsonFormatter
from services.projector import ledger_views
from tests.e2e.test_gunicorn import HttpApi, mint, serving, user_env
from tests.support.api import CHILD, Api
from tests.support.walkthrough import full_cycle, people

#: Bodies also carry vocabulary (`senco`, `plan`) that a route may well contain: only strings
#: with a space in them (names, free text) and the date of birth are personal here.
ALWAYS_PRIVATE = {CHILD["name"], CHILD["date_of_birth"], "Ada"}


def private_strings(bodies: list[Any]) -> set[str]:
    found = set(ALWAYS_PRIVATE)

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and " " in value.strip():
            found.add(value)

    walk(bodies)
    return found


def leaks(lines: list[str], secrets: set[str]) -> list[tuple[str, str]]:
    return [
        (secret, line)
        for line in lines
        for secret in secrets
        if re.search(rf"(?<![A-Za-z]){re.escape(secret)}(?![a-z])", line)
    ]


class RecordingClient(FlaskClient):
    """The test client, keeping every JSON body it sends."""

    sent: list[Any] = []

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("json") is not None:
            self.sent.append(kwargs["json"])
        return super().open(*args, **kwargs)


class RecordingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Any] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if kwargs.get("json") is not None:
            self.sent.append(kwargs["json"])
        return super().request(method, url, *args, **kwargs)


def with_tables(data_dir: Path) -> Path:
    """Create the store's and the views' tables before `serve` starts: two workers and the
    projector creating them at once on a fresh SQLite file can race (not what is tested here)."""
    ledger = PlanLedger(
        env=Config(data_dir=data_dir, database_url=None, jwt_secret="x").store_env()
    )
    ledger_views(ledger)
    ledger.close()
    return data_dir


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The root logger's records, as the service writes them, at every level."""
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield sink
    root.removeHandler(handler)
    root.setLevel(level)


def test_the_walkthrough_logs_request_ids_and_no_personal_data(
    app: Flask, json_log: io.StringIO
) -> None:
    app.test_client_class = RecordingClient
    RecordingClient.sent = []
    api = Api(app.test_client())
    plan_id = api.open_plan()["id"]
    full_cycle(api, plan_id, people(api, plan_id), cycle=1)
    assert api.write("POST", plan_id, "/closure", {"reason": "moved_setting"}).status_code == 200
    traced = api.client.get("/healthz", headers={"X-Request-ID": "trace-me-42"})
    assert traced.headers["X-Request-ID"] == "trace-me-42"

    lines = json_log.getvalue().splitlines()
    records = [json.loads(line) for line in lines]
    requests_logged = [r for r in records if r["message"] == "request"]
    assert len(requests_logged) >= 15
    assert all(re.fullmatch(r"[0-9a-f]{32}|trace-me-42", r["request_id"]) for r in requests_logged)
    assert {"route": "/healthz", "request_id": "trace-me-42"}.items() <= requests_logged[-1].items()
    assert any(r["route"] == "/v1/plans/<uuid:plan_id>/needs" for r in requests_logged)
    secrets = private_strings(RecordingClient.sent)
    assert {"Pat Parent", "I like the quiet corner"} <= secrets
    assert leaks(lines, secrets) == []


def test_an_unsafe_request_id_is_replaced_by_a_generated_one(api: Api) -> None:
    for unsafe in ["x" * 65, "Ada Lovelace", "a;b", "<script>", "-leading-dash", ""]:
        response = api.client.get("/healthz", headers={"X-Request-ID": unsafe})
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"]), unsafe


@pytest.mark.e2e
def test_a_served_walkthrough_writes_json_lines_without_personal_data(tmp_path: Path) -> None:
    env = user_env(with_tables(tmp_path / "var"))
    stdout_log = tmp_path / "server.log"
    with serving(env, stdout_log) as server:
        session = RecordingSession()
        api = HttpApi(server.base, mint(env), session=session)
        plan_id = api.open_plan()["id"]
        full_cycle(api, plan_id, people(api, plan_id), cycle=1)  # type: ignore[arg-type]
        traced = session.get(
            f"{server.base}/v1/plans/{plan_id}",
            headers={**api.headers(), "X-Request-ID": "find-me-7"},
            timeout=10,
        )
        assert traced.status_code == 200 and traced.headers["X-Request-ID"] == "find-me-7"
    output = server.output().splitlines()
    secrets = private_strings([{"child": CHILD}, *session.sent])
    assert {"Pat Parent", "I like the quiet corner"} <= secrets
    assert leaks(output, secrets) == []
    records = [json.loads(line) for line in output if line.startswith("{")]
    found = [r for r in records if r.get("request_id") == "find-me-7"]
    assert {r["logger"] for r in found} == {"oneplan.http", "gunicorn.access"}, found
    assert {"method": "GET", "status": 200}.items() <= next(
        r for r in found if r["logger"] == "gunicorn.access"
    ).items()

"""No lost updates: writers racing on one plan each either win a distinct version or get 412."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from services.config import Config
from services.http.app import create_app
from services.ledger import PlanLedger
from tests.support.api import SECRET, Api

WRITERS = 20
ATTEMPTS_EACH = 5


@pytest.fixture
def postgres_app(postgres_database_url: str, tmp_path: Path) -> Iterator[Flask]:
    config = Config(
        data_dir=tmp_path, database_url=postgres_database_url, jwt_secret=SECRET, db_pool_size=WRITERS
    )
    ledger = PlanLedger(env=config.store_env())
    yield create_app(config, ledger=ledger)
    ledger.close()


@pytest.mark.postgres
def test_twenty_racing_writers_never_lose_an_update(postgres_app: Flask) -> None:
    plan_id = Api(postgres_app.test_client()).open_plan()["id"]
    initial = 1
    start = threading.Barrier(WRITERS)
    outcomes: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def writer(number: int) -> None:
        api = Api(postgres_app.test_client())
        start.wait()
        for attempt in range(ATTEMPTS_EACH):
            etag = api.get(f"/v1/plans/{plan_id}").headers["ETag"]
            response = api.write(
                "POST",
                plan_id,
                "/needs",
                {"area": "cognition_and_learning", "description": f"writer {number} try {attempt}"},
                if_match=etag,
            )
            with lock:
                outcomes.append((response.status_code, response.headers.get("ETag")))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = [code for code, _ in outcomes]
    assert set(codes) <= {201, 412}, codes
    won = [etag for code, etag in outcomes if code == 201]
    assert len(won) == len(set(won)), "two writers were given the same version"
    assert len(won) >= 1 and codes.count(412) >= 1, "the writers did not actually race"
    final = Api(postgres_app.test_client()).get(f"/v1/plans/{plan_id}").json
    assert final["version"] == initial + len(won)
    assert len(final["needs"]) == len(won)

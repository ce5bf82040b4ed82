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
        data_dir=tmp_path,
        database_url=postgres_database_url,
        jwt_secret=SECRET,
        db_pool_size=WRITERS,
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


@pytest.mark.postgres
def test_a_lost_race_leaves_no_broken_connection_behind(
    postgres_database_url: str, tmp_path: Path
) -> None:
    """Regression: a unique violation inside the insert pipeline used to leave psycopg's cache
    of prepared statements out of step, and a later write on that connection failed."""
    from datetime import date

    from domain.values import Actor
    from services.ledger import StaleVersion

    config = Config(
        data_dir=tmp_path, database_url=postgres_database_url, jwt_secret=SECRET, db_pool_size=8
    )
    ledger = PlanLedger(env=config.store_env())
    senco = Actor(id="u-1", name="Sam Senco", role="senco")
    plan_id = ledger.open_plan(
        child={"ref": "C", "name": "Ada", "date_of_birth": date(2019, 1, 1)},
        setting={"ref": "S", "name": "School", "phase": "school"},
        actor=senco,
    ).plan.id
    unexpected: list[BaseException] = []
    stale = []

    def writer() -> None:
        for attempt in range(150):
            try:
                version = ledger.get_plan(plan_id).version
                ledger.update_profile(
                    plan_id, version, changes={"strengths": str(attempt)}, actor=senco
                )
            except StaleVersion:
                stale.append(attempt)
            except Exception as error:  # noqa: BLE001 - any other failure is the bug
                unexpected.append(error)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ledger.close()
    assert stale, "the writers did not actually race"
    assert unexpected == []

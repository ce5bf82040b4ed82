"""Exactly once: views equal a rebuild from scratch however the projector was interrupted,
and no event committed late is skipped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from domain.plan import OnePlan
from domain.values import Actor
from projections.catalogue import VIEW_NAMES
from services.config import Config
from services.ledger import PlanLedger
from services.projector import Projector, ledger_views, rebuild
from tests.support.plan_workload import PlanWorkload

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 8
SENCO = Actor(id="senco-1", name="Sam Senco", role="senco")
SETTING = {"ref": "URN-1", "name": "Oak", "phase": "school"}


def snapshot(ledger: PlanLedger) -> dict[str, list[dict[str, Any]]]:
    """Every row of every view, in key order."""
    views = ledger_views(ledger).named()
    return {
        name: view.select(f"SELECT * FROM {{table}} ORDER BY {view.columns[0][0]}")
        for name, view in views.items()
    }


def projector_process(config: Config) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ONEPLAN_DATA_DIR": str(config.data_dir), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    if config.database_url:
        env["DATABASE_URL"] = config.database_url
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", "project"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def wait_for(condition: Any, timeout: float = 60.0, interval: float = 0.002) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(interval)


def test_a_projector_killed_mid_catch_up_and_restarted_ends_equal_to_a_rebuild(
    config: Config, ledger: PlanLedger
) -> None:
    head = PlanWorkload(ledger, plans=400).write()
    audit = ledger_views(ledger).audit

    first = projector_process(config)
    wait_for(lambda: audit.position() > 0)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = audit.position()
    assert 0 < killed_at < head, "the projector was not killed in the middle of catching up"

    second = projector_process(config)
    views = ledger_views(ledger).named()
    wait_for(lambda: all(v.position() == head for v in views.values()))
    second.send_signal(signal.SIGTERM)
    assert second.wait(30) == 0, second.stderr.read() if second.stderr else ""

    after_restart = snapshot(ledger)
    assert len(after_restart["audit"]) == head
    rebuild(ledger, VIEW_NAMES)
    assert snapshot(ledger) == after_restart


def test_a_rebuild_beside_a_running_projector_applies_nothing_twice(ledger: PlanLedger) -> None:
    PlanWorkload(ledger, plans=60).write()
    projector = Projector(ledger)
    projector.catch_up()
    stop = threading.Event()
    running = threading.Thread(target=projector.run, args=(stop,))
    running.start()
    try:
        PlanWorkload(ledger, plans=60, seed=8).write()
        rebuild(ledger, ["audit", "current_plans"])
        PlanWorkload(ledger, plans=20, seed=9).write()
        head = ledger.head_position()
        wait_for(lambda: all(p == head for p in projector.positions().values()))
    finally:
        stop.set()
        running.join()
    views = snapshot(ledger)
    assert [r["position"] for r in views["audit"]] == [r.position for r in ledger.feed(0, 100_000)]
    rebuild(ledger, VIEW_NAMES)
    assert snapshot(ledger) == views


@pytest.mark.postgres
def test_the_gap_trap_eight_concurrent_writers_while_the_projector_runs(
    postgres_database_url: str, tmp_path: Path
) -> None:
    config = Config(
        data_dir=tmp_path,
        database_url=postgres_database_url,
        jwt_secret="x",
        db_pool_size=WRITERS + 4,
    )
    ledger = PlanLedger(env=config.store_env())
    stop = threading.Event()
    projector = Projector(ledger)
    running = threading.Thread(target=projector.run, args=(stop,))
    running.start()
    try:
        start = threading.Barrier(WRITERS)
        errors: list[BaseException] = []

        def writer(number: int) -> None:
            try:
                start.wait()
                for attempt in range(40):
                    child = {"ref": f"C-{number}-{attempt}", "name": "Ada", "date_of_birth": _dob()}
                    plan = OnePlan.open(child=child, setting=SETTING, actor=SENCO)
                    plan.identify_need(
                        area="cognition_and_learning", description="Reads slowly", actor=SENCO
                    )
                    ledger.save(plan)
                    written = ledger.get_plan(plan.id)
                    ledger.identify_need(
                        plan.id, written.version, area="sensory_and_physical",
                        description=f"{number}/{attempt}", actor=SENCO,
                    )  # fmt: skip
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        head = ledger.head_position()
        wait_for(lambda: all(p == head for p in projector.positions().values()))
        stored = ledger.recorder.datastore.transaction  # type: ignore[attr-defined]
        with stored(commit=False) as cursor:
            cursor.execute(f"SELECT COUNT(*) AS n FROM {ledger.recorder.events_table_name}")  # type: ignore[attr-defined]
            events_in_store = cursor.fetchone()["n"]
        audit = ledger_views(ledger).audit
        assert audit.count() == events_in_store == WRITERS * 40 * 3
        plans = snapshot(ledger)["current_plans"]
        assert {r["plan_id"]: r["version"] for r in plans} == {
            r["plan_id"]: ledger.get_plan(_uuid(r["plan_id"])).version for r in plans
        }
    finally:
        stop.set()
        running.join()
        ledger.close()


def _dob() -> Any:
    from datetime import date

    return date(2019, 5, 4)


def _uuid(text: str) -> Any:
    from uuid import UUID

    return UUID(text)

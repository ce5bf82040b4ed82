"""The PlanLedger application on a real store: persistence, snapshots, positions, as-of reads."""

from __future__ import annotations

import stat
import threading
from datetime import UTC, date, datetime
from decimal import Decimal

from domain.values import Actor
from services.config import Config
from services.ledger import PlanLedger
from services.projector import ledger_views
from services.secrets import ensure_secret, stored_secret

SENCO = Actor(id="u-1", name="Sam Senco", role="senco")
CHILD = {"ref": "C-1", "name": "Ada", "date_of_birth": date(2019, 5, 4)}
SETTING = {"ref": "S-1", "name": "Sunflower", "phase": "school"}


def test_a_plan_reads_back_identically_from_a_new_application_on_the_same_store(
    config: Config, ledger: PlanLedger
) -> None:
    written = ledger.open_plan(child=CHILD, setting=SETTING, actor=SENCO)
    plan_id = written.plan.id
    need = ledger.identify_need(
        plan_id, 1, area="cognition_and_learning", description="x", actor=SENCO
    )
    outcome = ledger.agree_outcome(
        plan_id,
        2,
        description="d",
        success_criteria="s",
        target_date=date(2031, 1, 2),
        need_id=need.created_id,
        actor=SENCO,
    )
    ledger.agree_provision(
        plan_id,
        3,
        description="p",
        kind="support",
        frequency="daily",
        delivered_by="TA",
        start_date=date(2030, 9, 1),
        outcome_ids=[outcome.created_id],
        weekly_cost=Decimal("12.50"),
        actor=SENCO,
    )
    again = PlanLedger(env=config.store_env())
    try:
        reread = again.get_plan(plan_id)
    finally:
        again.close()
    original = ledger.get_plan(plan_id)
    assert {k: v for k, v in vars(reread).items() if k != "_pending_events"} == {
        k: v for k, v in vars(original).items() if k != "_pending_events"
    }
    provision = next(iter(reread.provisions.values()))
    assert provision.start_date == date(2030, 9, 1)
    assert provision.weekly_cost == Decimal("12.50")
    assert reread.child.date_of_birth == date(2019, 5, 4)


def test_snapshots_are_taken_every_fifty_events_and_change_nothing(ledger: PlanLedger) -> None:
    plan_id = ledger.open_plan(child=CHILD, setting=SETTING, actor=SENCO).plan.id
    middle = None
    for version in range(1, 120):
        ledger.update_profile(plan_id, version, changes={"strengths": f"s{version}"}, actor=SENCO)
        if version == 75:
            middle = datetime.now(UTC)
    assert ledger.snapshots is not None
    assert [s.originator_version for s in ledger.snapshots.get(plan_id)] == [50, 100]
    assert ledger.get_plan(plan_id).profile.strengths == "s119"
    assert middle is not None
    as_of = ledger.plan_as_of(plan_id, middle)
    assert (as_of.version, as_of.profile.strengths) == (76, "s75")


def test_history_positions_are_the_positions_of_the_global_feed(ledger: PlanLedger) -> None:
    first = ledger.open_plan(child=CHILD, setting=SETTING, actor=SENCO).plan.id
    second = ledger.open_plan(child=CHILD, setting=SETTING, actor=SENCO).plan.id
    ledger.identify_need(first, 1, area="cognition_and_learning", description="x", actor=SENCO)
    ledger.identify_need(second, 1, area="sensory_and_physical", description="y", actor=SENCO)
    feed = {
        (r.event.originator_id, r.event.originator_version): r.position for r in ledger.feed(0, 100)
    }
    assert sorted(feed.values()) == [1, 2, 3, 4]
    for plan_id in (first, second):
        for recorded in ledger.history(plan_id, 0, 100):
            assert feed[(plan_id, recorded.event.originator_version)] == recorded.position
    assert ledger.head_position() == 4
    assert [r.position for r in ledger.feed(2, 1)] == [3]


def test_the_generated_token_secret_is_kept_for_the_owner_only(config: Config) -> None:
    unset = Config(data_dir=config.data_dir, database_url=None, jwt_secret=None)
    secret, generated = ensure_secret(unset)
    assert generated and len(secret) >= 32
    path = config.data_dir / "jwt-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stored_secret(unset) == secret
    assert ensure_secret(unset) == (secret, False)


def test_processes_starting_together_on_a_fresh_store_all_start(config: Config) -> None:
    """The API's workers, the projector and the relay each create the tables on first start."""
    start = threading.Barrier(6)
    failures: list[BaseException] = []

    def start_up() -> None:
        start.wait()
        try:
            ledger = PlanLedger(env=config.store_env())
            ledger_views(ledger)
            ledger.close()
        except BaseException as error:  # noqa: BLE001 - any failure to start is the bug
            failures.append(error)

    threads = [threading.Thread(target=start_up) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

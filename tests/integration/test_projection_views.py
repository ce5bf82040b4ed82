"""Every view, after a realistic workload of many plans, agrees with the event store — on
SQLite and PostgreSQL. The expectations are computed from the ledger itself (its log and
each plan's aggregate), not from the projections' code."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from domain.plan import OnePlan
from services.config import Config
from services.http.app import create_app
from services.ledger import PlanLedger
from services.projector import Projector
from tests.infra.postgres_plugin import temporary_database
from tests.support.api import SECRET, Api
from tests.support.plan_workload import PlanWorkload, setting_ref

PLANS = 160
SETTINGS = 4


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Config]:
    """One workload per store for the whole module: the tests only read it."""
    with ExitStack() as stack:
        url = None
        if request.param == "postgres":
            url = stack.enter_context(
                temporary_database(request.getfixturevalue("postgres_server_url"))
            )
        yield Config(data_dir=tmp_path_factory.mktemp("views"), database_url=url, jwt_secret=SECRET)


@pytest.fixture(scope="module")
def ledger(store: Config) -> Iterator[PlanLedger]:
    ledger = PlanLedger(env=store.store_env())
    yield ledger
    ledger.close()


@pytest.fixture(scope="module")
def projected(ledger: PlanLedger) -> Projector:
    written = PlanWorkload(ledger, plans=PLANS, settings=SETTINGS).write()
    assert written == ledger.head_position() > 4000
    projector = Projector(ledger)
    assert projector.catch_up() == written
    return projector


@pytest.fixture(scope="module")
def app(store: Config, ledger: PlanLedger) -> Flask:
    return create_app(store, ledger=ledger)


def all_events(ledger: PlanLedger) -> list[Any]:
    recorded, after = [], 0
    while page := ledger.feed(after, 1000):
        recorded.extend(page)
        after = page[-1].position
    return recorded


def all_plans(ledger: PlanLedger) -> dict[str, OnePlan]:
    ids = {r.event.originator_id for r in all_events(ledger)}
    return {str(plan_id): ledger.get_plan(plan_id) for plan_id in ids}


def pages(api: Api, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url = path
    while True:
        response = api.get(url)
        assert response.status_code == 200, response.json
        items.extend(response.json["items"])
        cursor = response.json["next_cursor"]
        if cursor is None:
            return items
        url = f"{path}{'&' if '?' in path else '?'}cursor={cursor}"


def today() -> date:
    return datetime.now(UTC).date()


def is_overdue(plan: OnePlan) -> bool:
    held = [r.held_on for r in plan.reviews]
    return bool(
        plan.status == "open"
        and plan.review_date is not None
        and plan.review_date < today()
        and not any(h >= plan.review_date for h in held)
    )


def test_the_audit_view_holds_one_row_per_event_with_its_actor_and_both_times(
    projected: Projector, ledger: PlanLedger, app: Flask
) -> None:
    items = pages(Api(app.test_client()), "/v1/audit?limit=200")
    events = all_events(ledger)
    assert len(items) == len(events) == projected.views.audit.count()
    for item, recorded in zip(items, events, strict=True):
        event = recorded.event
        assert item["position"] == recorded.position
        assert item["plan_id"] == str(event.originator_id)
        assert (item["event_type"], item["version"]) == (
            type(event).__name__,
            event.originator_version,
        )
        assert item["actor"] == {
            "id": event.actor.id,
            "name": event.actor.name,
            "role": event.actor.role,
        }
        assert datetime.fromisoformat(item["recorded_at"]) == event.timestamp
        assert datetime.fromisoformat(item["occurred_at"]) == event.occurred_at
        assert item["summary"]


def test_the_plan_list_holds_every_plan_as_its_aggregate_stands(
    projected: Projector, ledger: PlanLedger, app: Flask
) -> None:
    plans = all_plans(ledger)
    items = pages(Api(app.test_client()), "/v1/plans?limit=200")
    assert sorted(i["id"] for i in items) == sorted(plans)
    for item in items:
        plan = plans[item["id"]]
        assert item["child_name"] == plan.child.name
        assert item["setting"] == {
            "ref": plan.setting.ref,
            "name": plan.setting.name,
            "phase": plan.setting.phase,
        }
        assert (item["stage"], item["cycle"], item["status"]) == (
            plan.stage,
            plan.cycle,
            plan.status,
        )
        assert item["review_date"] == (plan.review_date.isoformat() if plan.review_date else None)
        assert item["version"] == plan.version
        assert datetime.fromisoformat(item["updated_at"]) == plan.modified_on
        assert item["overdue"] == is_overdue(plan)
    # The workload leaves plans everywhere in the cycle, so the filters below test something.
    assert {p.stage for p in plans.values()} >= {"assess", "plan", "do"}
    assert any(is_overdue(p) for p in plans.values())
    assert any(p.status == "closed" for p in plans.values())


@pytest.mark.parametrize(
    "query, keep",
    [
        ("stage=do", lambda p: p.stage == "do"),
        ("status=closed", lambda p: p.status == "closed"),
        (f"setting_ref={setting_ref(1)}", lambda p: p.setting.ref == setting_ref(1)),
        ("cycle=2", lambda p: p.cycle == 2),
        ("overdue=true", is_overdue),
        ("overdue=false", lambda p: not is_overdue(p)),
        (
            f"review_due_before={(today() + timedelta(days=10)).isoformat()}",
            lambda p: p.review_date is not None and p.review_date < today() + timedelta(days=10),
        ),
        (
            f"stage=plan&setting_ref={setting_ref(2)}",
            lambda p: p.stage == "plan" and p.setting.ref == setting_ref(2),
        ),
    ],
)
def test_each_filter_of_the_plan_list_keeps_exactly_the_plans_it_names(
    projected: Projector, ledger: PlanLedger, app: Flask, query: str, keep: Any
) -> None:
    expected = sorted(i for i, p in all_plans(ledger).items() if keep(p))
    found = pages(Api(app.test_client()), f"/v1/plans?limit=37&{query}")
    assert sorted(i["id"] for i in found) == expected
    assert len({i["id"] for i in found}) == len(found), "a plan on two pages"


@pytest.mark.parametrize("sort", ["updated_at", "-updated_at", "review_date", "-review_date"])
def test_the_plan_list_pages_through_every_plan_once_in_its_sort_order(
    projected: Projector, ledger: PlanLedger, app: Flask, sort: str
) -> None:
    plans = all_plans(ledger)
    found = pages(Api(app.test_client()), f"/v1/plans?limit=23&sort={sort}")
    assert sorted(i["id"] for i in found) == sorted(plans)

    def key(item: dict[str, Any]) -> tuple[Any, str]:
        if sort.endswith("updated_at"):
            return datetime.fromisoformat(item["updated_at"]), item["id"]
        return item["review_date"] or "9999-12-31", item["id"]

    assert found == sorted(found, key=key, reverse=sort.startswith("-"))


def test_the_caseload_of_each_setting_matches_its_plans(
    projected: Projector, ledger: PlanLedger, app: Flask
) -> None:
    plans = all_plans(ledger)
    api = Api(app.test_client())
    year_start = date(today().year if today().month >= 9 else today().year - 1, 9, 1)
    for number in range(SETTINGS):
        ref = setting_ref(number)
        mine = {i: p for i, p in plans.items() if p.setting.ref == ref}
        open_plans = {i: p for i, p in mine.items() if p.status == "open"}
        response = api.get(f"/v1/caseload?setting_ref={ref}")
        assert response.status_code == 200, response.json
        caseload = response.json
        assert caseload["by_stage"] == {
            s: Counter(p.stage for p in open_plans.values())[s]
            for s in ("assess", "plan", "do", "review")
        }
        assert caseload["by_status"] == {
            s: Counter(p.status for p in mine.values())[s] for s in ("open", "closed")
        }
        assert set(caseload["reviews_overdue"]) == {
            i for i, p in open_plans.items() if is_overdue(p)
        }
        assert set(caseload["reviews_due_soon"]) == {
            i for i, p in open_plans.items()
            if p.review_date and today() <= p.review_date <= today() + timedelta(days=14)
        }  # fmt: skip
        assert set(caseload["awaiting_agreement"]) == {
            i for i, p in open_plans.items() if p.stage == "plan" and not p.agreement_is_current()
        }
        meetings = {m["plan_id"]: m for m in caseload["parent_meetings"]}
        assert set(meetings) == set(open_plans)
        for plan_id, plan in open_plans.items():
            parents = {p.id for p in plan.participants.values() if p.speaks_for_the_child_as_parent}
            attended = sum(
                1 for r in plan.reviews if r.held_on >= year_start and parents & set(r.attendees)
            )
            assert meetings[plan_id] == {
                "plan_id": plan_id,
                "this_school_year": attended,
                "expected": 3,
            }
    assert any(
        api.get(f"/v1/caseload?setting_ref={setting_ref(n)}").json["awaiting_agreement"]
        for n in range(SETTINGS)
    )


def test_a_view_read_answers_how_far_the_view_had_got(projected: Projector, app: Flask) -> None:
    api = Api(app.test_client())
    head = projected.ledger.head_position()
    for path in ("/v1/plans", "/v1/audit", f"/v1/caseload?setting_ref={setting_ref(0)}"):
        assert api.get(path).headers["X-Projection-Position"] == str(head), path

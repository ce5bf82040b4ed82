"""The read side over HTTP on both stores: read-your-writes, audit summaries, readiness, and
bad input answered 422 (never a 500)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask

from services.http import readside
from services.ledger import PlanLedger
from services.projector import Projector, ProjectorSettings
from tests.support.api import CHILD, SETTING, Api
from tests.support.walkthrough import full_cycle, people


@pytest.fixture
def projector(ledger: PlanLedger) -> Iterator[Projector]:
    """The projector following the ledger in the background, as `oneplan project` does."""
    running = Projector(ledger, settings=ProjectorSettings(poll_interval=0.01))
    stop = threading.Event()
    thread = threading.Thread(target=running.run, args=(stop,))
    thread.start()
    yield running
    stop.set()
    thread.join()


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())


def test_a_write_is_always_visible_to_a_read_with_its_position(
    api: Api, projector: Projector
) -> None:
    plan_id = api.open_plan()["id"]
    ids = people(api, plan_id)
    for step in range(5):
        response = api.write(
            "POST",
            plan_id,
            "/needs",
            {"area": "sensory_and_physical", "description": f"step {step}"},
        )
        position = int(response.headers["X-Event-Position"])
        version = response.json["version"]
        listed = api.get(f"/v1/plans?min_position={position}&setting_ref={SETTING['ref']}")
        assert listed.status_code == 200
        assert int(listed.headers["X-Projection-Position"]) >= position
        assert [(p["id"], p["version"]) for p in listed.json["items"]] == [(plan_id, version)]
        audit = api.get(f"/v1/audit?min_position={position}&plan_id={plan_id}&order=desc&limit=1")
        assert audit.json["items"][0]["position"] == position
    reviewed = full_cycle(api, plan_id, ids, cycle=1)
    position = api.get(f"/v1/plans/{plan_id}/history?limit=200").json["items"][-1]["position"]
    caseload = api.get(f"/v1/caseload?setting_ref={SETTING['ref']}&min_position={position}").json
    assert caseload["by_stage"]["review"] == 1
    assert caseload["parent_meetings"] == [
        {"plan_id": plan_id, "this_school_year": 1, "expected": 3}
    ]
    assert reviewed["stage"] == "review"


def test_audit_summaries_read_as_one_line_and_never_name_the_child(
    api: Api, projector: Projector
) -> None:
    plan_id = api.open_plan()["id"]
    full_cycle(api, plan_id, people(api, plan_id), cycle=1)
    position = api.get(f"/v1/plans/{plan_id}/history?limit=200").json["items"][-1]["position"]
    items = api.get(f"/v1/audit?plan_id={plan_id}&min_position={position}&limit=200").json["items"]
    summaries = [i["summary"] for i in items]
    assert "Outcome 'Uses 3-word phrases' agreed" in summaries
    assert "Stage moved from assess to plan" in summaries
    assert not [s for s in summaries if CHILD["name"] in s or "Ada" in s or "\n" in s]
    newest = api.get(f"/v1/audit?plan_id={plan_id}&order=desc&limit=3").json["items"]
    assert [i["position"] for i in newest] == sorted((i["position"] for i in items), reverse=True)[
        :3
    ]
    by_actor = api.get("/v1/audit?actor_id=user-1&event_type=PlanOpened").json["items"]
    assert [i["plan_id"] for i in by_actor] == [plan_id]


def test_min_position_beyond_the_head_is_refused_at_once(api: Api) -> None:
    need = {"area": "sensory_and_physical", "description": "x"}
    written = api.write("POST", api.open_plan()["id"], "/needs", need)
    head = int(written.headers["X-Event-Position"])
    for path in ("/v1/plans", "/v1/audit", f"/v1/caseload?setting_ref={SETTING['ref']}"):
        started = time.monotonic()
        response = api.get(f"{path}{'&' if '?' in path else '?'}min_position={head + 1}")
        assert response.status_code == 422 and "min_position" in response.json["errors"], path
        assert time.monotonic() - started < 1.0


def test_a_view_that_does_not_catch_up_in_time_answers_503_with_retry_after(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readside, "READ_YOUR_WRITES_WAIT", 0.3)
    position = api.open_plan() and api.get("/v1/events").json["items"][-1]["position"]
    response = api.get(f"/v1/plans?min_position={position}")  # no projector is running
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert set(response.json) >= {"code", "status", "message"}


def test_readiness_reports_each_views_lag_and_fails_beyond_the_bound(app: Flask, api: Api) -> None:
    api.open_plan()
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["views"]["audit"] == {"ok": True, "position": 0, "lag": 1}
    app.config["ONEPLAN_VIEW_LAG_MAX"] = 0
    lagging = api.client.get("/readyz")
    assert lagging.status_code == 503
    assert lagging.json["errors"]["views"]["caseload"]["lag"] == 1


BAD_QUERIES = [
    "/v1/plans?stage=banana",
    "/v1/plans?status=archived",
    "/v1/plans?overdue=perhaps",
    "/v1/plans?sort=child_name",
    "/v1/plans?cycle=0",
    "/v1/plans?cycle=two",
    "/v1/plans?review_due_before=2026-13-01",
    "/v1/plans?review_due_before=tomorrow",
    "/v1/plans?limit=0",
    "/v1/plans?limit=201",
    "/v1/plans?limit=ten",
    "/v1/plans?colour=blue",
    "/v1/plans?min_position=-1",
    "/v1/plans?cursor=not-a-cursor",
    "/v1/plans?cursor=W1sMCwgImEiXQ.AAAAAAAAAAAAAAAAAAAAAA",
    "/v1/audit?event_type=PlanDeleted",
    "/v1/audit?actor_role=boss",
    "/v1/audit?plan_id=not-a-uuid",
    "/v1/audit?recorded_from=yesterday",
    "/v1/audit?recorded_from=2026-01-01T10:00:00",
    "/v1/audit?recorded_to=2026-02-30T10:00:00%2B00:00",
    "/v1/audit?order=sideways",
    "/v1/audit?limit=500",
    "/v1/audit?cursor=%E2%9C%93",
    "/v1/caseload",
    "/v1/caseload?setting_ref=",
    "/v1/caseload?setting_ref=URN-1&stage=do",
]


@pytest.mark.parametrize("path", BAD_QUERIES)
def test_bad_input_to_the_read_side_answers_422_in_the_error_shape(api: Api, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 422, (path, response.status_code, response.json)
    assert set(response.json) == {"code", "status", "message", "errors"}


def test_a_cursor_altered_or_used_with_another_query_is_refused(
    api: Api, projector: Projector
) -> None:
    for _ in range(3):
        api.open_plan()
    head = api.get("/v1/events").json["items"][-1]["position"]
    first = api.get(f"/v1/plans?limit=1&min_position={head}").json
    cursor = first["next_cursor"]
    assert api.get(f"/v1/plans?limit=1&cursor={cursor}").status_code == 200
    body, signature = cursor.split(".")
    tampered = ("A" if signature[0] != "A" else "B") + signature[1:]
    for stale_or_forged in (
        f"/v1/plans?limit=2&cursor={cursor}",  # another limit
        f"/v1/plans?limit=1&stage=do&cursor={cursor}",  # another filter
        f"/v1/plans?limit=1&sort=review_date&cursor={cursor}",  # another sort
        f"/v1/plans?limit=1&cursor={body}.{tampered}",  # altered
        f"/v1/audit?limit=1&cursor={cursor}",  # another collection
    ):
        response = api.get(stale_or_forged)
        assert response.status_code == 422 and "cursor" in response.json["errors"], stale_or_forged


def test_the_read_side_needs_a_token(app: Flask) -> None:
    client = app.test_client()
    for path in ("/v1/plans", "/v1/audit", "/v1/caseload?setting_ref=URN-1"):
        assert client.get(path).status_code == 401, path

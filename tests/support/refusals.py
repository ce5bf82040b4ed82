"""Bad input over HTTP: every reply checked for the error shape, never a 500, nothing recorded.

- `CheckedClient` is a Flask test client that checks *every* reply it gets: never a 500, and
  every error (4xx/5xx) in the one shape `{code, status, message, errors?}`.
- `checked_api(app)` is the `Api` helper on such a client; test modules override the `api`
  fixture with it, so no request of theirs escapes the check.
- `refused(api, send, code, plan_id=...)` sends one request, asserts its status and error shape
  (and the rule or the fields named, when given), and asserts that nothing recorded changed:
  the plan's version, ETag and history length, and the length of the global event feed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.test import TestResponse

from tests.support.api import Api

ERROR_KEYS = {"code", "status", "message", "errors"}


def assert_error_shape(response: TestResponse) -> dict[str, Any]:
    """The reply is an error in the one shape; answers its body."""
    code = response.status_code
    assert response.mimetype == "application/json", (code, response.mimetype, response.data[:200])
    body = response.get_json()
    assert isinstance(body, dict), body
    assert {"code", "status", "message"} <= body.keys() <= ERROR_KEYS, body
    assert body["code"] == code, body
    assert body["status"] == HTTP_STATUS_CODES[code], body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    if "errors" in body:
        assert isinstance(body["errors"], dict) and body["errors"], body
    return body


class CheckedClient(FlaskClient):
    """Checks every reply: never a 500, and every error in the one shape."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:  # type: ignore[override]
        response: TestResponse = super().open(*args, **kwargs)
        assert response.status_code != 500, ("a 500", response.get_data(as_text=True)[:2000])
        if response.status_code >= 400:
            assert_error_shape(response)
        return response


def checked_api(app: Flask, role: str = "senco") -> Api:
    app.test_client_class = CheckedClient
    return Api(app.test_client(), role=role)


@dataclass(frozen=True)
class Recorded:
    """What the ledger has recorded, as a client sees it."""

    feed_length: int
    plan: tuple[int, str, int] | None  # (version, ETag, history length)


def event_count(api: Api) -> int:
    count, after = 0, 0
    while True:
        page = api.get(f"/v1/events?after={after}&limit=1000")
        assert page.status_code == 200, page.json
        count += len(page.json["items"])
        if page.json["next_cursor"] is None:
            return count
        after = int(page.json["next_cursor"])


def recorded(api: Api, plan_id: str | None = None) -> Recorded:
    plan = None
    if plan_id is not None:
        current = api.get(f"/v1/plans/{plan_id}")
        assert current.status_code == 200, current.json
        history = api.get(f"/v1/plans/{plan_id}/history?limit=200")
        assert history.status_code == 200, history.json
        assert history.json["next_cursor"] is None, "test plans stay under 200 events"
        plan = (current.json["version"], current.headers["ETag"], len(history.json["items"]))
        assert plan[0] == plan[2], "a plan's version is the number of its events"
    return Recorded(event_count(api), plan)


def refused(
    api: Api,
    send: Callable[[], TestResponse],
    code: int,
    *,
    plan_id: str | None = None,
    rule: str | None = None,
    fields: Iterable[str] = (),
) -> TestResponse:
    """Send one request that must be refused with `code`; nothing recorded may change."""
    before = recorded(api, plan_id)
    response = send()
    assert response.status_code == code, (code, response.status_code, response.get_json())
    body = assert_error_shape(response)
    if rule is not None:
        assert body.get("errors", {}).get("rule") == rule, body
    for name in fields:
        assert name in body.get("errors", {}), (name, body)
    assert recorded(api, plan_id) == before, "a refused request changed what is recorded"
    return response


def refused_write(
    api: Api,
    plan_id: str,
    method: str,
    path: str,
    body: Any,
    code: int,
    *,
    if_match: str | None = None,
    rule: str | None = None,
    fields: Iterable[str] = (),
) -> TestResponse:
    """`refused` for a write to the plan through `Api.write` (its current ETag by default)."""
    return refused(
        api,
        lambda: api.write(method, plan_id, path, body, if_match=if_match),
        code,
        plan_id=plan_id,
        rule=rule,
        fields=fields,
    )


def location_id(response: TestResponse) -> str:
    assert response.status_code == 201, response.get_json()
    return str(response.headers["Location"].rsplit("/", 1)[1])


# ---- a plan with one of everything, and a valid body for every write ----------------------

FUTURE = "2999-01-01"


def furnished_plan(api: Api) -> dict[str, str]:
    """An open plan in `assess` with people, a need, an outcome and a provision; their ids."""
    from tests.support.walkthrough import people

    plan_id = api.open_plan()["id"]
    ids = {"plan": plan_id, **people(api, plan_id)}
    ids["need"] = location_id(
        api.write(
            "POST",
            plan_id,
            "/needs",
            {
                "area": "communication_and_interaction",
                "description": "Finds it hard to join in",
            },
        )
    )
    ids["outcome"] = location_id(
        api.write(
            "POST",
            plan_id,
            "/outcomes",
            {
                "description": "Uses 3-word phrases",
                "success_criteria": "Heard in 4 of 5 sessions",
                "target_date": FUTURE,
                "need_id": ids["need"],
            },
        )
    )
    ids["provision"] = location_id(
        api.write(
            "POST",
            plan_id,
            "/provisions",
            {
                "description": "Small-group language sessions",
                "kind": "intervention",
                "frequency": "3 times a week",
                "delivered_by": "Teaching assistant",
                "start_date": "2024-09-01",
                "outcome_ids": [ids["outcome"]],
            },
        )
    )
    return ids


def valid_writes(ids: dict[str, str]) -> dict[str, tuple[str, str, dict[str, Any] | None]]:
    """A body every write accepts on a `furnished_plan` (in this order), by endpoint name."""
    return {
        "participants": ("POST", "/participants", {"name": "Kim Key", "role": "key_person"}),
        "profile": ("PATCH", "/profile", {"aspirations": "To read a whole book"}),
        "needs": ("POST", "/needs", {"area": "sensory_and_physical", "description": "Tires"}),
        "need": ("PATCH", f"/needs/{ids['need']}", {"description": "Finds groups hard"}),
        "views": (
            "POST",
            "/views",
            {
                "whose": "parent_carer",
                "participant_id": ids["parent"],
                "text": "Happier",
                "how_gathered": "meeting",
            },
        ),
        "reviews": (
            "POST",
            "/reviews",
            {
                "held_on": "2024-10-01",
                "attendees": [ids["parent"], ids["senco"]],
                "progress": [
                    {"outcome_id": ids["outcome"], "rating": "partly_achieved", "comment": "Often"},
                ],
                "impact": "Joins in more",
                "decision": "continue",
                "next_review_date": FUTURE,
            },
        ),
        "outcomes": (
            "POST",
            "/outcomes",
            {
                "description": "Waits for a turn",
                "success_criteria": "3 of 4 games",
                "target_date": FUTURE,
                "need_id": ids["need"],
            },
        ),
        "outcome": ("PATCH", f"/outcomes/{ids['outcome']}", {"success_criteria": "4 of 5"}),
        "provisions": (
            "POST",
            "/provisions",
            {
                "description": "Visual timetable",
                "kind": "adjustment",
                "frequency": "daily",
                "delivered_by": "Class teacher",
                "start_date": "2024-09-01",
                "end_date": "2999-07-20",
                "outcome_ids": [ids["outcome"]],
                "group_size": 1,
                "minutes_per_session": 5,
                "weekly_cost": "0.00",
            },
        ),
        "provision": ("PATCH", f"/provisions/{ids['provision']}", {"frequency": "daily"}),
        "review-date": ("PUT", "/review-date", {"review_date": FUTURE}),
        "agreement": ("POST", "/agreement", {"agreed_by": [ids["parent"]], "method": "meeting"}),
        "stage": ("POST", "/stage", {"to": "plan"}),
        "corrections": (
            "POST",
            "/corrections",
            {
                "event_version": 2,
                "changes": {"name": "Pat Parent-Smith"},
                "reason": "Misspelt",
            },
        ),
        "participant": ("DELETE", f"/participants/{ids['senco']}", None),
        "closure": ("POST", "/closure", {"reason": "needs_met", "note": "Doing well"}),
        "reopening": ("POST", "/reopening", {"reason": "Needs came back"}),
    }

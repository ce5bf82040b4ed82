"""`valid_at`, `as_of` and the diff over HTTP, with the bad input each must refuse (never a
500), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.api import Api

NOW = datetime.now(UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def q(moment: datetime) -> str:
    return quote(moment.isoformat())


def reviewed_late(api: Api) -> dict[str, Any]:
    """A cycle lived over the past month; the review, held three days ago, is recorded last."""
    plan_id = api.open_plan(occurred_at=ago(30).isoformat())["id"]

    def post(path: str, body: dict[str, Any], days: float, method: str = "POST") -> Any:
        response = api.write(method, plan_id, path, {**body, "occurred_at": ago(days).isoformat()})
        assert response.status_code in (200, 201), response.json
        return response

    parent = post("/participants", {"name": "Pat", "role": "parent_carer"}, 29)
    parent_id = parent.headers["Location"].rsplit("/", 1)[1]
    need = post("/needs", {"area": "communication_and_interaction", "description": "Few words"}, 28)
    post("/stage", {"to": "plan"}, 27)
    outcome = post(
        "/outcomes",
        {
            "description": "Uses 50 words",
            "success_criteria": "Heard at home",
            "target_date": (NOW + timedelta(days=90)).date().isoformat(),
            "need_id": need.json["needs"][0]["id"],
        },
        26,
    )
    outcome_id = outcome.headers["Location"].rsplit("/", 1)[1]
    post(
        "/provisions",
        {
            "description": "Speech group",
            "kind": "intervention",
            "frequency": "weekly",
            "delivered_by": "TA",
            "start_date": ago(26).date().isoformat(),
            "outcome_ids": [outcome_id],
        },
        26,
    )
    post("/review-date", {"review_date": (NOW + timedelta(days=30)).date().isoformat()}, 25, "PUT")
    post("/agreement", {"agreed_by": [parent_id], "method": "meeting"}, 25)
    post("/stage", {"to": "do"}, 25)
    post("/stage", {"to": "review"}, 4)
    before_the_review = datetime.now(UTC)
    post(
        "/reviews",
        {
            "held_on": ago(3).date().isoformat(),
            "attendees": [parent_id],
            "progress": [{"outcome_id": outcome_id, "rating": "partly_achieved"}],
            "impact": "More words",
            "decision": "continue",
        },
        3,
    )
    return {"id": plan_id, "before_the_review": before_the_review, "outcome": outcome_id}


def plan_at(api: Api, plan_id: str, **times: datetime) -> Any:
    query = "&".join(f"{name}={q(moment)}" for name, moment in times.items())
    return api.get(f"/v1/plans/{plan_id}?{query}")


def test_a_review_recorded_late_shows_at_valid_at_but_not_at_as_of(api: Api) -> None:
    plan = reviewed_late(api)
    plan_id, then = plan["id"], plan["before_the_review"]

    by_occurred = plan_at(api, plan_id, valid_at=ago(2))
    by_recorded = plan_at(api, plan_id, as_of=then)
    believed_then = plan_at(api, plan_id, as_of=then, valid_at=ago(2))
    before_it_was_held = plan_at(api, plan_id, valid_at=ago(3.5))

    assert by_occurred.status_code == 200
    assert len(by_occurred.json["reviews"]) == 1
    assert by_occurred.headers["ETag"] == f'"{by_occurred.json["version"]}"'
    assert by_recorded.json["reviews"] == [] and believed_then.json["reviews"] == []
    assert before_it_was_held.json["reviews"] == [] and before_it_was_held.json["stage"] == "review"
    assert plan_at(api, plan_id, valid_at=ago(26.5)).json["stage"] == "plan"


def test_a_time_in_the_future_is_read_as_now_and_the_response_says_so(api: Api) -> None:
    plan_id = api.open_plan()["id"]
    current = api.get(f"/v1/plans/{plan_id}")

    for name in ("as_of", "valid_at"):
        future = api.get(f"/v1/plans/{plan_id}?{name}=2999-01-01T00:00:00%2B00:00")
        assert future.status_code == 200
        assert future.json == current.json
        assert "in the future" in future.headers["X-Time-Adjusted"]
        assert future.headers["X-Time-Adjusted"].startswith(f"{name}=2999-01-01")
    assert "X-Time-Adjusted" not in current.headers


@pytest.mark.parametrize("name", ["as_of", "valid_at"])
def test_a_time_before_the_plan_was_opened_is_404_saying_so(api: Api, name: str) -> None:
    plan_id = api.open_plan(occurred_at=ago(1).isoformat())["id"]

    response = api.get(f"/v1/plans/{plan_id}?{name}=2020-01-01T00:00:00%2B00:00")

    assert response.status_code == 404
    assert "had not been opened" in response.json["message"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("valid_at=yesterday", "valid_at"),
        ("valid_at=2026-01-01T00:00:00", "valid_at"),
        ("valid_at=2026-02-30T00:00:00%2B00:00", "valid_at"),
        ("as_of=2026-01-01&valid_at=2026-01-01T00:00:00%2B00:00", "as_of"),
    ],
)
def test_a_malformed_time_is_422_naming_it(api: Api, query: str, field: str) -> None:
    plan_id = api.open_plan()["id"]

    response = api.get(f"/v1/plans/{plan_id}?{query}")

    assert response.status_code == 422
    assert field in response.json["errors"]


# ---- diff -------------------------------------------------------------------------------


def diff(api: Api, plan_id: str, query: str) -> Any:
    return api.get(f"/v1/plans/{plan_id}/diff?{query}")


def test_the_diff_names_each_change_per_section_with_the_events_that_made_it(api: Api) -> None:
    plan_id = api.open_plan()["id"]
    need = api.write(
        "POST", plan_id, "/needs", {"area": "cognition_and_learning", "description": "Reads slowly"}
    )
    start = datetime.now(UTC)
    api.ok(
        "PATCH",
        plan_id,
        f"/needs/{need.json['needs'][0]['id']}",
        {"description": "Reads slowly aloud"},
    )
    api.ok(
        "PATCH",
        plan_id,
        "/profile",
        {"strengths": "Kind", "preparing_for_adulthood": {"health": "Fit"}},
    )
    api.ok("POST", plan_id, "/participants", {"name": "Pat", "role": "parent_carer"})
    api.ok("POST", plan_id, "/stage", {"to": "plan"})

    response = diff(api, plan_id, f"from={q(start)}")

    assert response.status_code == 200
    body = response.json
    assert (body["axis"], body["from"]["version"], body["to"]["version"]) == ("recorded", 2, 6)
    sections = body["sections"]
    assert set(sections) == {
        "participants",
        "profile",
        "needs",
        "views",
        "outcomes",
        "provisions",
        "reviews",
        "review_date",
        "agreement",
        "stage",
    }
    [need_change] = sections["needs"]
    assert need_change["change"] == "changed"
    assert need_change["fields"] == {
        "description": {"before": "Reads slowly", "after": "Reads slowly aloud"}
    }
    assert [e["event_type"] for e in need_change["events"]] == ["NeedRevised"]
    [profile] = sections["profile"]
    assert set(profile["fields"]) == {"strengths", "preparing_for_adulthood.health"}
    assert [c["change"] for c in sections["participants"]] == ["added"]
    assert sections["participants"][0]["fields"]["name"] == {"before": None, "after": "Pat"}
    [stage] = sections["stage"]
    assert stage["fields"] == {"stage": {"before": "assess", "after": "plan"}}
    assert [e["version"] for e in stage["events"]] == [6]
    assert sections["views"] == [] and sections["outcomes"] == []


def test_a_diff_from_before_the_plan_was_opened_shows_everything_as_added(api: Api) -> None:
    plan_id = api.open_plan()["id"]
    api.ok("POST", plan_id, "/needs", {"area": "sensory_and_physical", "description": "Noise"})

    body = diff(api, plan_id, "from=2020-01-01T00:00:00%2B00:00").json

    assert body["from"]["version"] is None
    assert [c["change"] for c in body["sections"]["needs"]] == ["added"]
    assert [e["version"] for e in body["sections"]["needs"][0]["events"]] == [2]


def test_a_diff_on_the_valid_axis_follows_when_things_happened(api: Api) -> None:
    plan = reviewed_late(api)

    body = diff(api, plan["id"], f"from={q(ago(3.5))}&to={q(ago(2))}&axis=valid").json

    assert body["axis"] == "valid"
    [review] = body["sections"]["reviews"]
    assert review["change"] == "added"
    assert [e["event_type"] for e in review["events"]] == ["ReviewRecorded"]
    assert body["sections"]["stage"] == []


def test_a_diff_to_the_future_is_to_now_and_says_so(api: Api) -> None:
    plan_id = api.open_plan()["id"]

    body = diff(
        api, plan_id, "from=2020-01-01T00:00:00%2B00:00&to=2999-01-01T00:00:00%2B00:00"
    ).json

    assert body["to"]["requested"].startswith("2999-01-01")
    assert body["to"]["at"] < "2999"
    assert any("in the future" in note for note in body["notes"])


@pytest.mark.parametrize(
    "query, field",
    [
        ("from=2026-02-01T00:00:00%2B00:00&to=2026-01-01T00:00:00%2B00:00", "from"),
        ("from=2026-01-01T00:00:00%2B00:00&axis=occurred", "axis"),
        ("from=last-week", "from"),
        ("to=2026-01-01T00:00:00%2B00:00", "from"),
        ("from=2026-01-01T00:00:00%2B00:00&to=2026-01-02", "to"),
        ("from=2026-01-01T00:00:00%2B00:00&since=2026-01-01T00:00:00%2B00:00", "since"),
    ],
)
def test_a_bad_diff_query_is_422_naming_the_field(api: Api, query: str, field: str) -> None:
    plan_id = api.open_plan()["id"]

    response = diff(api, plan_id, query)

    assert response.status_code == 422, response.json
    assert field in response.json["errors"]


def test_a_diff_to_before_the_plan_was_opened_is_404(api: Api) -> None:
    plan_id = api.open_plan()["id"]

    response = diff(api, plan_id, "from=2020-01-01T00:00:00%2B00:00&to=2020-02-01T00:00:00%2B00:00")

    assert response.status_code == 404
    assert "had not been opened" in response.json["message"]


def test_a_diff_of_an_unknown_plan_is_404(api: Api) -> None:
    response = diff(api, "00000000-0000-4000-8000-000000000000", "from=2020-01-01T00:00:00%2B00:00")

    assert response.status_code == 404


def test_the_reads_need_a_token(api: Api) -> None:
    plan_id = api.open_plan()["id"]
    for tail in (
        "/diff?from=2020-01-01T00:00:00%2B00:00",
        "/evidence",
        "/verification",
        "?valid_at=2020-01-01T00:00:00%2B00:00",
    ):
        assert api.client.get(f"/v1/plans/{plan_id}{tail}").status_code == 401, tail


def test_an_entry_that_cannot_stand_yet_on_the_date_is_left_out_and_named(api: Api) -> None:
    plan_id = api.open_plan(occurred_at=ago(30).isoformat())["id"]
    added = api.write(
        "POST",
        plan_id,
        "/participants",
        {"name": "Kim", "role": "key_person", "occurred_at": ago(5).isoformat()},
    )
    participant = added.headers["Location"].rsplit("/", 1)[1]
    removed = api.write(
        "DELETE", plan_id, f"/participants/{participant}", {"occurred_at": ago(10).isoformat()}
    )
    assert removed.status_code == 200, removed.json

    response = plan_at(api, plan_id, valid_at=ago(8))

    assert response.status_code == 200
    assert response.json["participants"] == []
    assert response.headers["X-Valid-At-Skipped"] == "3"

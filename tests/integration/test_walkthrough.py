"""One plan through two complete cycles over HTTP, read back as it stood at several moments."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from tests.support.api import Api
from tests.support.walkthrough import full_cycle, people


def now() -> str:
    return quote(datetime.now(UTC).isoformat())


def test_a_plan_goes_through_two_cycles_and_reads_back_as_it_stood_at_each_moment(api: Api) -> None:
    plan_id = api.open_plan()["id"]
    opened = now()
    ids = people(api, plan_id)

    after_first_review = full_cycle(api, plan_id, ids, cycle=1)
    first_review_time = now()
    assert after_first_review["stage"] == "review"
    assert after_first_review["reviews"][0]["cycle"] == 1

    second_cycle = api.ok("POST", plan_id, "/stage", {"to": "assess"})
    assert (second_cycle["stage"], second_cycle["cycle"]) == ("assess", 2)
    assert second_cycle["agreement"]["current"] is False, "a new cycle needs a new agreement"

    after_second_review = full_cycle(api, plan_id, ids, cycle=2)
    closed = api.ok(
        "POST", plan_id, "/closure", {"reason": "needs_met", "note": "Support no longer needed"}
    )
    assert closed["status"] == "closed"
    assert [(s["from_stage"], s["to_stage"], s["cycle"]) for s in closed["stage_history"]] == [
        ("assess", "plan", 1),
        ("plan", "do", 1),
        ("do", "review", 1),
        ("review", "assess", 2),
        ("assess", "plan", 2),
        ("plan", "do", 2),
        ("do", "review", 2),
    ]
    assert len(after_second_review["reviews"]) == 2

    at_opening = api.get(f"/v1/plans/{plan_id}?as_of={opened}")
    assert at_opening.status_code == 200
    assert at_opening.json["version"] == 1
    assert at_opening.headers["ETag"] == '"1"'
    assert at_opening.json["participants"] == []

    at_first_review = api.get(f"/v1/plans/{plan_id}?as_of={first_review_time}").json
    assert at_first_review == after_first_review

    history = api.get(f"/v1/plans/{plan_id}/history?limit=200").json
    assert [item["version"] for item in history["items"]] == list(range(1, closed["version"] + 1))
    assert history["items"][-1]["event_type"] == "PlanClosed"
    assert all(item["actor"]["role"] == "senco" for item in history["items"])


def test_a_closed_plan_refuses_changes_until_it_is_reopened(api: Api) -> None:
    plan_id = api.open_plan()["id"]
    api.ok("POST", plan_id, "/closure", {"reason": "moved_setting"})

    refused = api.write(
        "POST", plan_id, "/needs", {"area": "sensory_and_physical", "description": "x"}
    )
    assert refused.status_code == 409
    assert refused.json["errors"]["rule"] == "plan_closed"

    reopened = api.ok("POST", plan_id, "/reopening", {"reason": "Came back to the setting"})
    assert reopened["status"] == "open" and reopened["closure"] is None
    api.ok("POST", plan_id, "/needs", {"area": "sensory_and_physical", "description": "x"})


def test_as_of_before_the_plan_was_opened_is_404_saying_so(api: Api) -> None:
    plan_id = api.open_plan()["id"]
    response = api.get(f"/v1/plans/{plan_id}?as_of=2020-01-01T00:00:00%2B00:00")
    assert response.status_code == 404
    assert "had not been opened" in response.json["message"]


def test_a_correction_shows_on_the_entry_and_the_original_stays_in_the_history(api: Api) -> None:
    plan_id = api.open_plan()["id"]
    need = api.write(
        "POST", plan_id, "/needs", {"area": "cognition_and_learning", "description": "Reads slowly"}
    )
    before = now()
    corrected = api.write(
        "POST",
        plan_id,
        "/corrections",
        {
            "event_version": 2,
            "changes": {"description": "Reads slowly aloud"},
            "reason": "Mistyped",
        },
    )
    assert corrected.status_code == 201
    assert corrected.headers["Location"] == f"/v1/plans/{plan_id}/corrections/3"
    entry = corrected.json["needs"][0]
    assert entry["description"] == "Reads slowly aloud"
    assert entry["corrected"]["reason"] == "Mistyped"
    assert entry["corrected"]["by"]["role"] == "senco"

    original = api.get(f"/v1/plans/{plan_id}?as_of={before}").json["needs"][0]
    assert (original["description"], original["corrected"]) == ("Reads slowly", None)
    history = api.get(f"/v1/plans/{plan_id}/history").json["items"]
    assert [i["event_type"] for i in history] == ["PlanOpened", "NeedIdentified", "EntryCorrected"]
    assert history[1]["payload"]["description"] == "Reads slowly"
    assert need.json["needs"][0]["description"] == "Reads slowly"

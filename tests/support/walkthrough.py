"""A plan taken through the graduated approach over HTTP, using only the v1 contract."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.support.api import Api


def people(api: Api, plan_id: str) -> dict[str, str]:
    """The child, a parent with parental responsibility and the SENCO join the plan."""
    ids = {}
    for key, body in {
        "parent": {
            "name": "Pat Parent",
            "role": "parent_carer",
            "has_parental_responsibility": True,
        },
        "child": {"name": "Ada", "role": "child"},
        "senco": {"name": "Sam Senco", "role": "senco", "organisation": "Sunflower Primary"},
    }.items():
        response = api.write("POST", plan_id, "/participants", body)
        assert response.status_code == 201, response.json
        ids[key] = response.headers["Location"].rsplit("/", 1)[1]
    return ids


def assess(api: Api, plan_id: str, cycle: int) -> None:
    api.ok("PATCH", plan_id, "/profile", {"aspirations": f"To read a whole book (cycle {cycle})"})
    api.ok(
        "POST",
        plan_id,
        "/needs",
        {"area": "communication_and_interaction", "description": "Finds it hard to join in"},
    )
    api.ok(
        "POST",
        plan_id,
        "/views",
        {"whose": "child", "text": "I like the quiet corner", "how_gathered": "talking mat"},
    )
    api.ok("POST", plan_id, "/stage", {"to": "plan"})


def plan(api: Api, plan_id: str, parent_id: str) -> list[str]:
    """Agree an outcome and its provision, set the review date, agree with the parent, start."""
    current = api.get(f"/v1/plans/{plan_id}").json
    need_id = current["needs"][-1]["id"]
    outcome = api.write(
        "POST",
        plan_id,
        "/outcomes",
        {
            "description": "Uses 3-word phrases",
            "success_criteria": "Heard in 4 of 5 sessions",
            "target_date": (date.today() + timedelta(days=60)).isoformat(),
            "need_id": need_id,
        },
    )
    assert outcome.status_code == 201, outcome.json
    outcome_id = outcome.headers["Location"].rsplit("/", 1)[1]
    api.ok(
        "POST",
        plan_id,
        "/provisions",
        {
            "description": "Small-group language sessions",
            "kind": "intervention",
            "frequency": "3 times a week",
            "delivered_by": "Teaching assistant",
            "start_date": date.today().isoformat(),
            "outcome_ids": [outcome_id],
            "group_size": 4,
            "minutes_per_session": 20,
            "weekly_cost": "45.00",
        },
    )
    api.ok(
        "PUT",
        plan_id,
        "/review-date",
        {"review_date": (date.today() + timedelta(days=42)).isoformat()},
    )
    api.ok("POST", plan_id, "/agreement", {"agreed_by": [parent_id], "method": "meeting"})
    api.ok("POST", plan_id, "/stage", {"to": "do"})
    return [
        o["id"] for o in api.get(f"/v1/plans/{plan_id}").json["outcomes"] if o["status"] == "open"
    ]


def review(api: Api, plan_id: str, attendees: list[str], outcome_ids: list[str]) -> dict[str, Any]:
    api.ok("POST", plan_id, "/stage", {"to": "review"})
    return api.ok(
        "POST",
        plan_id,
        "/reviews",
        {
            "held_on": date.today().isoformat(),
            "attendees": attendees,
            "progress": [{"outcome_id": o, "rating": "partly_achieved"} for o in outcome_ids],
            "impact": "Joins small-group talk more often",
            "parent_view": "More confident at home",
            "decision": "continue",
            "next_review_date": (date.today() + timedelta(days=84)).isoformat(),
        },
    )


def full_cycle(api: Api, plan_id: str, ids: dict[str, str], cycle: int) -> dict[str, Any]:
    """assess → plan → do → review, the review recorded; answers the plan after the review."""
    assess(api, plan_id, cycle)
    outcome_ids = plan(api, plan_id, ids["parent"])
    return review(api, plan_id, [ids["parent"], ids["senco"]], outcome_ids)

"""The evidence bundle on both stores: in one call, the plan at a date with every event behind
it, the cycles, reviews and corrections, and the chain check — as JSON, or as one printable,
self-contained page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.api import CHILD, Api
from tests.support.walkthrough import full_cycle, people


@pytest.fixture
def two_cycles(api: Api) -> dict[str, Any]:
    """Two cycles, the second started and reviewed, with a correction of the parent's name."""
    plan_id = api.open_plan()["id"]
    ids = people(api, plan_id)
    full_cycle(api, plan_id, ids, cycle=1)
    after_first = datetime.now(UTC)
    api.ok("POST", plan_id, "/stage", {"to": "assess"})
    full_cycle(api, plan_id, ids, cycle=2)
    correction = {
        "event_version": 2,
        "changes": {"name": "Pat Parent-Smith"},
        "reason": "Full surname",
    }
    api.ok("POST", plan_id, "/corrections", correction)
    return {"id": plan_id, "after_first": after_first}


def evidence(api: Api, plan_id: str, query: str = "", **headers: str) -> Any:
    return api.get(f"/v1/plans/{plan_id}/evidence{query}", **headers)


def test_the_bundle_holds_the_plan_every_event_the_cycles_and_the_chain(
    api: Api, two_cycles: dict[str, Any]
) -> None:
    plan_id = two_cycles["id"]
    current = api.get(f"/v1/plans/{plan_id}")

    response = evidence(api, plan_id)

    assert response.status_code == 200
    assert response.headers["ETag"] == current.headers["ETag"]
    bundle = response.json
    assert bundle["plan"] == current.json
    events = bundle["events"]
    assert [e["version"] for e in events] == list(range(1, current.json["version"] + 1))
    assert all(
        e["actor"]["role"] == "senco" and e["occurred_at"] and e["recorded_at"] for e in events
    )
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
    assert [e["prev_hash"] for e in events[1:]] == [e["hash"] for e in events[:-1]]
    assert bundle["chain_head"] == events[-1]["hash"]
    assert bundle["verification"] == {
        "ok": True,
        "checked": len(events),
        "broken_at_version": None,
        "problem": None,
        "chain_head": events[-1]["hash"],
    }
    assert (
        "salts" not in events[0]["payload"]
        and events[0]["payload"]["child"]["name"] == CHILD["name"]
    )


def test_each_cycle_lists_its_stages_and_its_reviews_with_progress_per_outcome(
    api: Api, two_cycles: dict[str, Any]
) -> None:
    cycles = evidence(api, two_cycles["id"]).json["cycles"]

    assert [c["cycle"] for c in cycles] == [1, 2]
    assert [(s["from_stage"], s["to_stage"]) for s in cycles[0]["stage_changes"]] == [
        ("assess", "plan"),
        ("plan", "do"),
        ("do", "review"),
    ]
    [review] = cycles[1]["reviews"]
    assert review["decision"] == "continue"
    assert "Pat Parent-Smith (parent_carer)" in review["attendees"]
    assert [p["rating"] for p in review["progress"]] == ["partly_achieved"] * len(
        review["progress"]
    )
    assert all(p["outcome"] == "Uses 3-word phrases" for p in review["progress"])


def test_the_corrections_say_what_the_entry_should_have_said_why_when_and_by_whom(
    api: Api, two_cycles: dict[str, Any]
) -> None:
    [correction] = evidence(api, two_cycles["id"]).json["corrections"]

    assert correction["corrected_version"] == 2
    assert correction["corrected_event_type"] == "ParticipantAdded"
    assert correction["changes"] == {"name": "Pat Parent-Smith"}
    assert correction["reason"] == "Full surname"
    assert correction["by"]["role"] == "senco" and correction["at"]


def test_the_bundle_as_of_a_date_stops_there_with_the_chain_head_of_then(
    api: Api, two_cycles: dict[str, Any]
) -> None:
    plan_id, then = two_cycles["id"], quote(two_cycles["after_first"].isoformat())
    whole = evidence(api, plan_id).json

    bundle = evidence(api, plan_id, f"?as_of={then}").json

    assert bundle["plan"] == api.get(f"/v1/plans/{plan_id}?as_of={then}").json
    version = bundle["as_of"]["version"]
    assert len(bundle["events"]) == version < len(whole["events"])
    assert bundle["chain_head"] == whole["events"][version - 1]["hash"]
    assert [c["cycle"] for c in bundle["cycles"]] == [1]
    assert bundle["corrections"] == []
    assert bundle["verification"] == whole["verification"]


@pytest.mark.parametrize(
    "query, status",
    [
        ("?as_of=2020-01-01T00:00:00%2B00:00", 404),
        ("?as_of=2020-01-01", 422),
        ("?as_of=soon", 422),
        ("?valid_at=2020-01-01T00:00:00%2B00:00", 422),
    ],
)
def test_bad_evidence_queries_are_refused(api: Api, query: str, status: int) -> None:
    plan_id = api.open_plan()["id"]

    response = evidence(api, plan_id, query)

    assert response.status_code == status, response.json


def test_evidence_as_of_the_future_is_as_of_now_and_says_so(api: Api) -> None:
    plan_id = api.open_plan()["id"]

    bundle = evidence(api, plan_id, "?as_of=2999-01-01T00:00:00%2B00:00").json

    assert bundle["as_of"]["requested"].startswith("2999") and bundle["as_of"]["at"] < "2999"
    assert len(bundle["notes"]) == 1 and "in the future" in bundle["notes"][0]


def test_evidence_of_an_unknown_plan_is_404(api: Api) -> None:
    assert evidence(api, "00000000-0000-4000-8000-000000000000").status_code == 404


# ---- the printable page -----------------------------------------------------------------


def test_accept_text_html_answers_one_self_contained_printable_page(
    api: Api, two_cycles: dict[str, Any]
) -> None:
    plan_id = two_cycles["id"]
    bundle = evidence(api, plan_id).json

    response = evidence(api, plan_id, Accept="text/html")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["ETag"] == f'"{bundle["as_of"]["version"]}"'
    page = response.get_data(as_text=True)
    assert CHILD["name"] in page and bundle["chain_head"] in page
    assert "Sunflower Primary" in page and "Full surname" in page
    assert len(re.findall(r'<section class="cycle"', page)) == 2
    assert "Cycle 1" in page and "Cycle 2" in page
    assert "@media print" in page and "break-before: page" in page
    for outside in ("<script", "<link", "src=", "http://", "https://", "@import", "url("):
        assert outside not in page, outside


def test_a_browser_asking_for_html_first_gets_the_page_and_anyone_else_json(api: Api) -> None:
    plan_id = api.open_plan()["id"]
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

    assert evidence(api, plan_id, Accept=browser).mimetype == "text/html"
    assert evidence(api, plan_id, Accept="application/json").mimetype == "application/json"
    assert evidence(api, plan_id, Accept="*/*").mimetype == "application/json"

"""If-Match, the graduated approach's rules, closed plans and corrections: refused, nothing changes.

Each refusal asserts its status, the one error shape, the rule it names (409) or the field
(422), and that the plan's version, history and the global feed are as they were.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.support.api import Api
from tests.support.refusals import (
    FUTURE,
    assert_error_shape,
    checked_api,
    furnished_plan,
    location_id,
    recorded,
    refused_write,
    valid_writes,
)
from tests.support.walkthrough import assess, full_cycle, people, plan

UNKNOWN_ID = "6f1c1c62-3f0e-4d4c-9a43-2a2f8d1e0b7e"
WRITES = [
    "participants",
    "profile",
    "needs",
    "need",
    "views",
    "reviews",
    "outcomes",
    "outcome",
    "provisions",
    "provision",
    "review-date",
    "agreement",
    "stage",
    "corrections",
    "participant",
    "closure",
    "reopening",
]


@pytest.fixture
def api(app: Flask) -> Api:
    return checked_api(app)


@pytest.fixture
def ids(api: Api) -> dict[str, str]:
    return furnished_plan(api)


# ---- If-Match -----------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", WRITES)
def test_a_write_without_if_match_is_428(api: Api, ids: dict[str, str], endpoint: str) -> None:
    method, path, body = valid_writes(ids)[endpoint]
    refused_write(api, ids["plan"], method, path, body, 428, if_match="")


@pytest.mark.parametrize("endpoint", ["needs", "profile", "stage", "participant", "corrections"])
@pytest.mark.parametrize("how", ["older", "newer"])
def test_a_stale_if_match_is_412_with_the_current_etag(
    api: Api, ids: dict[str, str], endpoint: str, how: str
) -> None:
    current = api.etags[ids["plan"]]
    version = int(current.strip('"'))
    stale = f'"{version - 1}"' if how == "older" else f'"{version + 5}"'
    method, path, body = valid_writes(ids)[endpoint]
    response = refused_write(api, ids["plan"], method, path, body, 412, if_match=stale)
    assert response.headers["ETag"] == current
    assert str(version) in assert_error_shape(response)["message"]


def test_the_second_of_two_writes_on_the_same_etag_is_412(api: Api, ids: dict[str, str]) -> None:
    etag = api.etags[ids["plan"]]
    first = api.write("PATCH", ids["plan"], "/profile", {"strengths": "Kind"}, if_match=etag)
    assert first.status_code == 200
    second = refused_write(
        api, ids["plan"], "PATCH", "/profile", {"strengths": "Funny"}, 412, if_match=etag
    )
    assert second.headers["ETag"] == first.headers["ETag"]


@pytest.mark.parametrize(
    "value",
    [
        "3",
        'W/"3"',
        "*",
        '"abc"',
        '"3", "4"',
        '""',
        '"-1"',
        '"03"',
        "'3'",
        '"3',
        '"' + "9" * 30 + '"',
        "x" * 5000,
        '"\u00e9"',
    ],
    ids=[
        "unquoted",
        "weak",
        "star",
        "not a number",
        "a list",
        "empty tag",
        "negative",
        "leading zero",
        "single quotes",
        "unterminated",
        "huge number",
        "very long",
        "not ascii",
    ],
)
def test_a_malformed_if_match_is_412(api: Api, ids: dict[str, str], value: str) -> None:
    refused_write(
        api,
        ids["plan"],
        "POST",
        "/needs",
        {"area": "sensory_and_physical", "description": "x"},
        412,
        if_match=value,
    )


def test_reads_carry_the_etag_a_write_must_send(api: Api, ids: dict[str, str]) -> None:
    read = api.get(f"/v1/plans/{ids['plan']}")
    assert read.headers["ETag"] == f'"{read.json["version"]}"'
    written = api.write(
        "PATCH", ids["plan"], "/profile", {"strengths": "Kind"}, if_match=read.headers["ETag"]
    )
    assert written.status_code == 200
    assert written.headers["ETag"] == f'"{read.json["version"] + 1}"'


# ---- the rules of the graduated approach (409, naming the rule) ---------------------------


def _stage(api: Api, plan_id: str, to: str, rule: str) -> None:
    refused_write(api, plan_id, "POST", "/stage", {"to": to}, 409, rule=rule)


def _in_plan_stage(api: Api) -> tuple[str, dict[str, str]]:
    plan_id = api.open_plan()["id"]
    who = people(api, plan_id)
    assess(api, plan_id, cycle=1)
    return plan_id, who


def _outcome(api: Api, plan_id: str) -> str:
    return location_id(
        api.write(
            "POST",
            plan_id,
            "/outcomes",
            {
                "description": "Waits for a turn",
                "success_criteria": "3 of 4 games",
                "target_date": FUTURE,
            },
        )
    )


def _provision(api: Api, plan_id: str, outcome_id: str) -> str:
    return location_id(
        api.write(
            "POST",
            plan_id,
            "/provisions",
            {
                "description": "Turn-taking games",
                "kind": "intervention",
                "frequency": "daily",
                "delivered_by": "Teaching assistant",
                "start_date": date.today().isoformat(),
                "outcome_ids": [outcome_id],
            },
        )
    )


def _review_date(api: Api, plan_id: str) -> None:
    api.ok(
        "PUT",
        plan_id,
        "/review-date",
        {"review_date": (date.today() + timedelta(days=42)).isoformat()},
    )


@pytest.mark.parametrize("to", ["do", "review", "assess"])
def test_assess_moves_only_to_plan(api: Api, to: str) -> None:
    plan_id = api.open_plan()["id"]
    api.ok("POST", plan_id, "/needs", {"area": "cognition_and_learning", "description": "x"})
    _stage(api, plan_id, to, "transition_allowed")


@pytest.mark.parametrize("to", ["assess", "plan", "review"])
def test_plan_moves_only_to_do(api: Api, to: str) -> None:
    plan_id, _ = _in_plan_stage(api)
    _stage(api, plan_id, to, "transition_allowed")


@pytest.mark.parametrize("to", ["assess", "plan", "do"])
def test_do_moves_only_to_review(api: Api, to: str) -> None:
    plan_id, who = _in_plan_stage(api)
    plan(api, plan_id, who["parent"])
    _stage(api, plan_id, to, "transition_allowed")


@pytest.mark.parametrize("to", ["plan", "do", "review"])
def test_review_moves_only_to_assess(api: Api, to: str) -> None:
    plan_id = api.open_plan()["id"]
    who = people(api, plan_id)
    full_cycle(api, plan_id, who, cycle=1)
    _stage(api, plan_id, to, "transition_allowed")


def test_reopening_an_open_plan_is_refused(api: Api, ids: dict[str, str]) -> None:
    refused_write(
        api,
        ids["plan"],
        "POST",
        "/reopening",
        {"reason": "Just in case"},
        409,
        rule="transition_allowed",
    )


def test_planning_needs_an_identified_need(api: Api) -> None:
    plan_id = api.open_plan()["id"]
    _stage(api, plan_id, "plan", "needs_identified")


def test_planning_needs_a_need_that_is_still_open(api: Api) -> None:
    plan_id = api.open_plan()["id"]
    need_id = location_id(
        api.write("POST", plan_id, "/needs", {"area": "sensory_and_physical", "description": "x"})
    )
    api.ok("PATCH", plan_id, f"/needs/{need_id}", {"status": "resolved"})
    _stage(api, plan_id, "plan", "needs_identified")


def test_starting_needs_an_outcome(api: Api) -> None:
    plan_id, _ = _in_plan_stage(api)
    _stage(api, plan_id, "do", "outcomes_agreed")


def test_starting_needs_an_outcome_that_is_still_open(api: Api) -> None:
    plan_id, _ = _in_plan_stage(api)
    outcome_id = _outcome(api, plan_id)
    _provision(api, plan_id, outcome_id)
    api.ok("PATCH", plan_id, f"/outcomes/{outcome_id}", {"status": "achieved"})
    _stage(api, plan_id, "do", "outcomes_agreed")


def test_starting_needs_a_provision(api: Api) -> None:
    plan_id, _ = _in_plan_stage(api)
    _outcome(api, plan_id)
    _stage(api, plan_id, "do", "provision_agreed")


def test_starting_needs_a_provision_that_has_not_ended(api: Api) -> None:
    plan_id, _ = _in_plan_stage(api)
    provision_id = _provision(api, plan_id, _outcome(api, plan_id))
    api.ok("PATCH", plan_id, f"/provisions/{provision_id}", {"status": "ended"})
    _stage(api, plan_id, "do", "provision_agreed")


def test_starting_needs_a_review_date(api: Api) -> None:
    plan_id, _ = _in_plan_stage(api)
    _provision(api, plan_id, _outcome(api, plan_id))
    _stage(api, plan_id, "do", "review_date_set")


def test_starting_needs_a_review_date_that_has_not_passed(api: Api) -> None:
    plan_id, _ = _in_plan_stage(api)
    _provision(api, plan_id, _outcome(api, plan_id))
    # Scheduled back then (occurred_at), for a date that has passed by now.
    api.ok(
        "PUT",
        plan_id,
        "/review-date",
        {"review_date": "2024-02-01", "occurred_at": "2024-01-01T09:00:00+00:00"},
    )
    response = refused_write(
        api, plan_id, "POST", "/stage", {"to": "do"}, 409, rule="review_date_set"
    )
    assert "2024-02-01" in assert_error_shape(response)["message"]


def test_starting_needs_the_parents_agreement(api: Api) -> None:
    plan_id, _ = _in_plan_stage(api)
    _provision(api, plan_id, _outcome(api, plan_id))
    _review_date(api, plan_id)
    _stage(api, plan_id, "do", "parent_agreement_current")


@pytest.mark.parametrize("change", ["new outcome", "revised provision", "new review date"])
def test_starting_needs_an_agreement_given_after_the_last_change(api: Api, change: str) -> None:
    plan_id, who = _in_plan_stage(api)
    outcome_id = _outcome(api, plan_id)
    provision_id = _provision(api, plan_id, outcome_id)
    _review_date(api, plan_id)
    api.ok("POST", plan_id, "/agreement", {"agreed_by": [who["parent"]], "method": "meeting"})
    if change == "new outcome":
        _outcome(api, plan_id)
    elif change == "revised provision":
        api.ok("PATCH", plan_id, f"/provisions/{provision_id}", {"frequency": "twice a day"})
    else:
        api.ok("PUT", plan_id, "/review-date", {"review_date": FUTURE})
    assert api.get(f"/v1/plans/{plan_id}").json["agreement"]["current"] is False
    _stage(api, plan_id, "do", "parent_agreement_current")


def test_a_new_cycle_needs_a_review_recorded_in_this_one(api: Api) -> None:
    plan_id, who = _in_plan_stage(api)
    plan(api, plan_id, who["parent"])
    api.ok("POST", plan_id, "/stage", {"to": "review"})
    _stage(api, plan_id, "assess", "review_recorded")


def test_a_review_without_progress_for_an_open_outcome_is_refused(api: Api) -> None:
    plan_id, who = _in_plan_stage(api)
    first = plan(api, plan_id, who["parent"])[0]
    second = _outcome(api, plan_id)
    api.ok("POST", plan_id, "/stage", {"to": "review"})
    response = refused_write(
        api,
        plan_id,
        "POST",
        "/reviews",
        {
            "held_on": date.today().isoformat(),
            "attendees": [who["parent"]],
            "progress": [{"outcome_id": first, "rating": "achieved"}],
            "impact": "Good progress",
            "decision": "continue",
        },
        409,
        rule="progress_for_every_outcome",
    )
    assert second in assert_error_shape(response)["message"]


def test_a_review_with_no_progress_at_all_is_refused(api: Api, ids: dict[str, str]) -> None:
    method, path, body = valid_writes(ids)["reviews"]
    refused_write(
        api,
        ids["plan"],
        method,
        path,
        {**(body or {}), "progress": []},
        409,
        rule="progress_for_every_outcome",
    )


def test_a_new_cycle_needs_progress_on_outcomes_agreed_after_the_review(api: Api) -> None:
    plan_id = api.open_plan()["id"]
    who = people(api, plan_id)
    full_cycle(api, plan_id, who, cycle=1)
    _outcome(api, plan_id)
    _stage(api, plan_id, "assess", "progress_for_every_outcome")


@pytest.mark.parametrize(
    "entry, change",
    [
        ("need", {"status": "resolved"}),
        ("outcome", {"status": "achieved"}),
        ("provision", {"status": "ended"}),
    ],
)
def test_closing_an_entry_twice_is_refused(
    api: Api, ids: dict[str, str], entry: str, change: dict[str, str]
) -> None:
    path = f"/{entry}s/{ids[entry]}"
    api.ok("PATCH", ids["plan"], path, change)
    refused_write(api, ids["plan"], "PATCH", path, change, 409, rule="entry_closed")


# ---- a closed plan ------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", [w for w in WRITES if w not in ("reopening",)])
def test_a_closed_plan_refuses_every_write_but_reopening(
    api: Api, ids: dict[str, str], endpoint: str
) -> None:
    writes = valid_writes(ids)
    closed = api.write("POST", ids["plan"], "/closure", {"reason": "moved_setting"})
    assert closed.status_code == 200
    method, path, body = writes[endpoint]
    refused_write(api, ids["plan"], method, path, body, 409, rule="plan_closed")


# ---- corrections: what the entry did not carry, versions it does not have, bad values -----


def _versions(api: Api, plan_id: str) -> dict[str, int]:
    """The version of the first entry of each type in the plan's history."""
    items = api.get(f"/v1/plans/{plan_id}/history?limit=200").json["items"]
    found: dict[str, int] = {}
    for item in items:
        found.setdefault(item["event_type"], item["version"])
    return found


def _correct(api: Api, plan_id: str, version: int, changes: Any, field: str = "changes") -> Any:
    return refused_write(
        api,
        plan_id,
        "POST",
        "/corrections",
        {
            "event_version": version,
            "changes": changes,
            "reason": "Recorded wrongly",
        },
        422,
        fields=[field],
    )


CORRECTION_CASES: dict[str, tuple[Any, ...]] = {
    # fields the entry did not carry
    "need: a target date": ("NeedIdentified", {"target_date": "2026-01-01"}),
    "need: its id": ("NeedIdentified", {"need_id": UNKNOWN_ID}),
    "need: a status": ("NeedIdentified", {"status": "resolved"}),
    "participant: an area": ("ParticipantAdded", {"area": "sensory_and_physical"}),
    "participant: its id": ("ParticipantAdded", {"participant_id": UNKNOWN_ID}),
    "opening: a stage": ("PlanOpened", {"stage": "do"}),
    "opening: an unknown child field": ("PlanOpened", {"child": {"nhs_number": "1"}}),
    "opening: an empty child": ("PlanOpened", {"child": {}}),
    "opening: the actor": ("PlanOpened", {"actor": {"role": "admin"}}),
    "outcome: a kind": ("OutcomeAgreed", {"kind": "support"}),
    "provision: a decision": ("ProvisionAgreed", {"decision": "continue"}),
    "stage: the target stage": ("StageTransitioned", {"to_stage": "do"}),
    "stage: the cycle": ("StageTransitioned", {"cycle": 9}),
    "a nested field name": ("ParticipantAdded", {"name.first": "Pat"}),
    # invalid values
    "need: unknown area": ("NeedIdentified", {"area": "maths"}),
    "need: description over 4000": ("NeedIdentified", {"description": "d" * 4001}),
    "need: description a number": ("NeedIdentified", {"description": 5}),
    "need: description null": ("NeedIdentified", {"description": None}),
    "need: description with a NUL": ("NeedIdentified", {"description": "a\u0000b"}),
    "participant: unknown role": ("ParticipantAdded", {"role": "wizard"}),
    "participant: empty name": ("ParticipantAdded", {"name": ""}),
    "participant: responsibility a string": (
        "ParticipantAdded",
        {"has_parental_responsibility": "yes"},
    ),
    "opening: birth in the future": ("PlanOpened", {"child": {"date_of_birth": "2999-01-01"}}),
    "opening: impossible birth date": ("PlanOpened", {"child": {"date_of_birth": "2026-02-30"}}),
    "opening: unknown phase": ("PlanOpened", {"setting": {"phase": "nursery"}}),
    "outcome: impossible target date": ("OutcomeAgreed", {"target_date": "2026-02-30"}),
    "outcome: unknown need": ("OutcomeAgreed", {"need_id": UNKNOWN_ID}, "need_id"),
    "provision: unknown kind": ("ProvisionAgreed", {"kind": "magic"}),
    "provision: unknown outcome": ("ProvisionAgreed", {"outcome_ids": [UNKNOWN_ID]}, "outcome_ids"),
    "provision: cost with three places": ("ProvisionAgreed", {"weekly_cost": "1.005"}),
    "view: unknown whose": ("ViewRecorded", {"whose": "teacher"}),
    "occurred_at in the future": ("NeedIdentified", {"occurred_at": "2999-01-01T00:00:00+00:00"}),
    "occurred_at naive": ("NeedIdentified", {"occurred_at": "2024-01-01T09:00:00"}),
    "occurred_at impossible": ("NeedIdentified", {"occurred_at": "2026-02-30T09:00:00+00:00"}),
}


@pytest.fixture
def corrected_plan(api: Api, ids: dict[str, str]) -> tuple[str, dict[str, int]]:
    api.ok("POST", ids["plan"], "/views", {"whose": "child", "text": "I like Lego"})
    api.ok("POST", ids["plan"], "/stage", {"to": "plan"})
    return ids["plan"], _versions(api, ids["plan"])


@pytest.mark.parametrize("case", CORRECTION_CASES.values(), ids=CORRECTION_CASES.keys())
def test_a_correction_of_what_the_entry_did_not_carry_or_to_an_invalid_value_is_422(
    api: Api, corrected_plan: tuple[str, dict[str, int]], case: tuple[Any, ...]
) -> None:
    entry, changes, field = (*case, "changes")[:3]
    plan_id, versions = corrected_plan
    _correct(api, plan_id, versions[entry], changes, field=field)


def test_a_correction_of_a_field_a_revision_did_not_change_is_422(
    api: Api, ids: dict[str, str]
) -> None:
    api.ok("PATCH", ids["plan"], f"/provisions/{ids['provision']}", {"frequency": "daily"})
    version = _versions(api, ids["plan"])["ProvisionRevised"]
    _correct(api, ids["plan"], version, {"kind": "support"})


@pytest.mark.parametrize(
    "which", ["far ahead", "the next one", "the plan's own next", "the largest stored"]
)
def test_a_correction_of_a_version_the_plan_does_not_have_is_422(
    api: Api, ids: dict[str, str], which: str
) -> None:
    current = recorded(api, ids["plan"]).plan[0]  # type: ignore[index]
    version = {
        "far ahead": 10_000,
        "the next one": current + 1,
        "the plan's own next": current + 2,
        "the largest stored": 2**63 - 1,
    }[which]
    _correct(api, ids["plan"], version, {"name": "X"}, field="event_version")


def test_a_correction_of_a_correction_is_422(api: Api, ids: dict[str, str]) -> None:
    api.ok(
        "POST",
        ids["plan"],
        "/corrections",
        {
            "event_version": 2,
            "changes": {"name": "Pat Parent-Smith"},
            "reason": "Misspelt",
        },
    )
    version = _versions(api, ids["plan"])["EntryCorrected"]
    # A change the correction's own body schema accepts, so the refusal is the domain's.
    _correct(
        api,
        ids["plan"],
        version,
        {"occurred_at": "2024-01-01T09:00:00+00:00"},
        field="event_version",
    )


def test_a_correction_naming_an_entry_of_another_plan_by_version_corrects_only_this_plan(
    api: Api, ids: dict[str, str]
) -> None:
    other = api.open_plan()["id"]
    before = recorded(api, other)
    api.ok(
        "POST",
        ids["plan"],
        "/corrections",
        {
            "event_version": 1,
            "changes": {"child": {"name": "Ada L."}},
            "reason": "Short name",
        },
    )
    assert recorded(api, other).plan == before.plan


def test_a_correction_of_a_closed_plan_is_409(api: Api, ids: dict[str, str]) -> None:
    api.ok("POST", ids["plan"], "/closure", {"reason": "other"})
    refused_write(
        api,
        ids["plan"],
        "POST",
        "/corrections",
        {
            "event_version": 2,
            "changes": {"name": "Pat"},
            "reason": "Misspelt",
        },
        409,
        rule="plan_closed",
    )


def test_refused_writes_leave_the_plan_writable_at_the_same_etag(
    api: Api, ids: dict[str, str]
) -> None:
    etag = api.etags[ids["plan"]]
    refused_write(
        api, ids["plan"], "POST", "/stage", {"to": "review"}, 409, rule="transition_allowed"
    )
    refused_write(api, ids["plan"], "POST", "/needs", {"area": "maths", "description": "x"}, 422)
    response = api.write("POST", ids["plan"], "/stage", {"to": "plan"}, if_match=etag)
    assert response.status_code == 200, response.json

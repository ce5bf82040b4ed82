"""Bad bodies and bad paths: each refused in the one error shape, nothing recorded changes.

Every write body of the contract is taken from a valid one (`valid_writes`, accepted as a whole
by the first test) and spoilt in exactly one way, so each 422 is known to come from that one
defect. The `api` here checks every reply: never a 500, every error in the one shape.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app

from services.http.guards import DRAIN_LIMIT
from tests.support.api import CHILD, SETTING, Api
from tests.support.refusals import (
    checked_api,
    furnished_plan,
    refused,
    refused_write,
    valid_writes,
)

LONG = 4000
SHORT = 200
UNKNOWN_ID = "6f1c1c62-3f0e-4d4c-9a43-2a2f8d1e0b7e"
DROP = object()  # in a change: remove the field


@pytest.fixture
def api(app: Flask) -> Api:
    return checked_api(app)


@pytest.fixture
def ids(api: Api) -> dict[str, str]:
    return furnished_plan(api)


def spoilt(body: dict[str, Any] | None, **changes: Any) -> dict[str, Any]:
    result = dict(body or {})
    for name, value in changes.items():
        if value is DROP:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def test_every_valid_body_is_accepted_so_each_refusal_below_has_one_cause(
    api: Api, ids: dict[str, str]
) -> None:
    for name, (method, path, body) in valid_writes(ids).items():
        response = api.write(method, ids["plan"], path, body)
        assert response.status_code in (200, 201), (name, response.json)


# ---- opening a plan -----------------------------------------------------------------------


def _open(**changes: Any) -> dict[str, Any]:
    child = dict(CHILD)
    setting = dict(SETTING)
    body: dict[str, Any] = {"child": child, "setting": setting}
    for dotted, value in changes.items():
        part, _, name = dotted.partition("__")
        target = body if not name else body[part]
        key = name or part
        if value is DROP:
            target.pop(key)
        else:
            target[key] = value
    return body


OPEN_PLAN_CASES = {
    "child missing": (_open(child=DROP), "child"),
    "setting missing": (_open(setting=DROP), "setting"),
    "child name missing": (_open(child__name=DROP), "child"),
    "child ref missing": (_open(child__ref=DROP), "child"),
    "child not an object": (_open(child="Ada"), "child"),
    "child name a number": (_open(child__name=42), "child"),
    "child name empty": (_open(child__name=""), "child"),
    "child name over 200": (_open(child__name="a" * (SHORT + 1)), "child"),
    "child name with a NUL": (_open(child__name="Ada\u0000"), "child"),
    "setting ref over 200": (_open(setting__ref="r" * (SHORT + 1)), "setting"),
    "impossible date of birth": (_open(child__date_of_birth="2026-02-30"), "child"),
    "date of birth not a date": (_open(child__date_of_birth="May 2019"), "child"),
    "date of birth a datetime": (_open(child__date_of_birth="2019-05-04T00:00:00+00:00"), "child"),
    "date of birth in the future": (_open(child__date_of_birth="2999-01-01"), "child"),
    "unknown phase": (_open(setting__phase="nursery"), "setting"),
    "extra top-level field": (_open(stage="do"), "stage"),
    "extra nested field": (_open(child__nhs_number="123"), "child"),
    "actor in the body": (_open(actor={"id": "x", "name": "y", "role": "senco"}), "actor"),
    "occurred_at in the future": (_open(occurred_at="2999-01-01T00:00:00+00:00"), "occurred_at"),
    "occurred_at naive": (_open(occurred_at="2024-01-01T09:00:00"), "occurred_at"),
    "occurred_at impossible": (_open(occurred_at="2026-02-30T09:00:00+00:00"), "occurred_at"),
    "occurred_at a number": (_open(occurred_at=1700000000), "occurred_at"),
}


@pytest.mark.parametrize("body, field", OPEN_PLAN_CASES.values(), ids=OPEN_PLAN_CASES.keys())
def test_opening_a_plan_with_a_bad_body_is_422(api: Api, body: dict[str, Any], field: str) -> None:
    refused(
        api,
        lambda: api.client.post("/v1/plans", json=body, headers=api.headers()),
        422,
        fields=[field],
    )


def test_text_at_the_documented_limits_is_accepted(api: Api, ids: dict[str, str]) -> None:
    plan_id = ids["plan"]
    person = {"name": "n" * SHORT, "role": "teacher", "organisation": "o" * SHORT}
    assert api.write("POST", plan_id, "/participants", person).status_code == 201
    need = {"area": "sensory_and_physical", "description": "d" * LONG}
    assert api.write("POST", plan_id, "/needs", need).status_code == 201
    opened = api.client.post(
        "/v1/plans",
        json={"child": {**CHILD, "name": "c" * SHORT}, "setting": SETTING},
        headers=api.headers(),
    )
    assert opened.status_code == 201, opened.json


# ---- every write body, spoilt in one way --------------------------------------------------

BODY_CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    # participants
    "participant name missing": ("participants", {"name": DROP}, "name"),
    "participant name empty": ("participants", {"name": ""}, "name"),
    "participant name over 200": ("participants", {"name": "n" * (SHORT + 1)}, "name"),
    "participant name a number": ("participants", {"name": 7}, "name"),
    "participant name with a NUL": ("participants", {"name": "Pat\u0000"}, "name"),
    "participant role unknown": ("participants", {"role": "wizard"}, "role"),
    "participant role wrong case": ("participants", {"role": "SENCO"}, "role"),
    "participant role missing": ("participants", {"role": DROP}, "role"),
    "participant organisation over 200": (
        "participants",
        {"organisation": "o" * 201},
        "organisation",
    ),
    "participant contact over 200": ("participants", {"contact": "c" * 201}, "contact"),
    "parental responsibility a string": (
        "participants",
        {"has_parental_responsibility": "yes"},
        "has_parental_responsibility",
    ),
    "parental responsibility a number": (
        "participants",
        {"has_parental_responsibility": 1},
        "has_parental_responsibility",
    ),
    "participant id given": ("participants", {"id": UNKNOWN_ID}, "id"),
    "participant actor given": ("participants", {"actor": {"role": "admin"}}, "actor"),
    # profile
    "profile empty": ("profile", {"aspirations": DROP}, "_schema"),
    "profile only occurred_at": (
        "profile",
        {"aspirations": DROP, "occurred_at": "2024-01-01T00:00:00+00:00"},
        "_schema",
    ),
    "profile text over 4000": ("profile", {"aspirations": "a" * (LONG + 1)}, "aspirations"),
    "profile text a list": ("profile", {"strengths": ["kind"]}, "strengths"),
    "profile unknown field": ("profile", {"favourite_colour": "blue"}, "favourite_colour"),
    "profile adulthood unknown part": (
        "profile",
        {"preparing_for_adulthood": {"jobs": "x"}},
        "preparing_for_adulthood",
    ),
    "profile adulthood not an object": (
        "profile",
        {"preparing_for_adulthood": "work"},
        "preparing_for_adulthood",
    ),
    "profile adulthood empty": (
        "profile",
        {"preparing_for_adulthood": {}},
        "preparing_for_adulthood",
    ),
    # needs
    "need area unknown": ("needs", {"area": "maths"}, "area"),
    "need area missing": ("needs", {"area": DROP}, "area"),
    "need area null": ("needs", {"area": None}, "area"),
    "need description over 4000": ("needs", {"description": "d" * (LONG + 1)}, "description"),
    "need description empty": ("needs", {"description": ""}, "description"),
    "need description a number": ("needs", {"description": 5}, "description"),
    "need description with a NUL": ("needs", {"description": "a\u0000b"}, "description"),
    "need status on creation": ("needs", {"status": "resolved"}, "status"),
    "need revision empty": ("need", {"description": DROP}, "_schema"),
    "need revision status unknown": ("need", {"status": "open"}, "status"),
    "need revision over 4000": ("need", {"description": "d" * (LONG + 1)}, "description"),
    "need revision area": ("need", {"area": "cognition_and_learning"}, "area"),
    # views
    "view whose unknown": ("views", {"whose": "teacher"}, "whose"),
    "view text missing": ("views", {"text": DROP}, "text"),
    "view text over 4000": ("views", {"text": "t" * (LONG + 1)}, "text"),
    "view participant not a uuid": ("views", {"participant_id": "pat"}, "participant_id"),
    "view how_gathered over 200": ("views", {"how_gathered": "h" * (SHORT + 1)}, "how_gathered"),
    # outcomes
    "outcome impossible target date": ("outcomes", {"target_date": "2026-02-30"}, "target_date"),
    "outcome month 13": ("outcomes", {"target_date": "2026-13-01"}, "target_date"),
    "outcome target date in words": ("outcomes", {"target_date": "next July"}, "target_date"),
    "outcome target date a number": ("outcomes", {"target_date": 20260701}, "target_date"),
    "outcome description missing": ("outcomes", {"description": DROP}, "description"),
    "outcome criteria missing": ("outcomes", {"success_criteria": DROP}, "success_criteria"),
    "outcome criteria over 4000": (
        "outcomes",
        {"success_criteria": "s" * (LONG + 1)},
        "success_criteria",
    ),
    "outcome need not a uuid": ("outcomes", {"need_id": "need-1"}, "need_id"),
    "outcome status on creation": ("outcomes", {"status": "achieved"}, "status"),
    "outcome revision status unknown": ("outcome", {"status": "open"}, "status"),
    "outcome revision impossible date": ("outcome", {"target_date": "2026-02-30"}, "target_date"),
    "outcome revision empty": ("outcome", {"success_criteria": DROP}, "_schema"),
    # provisions
    "provision kind unknown": ("provisions", {"kind": "magic"}, "kind"),
    "provision kind missing": ("provisions", {"kind": DROP}, "kind"),
    "provision no outcomes": ("provisions", {"outcome_ids": []}, "outcome_ids"),
    "provision outcomes a string": ("provisions", {"outcome_ids": UNKNOWN_ID}, "outcome_ids"),
    "provision outcome not a uuid": ("provisions", {"outcome_ids": ["o-1"]}, "outcome_ids"),
    "provision outcomes missing": ("provisions", {"outcome_ids": DROP}, "outcome_ids"),
    "provision impossible start": ("provisions", {"start_date": "2026-02-30"}, "start_date"),
    "provision ends before it starts": (
        "provisions",
        {"start_date": "2025-01-02", "end_date": "2025-01-01"},
        "end_date",
    ),
    "provision frequency over 200": ("provisions", {"frequency": "f" * (SHORT + 1)}, "frequency"),
    "provision delivered_by missing": ("provisions", {"delivered_by": DROP}, "delivered_by"),
    "provision group size a fraction": ("provisions", {"group_size": 1.5}, "group_size"),
    "provision group size a string": ("provisions", {"group_size": "4"}, "group_size"),
    "provision group size zero": ("provisions", {"group_size": 0}, "group_size"),
    "provision group size a boolean": ("provisions", {"group_size": True}, "group_size"),
    "provision minutes over 600": (
        "provisions",
        {"minutes_per_session": 601},
        "minutes_per_session",
    ),
    "provision cost three places": ("provisions", {"weekly_cost": "1.234"}, "weekly_cost"),
    "provision cost negative": ("provisions", {"weekly_cost": "-1.00"}, "weekly_cost"),
    "provision cost in words": ("provisions", {"weekly_cost": "lots"}, "weekly_cost"),
    "provision cost not a number": ("provisions", {"weekly_cost": "NaN"}, "weekly_cost"),
    "provision cost infinite": ("provisions", {"weekly_cost": "Infinity"}, "weekly_cost"),
    "provision cost too big": ("provisions", {"weekly_cost": "1000000.01"}, "weekly_cost"),
    "provision revision status unknown": ("provision", {"status": "active"}, "status"),
    "provision revision kind unknown": ("provision", {"kind": "magic"}, "kind"),
    "provision revision ends before it starts": (
        "provision",
        {"start_date": "2025-01-02", "end_date": "2025-01-01"},
        "end_date",
    ),
    "provision revision empty": ("provision", {"frequency": DROP}, "_schema"),
    # review date
    "review date impossible": ("review-date", {"review_date": "2026-02-30"}, "review_date"),
    "review date missing": ("review-date", {"review_date": DROP}, "review_date"),
    "review date a datetime": (
        "review-date",
        {"review_date": "2999-01-01T00:00:00+00:00"},
        "review_date",
    ),
    "review date null": ("review-date", {"review_date": None}, "review_date"),
    # agreement
    "agreement method unknown": ("agreement", {"method": "carrier_pigeon"}, "method"),
    "agreement by nobody": ("agreement", {"agreed_by": []}, "agreed_by"),
    "agreement by a string": ("agreement", {"agreed_by": UNKNOWN_ID}, "agreed_by"),
    "agreement by the same twice": (
        "agreement",
        {"agreed_by": [UNKNOWN_ID, UNKNOWN_ID]},
        "agreed_by",
    ),
    "agreement by a non-uuid": ("agreement", {"agreed_by": ["parent"]}, "agreed_by"),
    # stage
    "stage unknown": ("stage", {"to": "done"}, "to"),
    "stage wrong case": ("stage", {"to": "PLAN"}, "to"),
    "stage missing": ("stage", {"to": DROP}, "to"),
    "stage a number": ("stage", {"to": 2}, "to"),
    "stage reason over 4000": ("stage", {"reason": "r" * (LONG + 1)}, "reason"),
    "stage from given": ("stage", {"from": "assess"}, "from"),
    # reviews
    "review decision unknown": ("reviews", {"decision": "maybe"}, "decision"),
    "review decision missing": ("reviews", {"decision": DROP}, "decision"),
    "review rating unknown": (
        "reviews",
        {"progress": [{"outcome_id": UNKNOWN_ID, "rating": "great"}]},
        "progress",
    ),
    "review rating missing": ("reviews", {"progress": [{"outcome_id": UNKNOWN_ID}]}, "progress"),
    "review progress extra field": (
        "reviews",
        {"progress": [{"outcome_id": UNKNOWN_ID, "rating": "achieved", "score": 3}]},
        "progress",
    ),
    "review progress not a list": ("reviews", {"progress": "all good"}, "progress"),
    "review progress missing": ("reviews", {"progress": DROP}, "progress"),
    "review held on impossible": ("reviews", {"held_on": "2026-02-30"}, "held_on"),
    "review held in the future": ("reviews", {"held_on": "2999-01-01"}, "held_on"),
    "review no attendees": ("reviews", {"attendees": []}, "attendees"),
    "review impact missing": ("reviews", {"impact": DROP}, "impact"),
    "review impact over 4000": ("reviews", {"impact": "i" * (LONG + 1)}, "impact"),
    "review child view over 4000": ("reviews", {"child_view": "v" * (LONG + 1)}, "child_view"),
    "review next date impossible": (
        "reviews",
        {"next_review_date": "2026-02-30"},
        "next_review_date",
    ),
    # closure and reopening
    "closure reason unknown": ("closure", {"reason": "bored"}, "reason"),
    "closure reason missing": ("closure", {"reason": DROP}, "reason"),
    "closure note over 4000": ("closure", {"note": "n" * (LONG + 1)}, "note"),
    "reopening reason missing": ("reopening", {"reason": DROP}, "reason"),
    "reopening reason empty": ("reopening", {"reason": ""}, "reason"),
    "reopening reason over 4000": ("reopening", {"reason": "r" * (LONG + 1)}, "reason"),
    # corrections (the body itself; what a correction may change is in test_http_preconditions)
    "correction version a string": ("corrections", {"event_version": "2"}, "event_version"),
    "correction version zero": ("corrections", {"event_version": 0}, "event_version"),
    "correction version a fraction": ("corrections", {"event_version": 1.5}, "event_version"),
    "correction version missing": ("corrections", {"event_version": DROP}, "event_version"),
    "correction version past any store": ("corrections", {"event_version": 2**63}, "event_version"),
    "correction no changes": ("corrections", {"changes": {}}, "changes"),
    "correction changes a list": ("corrections", {"changes": ["name"]}, "changes"),
    "correction reason missing": ("corrections", {"reason": DROP}, "reason"),
    "correction reason over 4000": ("corrections", {"reason": "r" * (LONG + 1)}, "reason"),
    # removing a participant
    "removal with a reason field": ("participant", {"reason": "left"}, "reason"),
}


@pytest.mark.parametrize("endpoint, changes, field", BODY_CASES.values(), ids=BODY_CASES.keys())
def test_a_write_body_spoilt_in_one_way_is_422_naming_the_field(
    api: Api, ids: dict[str, str], endpoint: str, changes: dict[str, Any], field: str
) -> None:
    method, path, body = valid_writes(ids)[endpoint]
    refused_write(api, ids["plan"], method, path, spoilt(body, **changes), 422, fields=[field])


def _in_a_day() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).isoformat()


OCCURRED_AT_CASES = {
    "in the future": _in_a_day,
    "a minute ahead": lambda: (datetime.now(UTC) + timedelta(minutes=1)).isoformat(),
    "naive": lambda: "2024-01-01T09:00:00",
    "impossible": lambda: "2026-02-30T09:00:00+00:00",
    "a date only": lambda: "2024-01-01",
    "not a time": lambda: "last Tuesday",
    "null": lambda: None,
}
WRITE_ENDPOINTS = [
    "participants",
    "profile",
    "needs",
    "need",
    "views",
    "outcomes",
    "outcome",
    "provisions",
    "provision",
    "review-date",
    "agreement",
    "stage",
    "reviews",
    "closure",
    "reopening",
    "corrections",
    "participant",
]


def _occurred_at_cases() -> list[Any]:
    """Future and naive on every write; the other bad values on a few."""
    return [
        pytest.param(endpoint, when, id=f"{endpoint}-{name}")
        for endpoint in WRITE_ENDPOINTS
        for name, when in OCCURRED_AT_CASES.items()
        if name in ("in the future", "naive") or endpoint in ("needs", "stage", "corrections")
    ]


@pytest.mark.parametrize("endpoint, when", _occurred_at_cases())
def test_every_write_refuses_an_occurred_at_in_the_future_naive_or_invalid(
    api: Api, ids: dict[str, str], endpoint: str, when: Any
) -> None:
    method, path, body = valid_writes(ids)[endpoint]
    refused_write(
        api,
        ids["plan"],
        method,
        path,
        spoilt(body, occurred_at=when()),
        422,
        fields=["occurred_at"],
    )


def test_an_occurred_at_in_the_past_with_an_offset_is_accepted(
    api: Api, ids: dict[str, str]
) -> None:
    response = api.write(
        "POST",
        ids["plan"],
        "/needs",
        {
            "area": "sensory_and_physical",
            "description": "Tires",
            "occurred_at": "2024-01-01T09:00:00+01:00",
        },
    )
    assert response.status_code == 201, response.json


# ---- bodies that name things the plan does not have ---------------------------------------


def test_a_provision_linked_to_an_unknown_outcome_is_422(api: Api, ids: dict[str, str]) -> None:
    method, path, body = valid_writes(ids)["provisions"]
    refused_write(
        api,
        ids["plan"],
        method,
        path,
        spoilt(body, outcome_ids=[ids["outcome"], UNKNOWN_ID]),
        422,
        fields=["outcome_ids"],
    )


def test_a_provision_linked_to_a_need_instead_of_an_outcome_is_422(
    api: Api, ids: dict[str, str]
) -> None:
    method, path, body = valid_writes(ids)["provisions"]
    refused_write(
        api,
        ids["plan"],
        method,
        path,
        spoilt(body, outcome_ids=[ids["need"]]),
        422,
        fields=["outcome_ids"],
    )


def test_relinking_a_provision_to_an_unknown_outcome_is_422(api: Api, ids: dict[str, str]) -> None:
    refused_write(
        api,
        ids["plan"],
        "PATCH",
        f"/provisions/{ids['provision']}",
        {"outcome_ids": [UNKNOWN_ID]},
        422,
        fields=["outcome_ids"],
    )


def test_ending_a_provision_before_it_started_is_422(api: Api, ids: dict[str, str]) -> None:
    refused_write(
        api,
        ids["plan"],
        "PATCH",
        f"/provisions/{ids['provision']}",
        {"end_date": "2024-08-31"},
        422,
        fields=["end_date"],
    )


@pytest.mark.parametrize("endpoint, field", [("outcomes", "need_id"), ("outcome", "need_id")])
def test_an_outcome_for_an_unknown_need_is_422(
    api: Api, ids: dict[str, str], endpoint: str, field: str
) -> None:
    method, path, body = valid_writes(ids)[endpoint]
    refused_write(
        api, ids["plan"], method, path, spoilt(body, need_id=UNKNOWN_ID), 422, fields=[field]
    )


def test_a_view_by_an_unknown_participant_is_422(api: Api, ids: dict[str, str]) -> None:
    method, path, body = valid_writes(ids)["views"]
    refused_write(
        api,
        ids["plan"],
        method,
        path,
        spoilt(body, participant_id=UNKNOWN_ID),
        422,
        fields=["participant_id"],
    )


@pytest.mark.parametrize("who", ["unknown", "child and senco only"])
def test_an_agreement_without_a_known_parent_or_carer_is_422(
    api: Api, ids: dict[str, str], who: str
) -> None:
    agreed_by = [UNKNOWN_ID] if who == "unknown" else [ids["child"], ids["senco"]]
    refused_write(
        api,
        ids["plan"],
        "POST",
        "/agreement",
        {"agreed_by": agreed_by, "method": "meeting"},
        422,
        fields=["agreed_by"],
    )


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"attendees": [UNKNOWN_ID]}, "attendees"),
        ({"progress": [{"outcome_id": UNKNOWN_ID, "rating": "achieved"}]}, "progress"),
        ("rated twice", "progress"),
        ({"held_on": "2025-01-10", "next_review_date": "2025-01-09"}, "next_review_date"),
    ],
    ids=["unknown attendee", "unknown outcome", "outcome rated twice", "next review before it"],
)
def test_a_review_naming_what_the_plan_does_not_have_is_422(
    api: Api, ids: dict[str, str], changes: Any, field: str
) -> None:
    method, path, body = valid_writes(ids)["reviews"]
    if changes == "rated twice":
        changes = {"progress": body["progress"] * 2}  # type: ignore[index]
    refused_write(api, ids["plan"], method, path, spoilt(body, **changes), 422, fields=[field])


def test_a_review_date_in_the_past_is_422(api: Api, ids: dict[str, str]) -> None:
    refused_write(
        api,
        ids["plan"],
        "PUT",
        "/review-date",
        {"review_date": "2024-01-01"},
        422,
        fields=["review_date"],
    )


# ---- ids in paths -------------------------------------------------------------------------

NOT_UUIDS = ["123", "not-a-uuid", UNKNOWN_ID + "0", UNKNOWN_ID[:-1], "..%2F..%2Fetc"]
PLAN_PATHS = [
    ("GET", ""),
    ("GET", "/history"),
    ("POST", "/needs"),
    ("PATCH", "/profile"),
    ("PUT", "/review-date"),
    ("POST", "/stage"),
    ("POST", "/corrections"),
    ("DELETE", f"/participants/{UNKNOWN_ID}"),
]


@pytest.mark.parametrize(
    "method, tail, bad_id",
    [
        pytest.param(method, tail, bad_id, id=f"{method} {tail or '/'} {bad_id}")
        for method, tail in PLAN_PATHS
        for bad_id in NOT_UUIDS
        if tail in ("", "/needs") or bad_id == "not-a-uuid"
    ],
)
def test_a_plan_id_that_is_not_a_uuid_is_404(
    api: Api, ids: dict[str, str], method: str, tail: str, bad_id: str
) -> None:
    body = {"to": "plan"} if method != "GET" else None
    refused(
        api,
        lambda: api.client.open(
            f"/v1/plans/{bad_id}{tail}",
            method=method,
            json=body,
            headers=api.headers(**{"If-Match": '"1"'}),
        ),
        404,
        plan_id=ids["plan"],
    )


@pytest.mark.parametrize(
    "method, tail, body",
    [
        ("GET", "", None),
        ("GET", "?as_of=2030-01-01T00:00:00%2B00:00", None),
        ("GET", "?valid_at=2024-01-01T00:00:00%2B00:00", None),
        ("GET", "/history", None),
        ("POST", "/needs", {"area": "sensory_and_physical", "description": "x"}),
        ("PATCH", "/profile", {"aspirations": "x"}),
        ("POST", "/stage", {"to": "plan"}),
        ("POST", "/closure", {"reason": "other"}),
        (
            "POST",
            "/corrections",
            {"event_version": 1, "changes": {"child": {"name": "B"}}, "reason": "r"},
        ),
        ("DELETE", f"/participants/{UNKNOWN_ID}", None),
    ],
)
def test_an_unknown_plan_is_404(
    api: Api, ids: dict[str, str], method: str, tail: str, body: Any
) -> None:
    refused(
        api,
        lambda: api.client.open(
            f"/v1/plans/{UNKNOWN_ID}{tail}",
            method=method,
            json=body,
            headers=api.headers(**{"If-Match": '"1"'}),
        ),
        404,
        plan_id=ids["plan"],
    )


ENTRY_PATHS = {
    "need": ("PATCH", "/needs/{}", {"description": "x"}),
    "outcome": ("PATCH", "/outcomes/{}", {"description": "x"}),
    "provision": ("PATCH", "/provisions/{}", {"frequency": "daily"}),
    "participant": ("DELETE", "/participants/{}", None),
}


@pytest.mark.parametrize("entry", ENTRY_PATHS)
@pytest.mark.parametrize("which", ["unknown", "not a uuid", "another kind's id", "another plan's"])
def test_an_unknown_entry_in_a_patch_or_delete_path_is_404(
    api: Api, ids: dict[str, str], entry: str, which: str
) -> None:
    method, template, body = ENTRY_PATHS[entry]
    if which == "unknown":
        entry_id = UNKNOWN_ID
    elif which == "not a uuid":
        entry_id = "abc"
    elif which == "another kind's id":
        entry_id = ids["need"] if entry != "need" else ids["outcome"]
    else:
        entry_id = furnished_plan(api)["senco" if entry == "participant" else entry]
    refused_write(api, ids["plan"], method, template.format(entry_id), body, 404)


def test_removing_a_participant_twice_is_404_the_second_time(api: Api, ids: dict[str, str]) -> None:
    path = f"/participants/{ids['senco']}"
    assert api.write("DELETE", ids["plan"], path).status_code == 200
    refused_write(api, ids["plan"], "DELETE", path, None, 404)


# ---- bodies that are not a JSON object ----------------------------------------------------


def _raw(
    api: Api,
    plan_id: str,
    data: bytes | str,
    content_type: str | None,
    method: str = "POST",
    path: str = "/needs",
) -> Any:
    headers = api.headers(**{"If-Match": api.etags[plan_id]})
    if content_type is not None:
        headers["Content-Type"] = content_type
    return lambda: api.client.open(
        f"/v1/plans/{plan_id}{path}", method=method, data=data, headers=headers
    )


NEED = json.dumps({"area": "sensory_and_physical", "description": "Tires"})


NOT_JSON = [
    None,
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/xml",
    "multipart/form-data; boundary=x",
    "application/jsonp",
    "text/json",
]


@pytest.mark.parametrize(
    "method, path, content_type",
    [("POST", "/needs", c) for c in NOT_JSON]
    + [("PATCH", "/profile", "text/plain"), ("PUT", "/review-date", None)],
)
def test_a_body_not_declared_as_json_is_415(
    api: Api, ids: dict[str, str], content_type: str | None, method: str, path: str
) -> None:
    refused(api, _raw(api, ids["plan"], NEED, content_type, method, path), 415, plan_id=ids["plan"])


def test_opening_a_plan_with_a_form_body_is_415(api: Api) -> None:
    refused(
        api,
        lambda: api.client.post("/v1/plans", data={"child": "Ada"}, headers=api.headers()),
        415,
    )


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json"]
)
def test_json_content_types_with_a_charset_or_suffix_are_accepted(
    api: Api, ids: dict[str, str], content_type: str
) -> None:
    response = _raw(api, ids["plan"], NEED, content_type)()
    assert response.status_code == 201, response.json


@pytest.mark.parametrize(
    "data",
    [
        b'{"area": ',
        b"{'area': 'x'}",
        b'{"area": "x",}',
        b"area=x",
        b'{"a": 1}}',
        b"\xff\xfe\xfd",
        b'{"description": "\xe9"}',
        b"NaN-ish",
        b"\x00",
        b'{"area": "sensory_and_physical", "description": "\\ud800"}',
        b'{"area": "sensory_and_physical", "description": "x", "\\udfff": 1}',
    ],
    ids=[
        "truncated",
        "single quotes",
        "trailing comma",
        "form",
        "extra brace",
        "bad bytes",
        "latin-1",
        "word",
        "nul",
        "lone surrogate in a value",
        "lone surrogate in a key",
    ],
)
def test_malformed_json_is_400(api: Api, ids: dict[str, str], data: bytes) -> None:
    refused(api, _raw(api, ids["plan"], data, "application/json"), 400, plan_id=ids["plan"])


def test_escaped_surrogate_pairs_and_other_scripts_are_text(api: Api, ids: dict[str, str]) -> None:
    data = b'{"area": "sensory_and_physical", "description": "\\ud83d\\ude00 \xc3\xa9\xe5\xad\x97"}'
    response = _raw(api, ids["plan"], data, "application/json")()
    assert response.status_code == 201, response.json
    assert response.json["needs"][-1]["description"] == "\U0001f600 \u00e9\u5b57"


@pytest.mark.parametrize(
    "data",
    ["[]", json.dumps([json.loads(NEED)]), '"needs"', "3", "null", "true"],
    ids=["empty array", "array of the body", "string", "number", "null", "boolean"],
)
def test_a_json_body_that_is_not_an_object_is_422(api: Api, ids: dict[str, str], data: str) -> None:
    refused(api, _raw(api, ids["plan"], data, "application/json"), 422, plan_id=ids["plan"])


def test_an_empty_json_body_is_422_naming_the_required_fields(
    api: Api, ids: dict[str, str]
) -> None:
    refused(
        api,
        _raw(api, ids["plan"], b"", "application/json"),
        422,
        plan_id=ids["plan"],
        fields=["area", "description"],
    )


@pytest.mark.parametrize("size", [256 * 1024 + 1, 1024 * 1024])
def test_a_body_over_256_kib_is_413(api: Api, ids: dict[str, str], size: int) -> None:
    padding = size - len(json.dumps({"area": "sensory_and_physical", "description": ""}))
    data = json.dumps({"area": "sensory_and_physical", "description": "d" * padding})
    assert len(data.encode()) == size
    refused(api, _raw(api, ids["plan"], data, "application/json"), 413, plan_id=ids["plan"])


def test_opening_a_plan_with_a_body_over_256_kib_is_413(api: Api) -> None:
    body = {"child": {**CHILD, "name": "n" * (300 * 1024)}, "setting": SETTING}
    refused(api, lambda: api.client.post("/v1/plans", json=body, headers=api.headers()), 413)


@pytest.mark.parametrize("depth", [100_000, 900])
def test_deeply_nested_json_is_refused_without_a_500(
    api: Api, ids: dict[str, str], depth: int
) -> None:
    data = '{"area": ' + "[" * depth + "]" * depth + ', "description": "x"}'
    expected = 400 if depth > 1000 else 422  # past the parser's recursion limit: unreadable
    refused(api, _raw(api, ids["plan"], data, "application/json"), expected, plan_id=ids["plan"])


# ---- what a refusal leaves of the body ----------------------------------------------------


def _send_terminated(app: Flask, body: bytes, **headers: str) -> tuple[str, io.BytesIO]:
    """POST as gunicorn hands a request over: wsgi.input ends where the body ends."""
    builder = EnvironBuilder(
        path=f"/v1/plans/{UNKNOWN_ID}/needs", method="POST", headers=list(headers.items())
    )
    environ = builder.get_environ()
    stream = io.BytesIO(body)
    environ.update({"wsgi.input": stream, "wsgi.input_terminated": True})
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["CONTENT_TYPE"] = headers.get("Content-Type", "application/json")
    _, status, _ = run_wsgi_app(app.wsgi_app, environ, buffered=True)
    return status, stream


@pytest.mark.parametrize(
    "expected, headers",
    [
        ("401", {}),
        ("415", {"Content-Type": "text/plain"}),
        ("413", {}),
    ],
)
def test_a_body_refused_before_it_was_read_is_read_to_its_end_before_the_reply(
    app: Flask, expected: str, headers: dict[str, str]
) -> None:
    from tests.support.api import token

    size = 300 * 1024 if expected == "413" else 100 * 1024
    if expected != "401":
        headers = {**headers, "Authorization": f"Bearer {token()}"}
    status, stream = _send_terminated(app, b"x" * size, **headers)
    assert status.startswith(expected)
    assert stream.tell() == size, "the rest of the body was left on the connection"


def test_no_more_than_the_drain_limit_is_read_of_a_refused_body(app: Flask) -> None:
    size = DRAIN_LIMIT * 3
    status, stream = _send_terminated(app, b"x" * size)
    assert status.startswith("401")
    assert stream.tell() <= DRAIN_LIMIT

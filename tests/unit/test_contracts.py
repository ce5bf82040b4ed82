"""The v1 HTTP contract: what each request schema accepts and refuses, and what responses dump."""

from __future__ import annotations

import ast
import sys
import warnings
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from marshmallow import Schema, ValidationError

import contracts as c

P1 = "0b6c8a3e-5f7a-4c1e-9d2b-000000000001"
P2 = "0b6c8a3e-5f7a-4c1e-9d2b-000000000002"
O1 = "0b6c8a3e-5f7a-4c1e-9d2b-0000000000a1"
LONG = "x" * 4001
SHORT_OVER = "x" * 201


def in_seconds(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


OPEN_PLAN = {
    "child": {"ref": "C-17", "name": "Sam", "date_of_birth": "2021-03-04"},
    "setting": {"ref": "URN-1", "name": "Oak Nursery", "phase": "early_years"},
}
PARTICIPANT = {"name": "Alex", "role": "parent_carer", "has_parental_responsibility": True}
NEED = {"area": "communication_and_interaction", "description": "Few words yet."}
VIEW = {"whose": "child", "participant_id": P1, "text": "I like trains.", "how_gathered": "play"}
OUTCOME = {"description": "Uses 50 words", "success_criteria": "Heard", "target_date": "2026-07-01"}
PROVISION = {
    "description": "Speech group",
    "kind": "intervention",
    "frequency": "twice weekly",
    "delivered_by": "TA",
    "start_date": "2026-01-05",
    "end_date": "2026-03-27",
    "outcome_ids": [O1],
    "group_size": 4,
    "minutes_per_session": 20,
    "weekly_cost": "12.50",
}
REVIEW = {
    "held_on": "2026-01-20",
    "attendees": [P1, P2],
    "progress": [{"outcome_id": O1, "rating": "partly_achieved", "comment": "Nearly"}],
    "impact": "More words.",
    "decision": "continue",
    "next_review_date": "2026-04-20",
}
CORRECTION = {
    "event_version": 3,
    "changes": {"description": "Fixed", "tags": [1]},
    "reason": "Typo",
}

VALID: dict[type[Schema], dict[str, Any]] = {
    c.OpenPlanSchema: OPEN_PLAN,
    c.AddParticipantSchema: PARTICIPANT,
    c.UpdateProfileSchema: {"aspirations": "", "preparing_for_adulthood": {"health": "Swims"}},
    c.IdentifyNeedSchema: NEED,
    c.ReviseNeedSchema: {"status": "resolved"},
    c.RecordViewSchema: VIEW,
    c.AgreeOutcomeSchema: {**OUTCOME, "need_id": P1},
    c.ReviseOutcomeSchema: {"status": "achieved"},
    c.AgreeProvisionSchema: PROVISION,
    c.ReviseProvisionSchema: {"status": "ended", "end_date": "2026-02-01"},
    c.ScheduleReviewSchema: {"review_date": "2026-04-01", "occurred_at": in_seconds(-60)},
    c.AgreePlanSchema: {"agreed_by": [P1], "method": "meeting"},
    c.TransitionStageSchema: {"to": "plan", "reason": "Needs identified"},
    c.RecordReviewSchema: REVIEW,
    c.ClosePlanSchema: {"reason": "moved_setting", "note": "To Elm School"},
    c.ReopenPlanSchema: {"reason": "Returned to the setting"},
    c.CorrectEntrySchema: CORRECTION,
}


@pytest.mark.parametrize("schema", VALID, ids=lambda s: s.__name__)
def test_a_valid_body_loads(schema: type[Schema]) -> None:
    schema().load(VALID[schema])


def refusal(schema: type[Schema], body: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ValidationError) as refused:
        schema().load(body)
    return refused.value.messages  # type: ignore[return-value]


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


CHILD, SETTING = OPEN_PLAN["child"], OPEN_PLAN["setting"]
REFUSALS = {
    "open_plan_without_child": (c.OpenPlanSchema, without(OPEN_PLAN, "child"), "child"),
    "child_without_date_of_birth": (
        c.OpenPlanSchema,
        {**OPEN_PLAN, "child": without(CHILD, "date_of_birth")},
        "child.date_of_birth",
    ),
    "impossible_date": (
        c.OpenPlanSchema,
        {**OPEN_PLAN, "child": {**CHILD, "date_of_birth": "2026-02-30"}},
        "child.date_of_birth",
    ),
    "date_of_birth_in_future": (
        c.OpenPlanSchema,
        {**OPEN_PLAN, "child": {**CHILD, "date_of_birth": "2999-01-01"}},
        "child.date_of_birth",
    ),
    "unknown_phase": (
        c.OpenPlanSchema,
        {**OPEN_PLAN, "setting": {**SETTING, "phase": "nursery"}},
        "setting.phase",
    ),
    "unknown_nested_field": (
        c.OpenPlanSchema,
        {**OPEN_PLAN, "child": {**CHILD, "nhs_number": "1"}},
        "child.nhs_number",
    ),
    "extra_field": (c.AddParticipantSchema, {**PARTICIPANT, "email": "a@b"}, "email"),
    "empty_required_string": (c.AddParticipantSchema, {**PARTICIPANT, "name": ""}, "name"),
    "short_string_over_200": (c.AddParticipantSchema, {**PARTICIPANT, "name": SHORT_OVER}, "name"),
    "unknown_role": (c.AddParticipantSchema, {**PARTICIPANT, "role": "grandparent"}, "role"),
    "string_as_boolean": (
        c.AddParticipantSchema,
        {**PARTICIPANT, "has_parental_responsibility": "yes"},
        "has_parental_responsibility",
    ),
    "naive_occurred_at": (
        c.AddParticipantSchema,
        {**PARTICIPANT, "occurred_at": "2026-01-05T10:00:00"},
        "occurred_at",
    ),
    "future_occurred_at": (
        c.AddParticipantSchema,
        # A day ahead: the body is built when the tests are collected, minutes before it runs.
        {**PARTICIPANT, "occurred_at": in_seconds(24 * 3600)},
        "occurred_at",
    ),
    "profile_text_over_4000": (c.UpdateProfileSchema, {"strengths": LONG}, "strengths"),
    "empty_profile_patch": (c.UpdateProfileSchema, {}, "_schema"),
    "empty_preparing_for_adulthood": (
        c.UpdateProfileSchema,
        {"preparing_for_adulthood": {}},
        "preparing_for_adulthood._schema",
    ),
    "wrong_type": (c.IdentifyNeedSchema, {**NEED, "description": 42}, "description"),
    "unknown_area": (c.IdentifyNeedSchema, {**NEED, "area": "behaviour"}, "area"),
    "long_text_over_4000": (c.IdentifyNeedSchema, {**NEED, "description": LONG}, "description"),
    "need_reopened_by_patch": (c.ReviseNeedSchema, {"status": "open"}, "status"),
    "patch_with_only_occurred_at": (
        c.ReviseNeedSchema,
        {"occurred_at": in_seconds(-60)},
        "_schema",
    ),
    "non_uuid_id": (c.RecordViewSchema, {**VIEW, "participant_id": "p-1"}, "participant_id"),
    "unknown_view_owner": (c.RecordViewSchema, {**VIEW, "whose": "teacher"}, "whose"),
    "empty_outcome_patch": (c.ReviseOutcomeSchema, {}, "_schema"),
    "outcome_status_resolved": (c.ReviseOutcomeSchema, {"status": "resolved"}, "status"),
    "end_date_before_start_date": (
        c.AgreeProvisionSchema,
        {**PROVISION, "end_date": "2026-01-04"},
        "end_date",
    ),
    "patched_end_before_start": (
        c.ReviseProvisionSchema,
        {"start_date": "2026-02-02", "end_date": "2026-02-01"},
        "end_date",
    ),
    "provision_for_no_outcome": (
        c.AgreeProvisionSchema,
        {**PROVISION, "outcome_ids": []},
        "outcome_ids",
    ),
    "over_100_outcome_ids": (
        c.AgreeProvisionSchema,
        {**PROVISION, "outcome_ids": [O1] * 101},
        "outcome_ids",
    ),
    "group_size_over_100": (c.AgreeProvisionSchema, {**PROVISION, "group_size": 101}, "group_size"),
    "fractional_minutes": (
        c.AgreeProvisionSchema,
        {**PROVISION, "minutes_per_session": 20.5},
        "minutes_per_session",
    ),
    "negative_cost": (c.AgreeProvisionSchema, {**PROVISION, "weekly_cost": "-1"}, "weekly_cost"),
    "cost_in_fractions_of_a_penny": (
        c.AgreeProvisionSchema,
        {**PROVISION, "weekly_cost": "1.005"},
        "weekly_cost",
    ),
    "provision_status_active": (c.ReviseProvisionSchema, {"status": "active"}, "status"),
    "review_date_missing": (c.ScheduleReviewSchema, {}, "review_date"),
    "agreement_by_nobody": (c.AgreePlanSchema, {"agreed_by": [], "method": "phone"}, "agreed_by"),
    "agreement_by_same_person_twice": (
        c.AgreePlanSchema,
        {"agreed_by": [P1, P1], "method": "phone"},
        "agreed_by",
    ),
    "unknown_agreement_method": (
        c.AgreePlanSchema,
        {"agreed_by": [P1], "method": "text"},
        "method",
    ),
    "unknown_stage": (c.TransitionStageSchema, {"to": "monitor"}, "to"),
    "review_held_in_future": (c.RecordReviewSchema, {**REVIEW, "held_on": "2999-01-01"}, "held_on"),
    "review_without_attendees": (c.RecordReviewSchema, {**REVIEW, "attendees": []}, "attendees"),
    "unknown_rating": (
        c.RecordReviewSchema,
        {**REVIEW, "progress": [{"outcome_id": O1, "rating": "great"}]},
        "progress.0.rating",
    ),
    "unknown_decision": (c.RecordReviewSchema, {**REVIEW, "decision": "pause"}, "decision"),
    "unknown_closure_reason": (c.ClosePlanSchema, {"reason": "bored"}, "reason"),
    "reopening_without_reason": (c.ReopenPlanSchema, {"note": "Back"}, "reason"),
    "correction_of_version_0": (
        c.CorrectEntrySchema,
        {**CORRECTION, "event_version": 0},
        "event_version",
    ),
    "correction_changing_nothing": (c.CorrectEntrySchema, {**CORRECTION, "changes": {}}, "changes"),
    "correction_of_21_fields": (
        c.CorrectEntrySchema,
        {**CORRECTION, "changes": {f"f{i}": i for i in range(21)}},
        "changes",
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_bad_body_is_refused_naming_the_field(case: str) -> None:
    schema, body, path = REFUSALS[case]
    messages: Any = refusal(schema, body)
    for key in path.split("."):
        messages = messages[int(key) if key.isdigit() else key]
    assert messages


def test_occurred_at_a_few_seconds_ahead_is_tolerated_as_clock_skew() -> None:
    c.AddParticipantSchema().load({**PARTICIPANT, "occurred_at": in_seconds(2)})


def test_participant_has_no_parental_responsibility_unless_said() -> None:
    loaded = c.AddParticipantSchema().load({"name": "Kim", "role": "senco"})
    assert loaded["has_parental_responsibility"] is False


def test_weekly_cost_loads_as_an_exact_decimal() -> None:
    assert c.AgreeProvisionSchema().load(PROVISION)["weekly_cost"] == Decimal("12.50")


def test_query_defaults() -> None:
    assert c.HistoryQuerySchema().load({}) == {"limit": 100}
    assert c.EventFeedQuerySchema().load({}) == {"after": 0, "limit": 100}


@pytest.mark.parametrize(
    "schema, query, field",
    [
        (c.HistoryQuerySchema, {"limit": "0"}, "limit"),
        (c.HistoryQuerySchema, {"limit": "201"}, "limit"),
        (c.HistoryQuerySchema, {"cursor": ""}, "cursor"),
        (c.EventFeedQuerySchema, {"limit": "1001"}, "limit"),
        (c.EventFeedQuerySchema, {"after": "-1"}, "after"),
        (c.EventFeedQuerySchema, {"after": "ten"}, "after"),
        (c.EventFeedQuerySchema, {"offset": "5"}, "offset"),
        (c.PlanReadQuerySchema, {"as_of": "2026-01-05T10:00:00"}, "as_of"),
    ],
)
def test_a_bad_query_is_refused(schema: type[Schema], query: dict[str, str], field: str) -> None:
    assert field in refusal(schema, query)


def test_query_limits_accept_their_maximum() -> None:
    assert c.HistoryQuerySchema().load({"limit": "200"})["limit"] == 200
    assert c.EventFeedQuerySchema().load({"after": "7", "limit": "1000"})["limit"] == 1000


def test_plan_dumps_from_objects_with_cost_as_a_string() -> None:
    provision = SimpleNamespace(id=O1, weekly_cost=Decimal("12.5"), end_date=None, corrected=None)
    plan = SimpleNamespace(id=P1, version=4, status="open", provisions=[provision], closure=None)
    dumped = c.PlanSchema().dump(plan)
    assert dumped["provisions"][0] == {
        "id": O1,
        "weekly_cost": "12.50",
        "end_date": None,
        "corrected": None,
    }
    assert dumped["closure"] is None


def test_history_page_dumps_from_dicts() -> None:
    at = datetime(2026, 1, 5, 10, tzinfo=UTC)
    item = {
        "event_id": P2,
        "version": 1,
        "actor": {"id": "u1", "name": "Kim", "role": "senco"},
        "occurred_at": at,
        "payload": {"area": "sensory_and_physical"},
    }
    dumped = c.HistoryPageSchema().dump({"items": [item], "next_cursor": None})
    assert dumped["items"][0]["occurred_at"] == "2026-01-05T10:00:00+00:00"
    assert dumped["next_cursor"] is None


def test_contracts_import_only_marshmallow_and_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"marshmallow", "contracts", "__future__"}
    for module in Path(c.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                )
                assert {str(n).split(".")[0] for n in names} <= allowed, module.name


def test_every_schema_has_its_own_openapi_component() -> None:
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    spec = APISpec("contracts", "1", "3.0.3", plugins=[MarshmallowPlugin()])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for schema in c.REQUEST_BODY_SCHEMAS + c.QUERY_SCHEMAS + c.RESPONSE_SCHEMAS:
            spec.components.schema(schema.__name__.removesuffix("Schema"), schema=schema)
    bases = {"StrictSchema", "WriteSchema", "PartialSchema", "PatchSchema"}
    public = {n.removesuffix("Schema") for n in c.__all__ if n.endswith("Schema")} - {
        b.removesuffix("Schema") for b in bases
    }
    assert set(spec.to_dict()["components"]["schemas"]) == public

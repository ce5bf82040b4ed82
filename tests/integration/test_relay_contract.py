"""The Kafka contract is one contract: the AsyncAPI document, the marshmallow message schemas,
the golden example messages and the relay's own message builder all say the same thing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import pytest
import yaml
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as JsonSchemaError
from marshmallow import Schema
from marshmallow import ValidationError as MarshmallowError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import contracts.messages as m
from domain.events import EVENT_TYPES, PlanOpened, StageTransitioned, event_id
from domain.values import Actor
from services.relay_messages import SettingRefs, Topics, messages_for

ROOT = Path(__file__).resolve().parents[2]
ASYNCAPI = yaml.safe_load((ROOT / "contracts" / "asyncapi.yaml").read_text())
GOLDEN = sorted((ROOT / "tests" / "golden" / "kafka").glob("*.json"))
DOC_URI = "urn:oneplan:asyncapi"
E = TypeVar("E")
REGISTRY = Registry().with_resource(
    DOC_URI, Resource.from_contents(ASYNCAPI, default_specification=DRAFT202012)
)

#: topic → (marshmallow schema, AsyncAPI payload schema, AsyncAPI headers schema)
TOPICS: dict[str, tuple[type[Schema], str, str]] = {
    m.STAGE_TRANSITIONS_TOPIC: (
        m.StageTransitionMessageSchema,
        "StageTransitionMessage",
        "StageTransitionHeaders",
    ),
    m.PLAN_EVENTS_TOPIC: (m.PlanEventMessageSchema, "PlanEventMessage", "PlanEventHeaders"),
}
COMPARED_KEYWORDS = ("type", "format", "enum", "minimum", "minLength", "maxLength")


def asyncapi_validator(schema_name: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"{DOC_URI}#/components/schemas/{schema_name}"},
        registry=REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def resolved(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    node: Any = ASYNCAPI
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return resolved(node)


def as_json_schema(schema: type[Schema]) -> dict[str, Any]:
    spec = APISpec("messages", "1", "3.1.0", plugins=[MarshmallowPlugin()])
    spec.components.schema("Message", schema=schema)
    converted: dict[str, Any] = spec.to_dict()["components"]["schemas"]["Message"]
    return converted


def golden(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def asyncapi_examples() -> list[tuple[str, dict[str, Any]]]:
    channels = {c["address"]: c for c in ASYNCAPI["channels"].values()}
    found = []
    for topic, channel in channels.items():
        for message in channel["messages"].values():
            for example in resolved(message)["examples"]:
                found.append((topic, example))
    return found


# ---- the AsyncAPI document and the marshmallow schemas agree ---------------------------------


def test_asyncapi_describes_both_topics_by_their_contract_names() -> None:
    addresses = {c["address"] for c in ASYNCAPI["channels"].values()}
    assert ASYNCAPI["asyncapi"].startswith("3.0")
    assert addresses == {m.STAGE_TRANSITIONS_TOPIC, m.PLAN_EVENTS_TOPIC}
    sent = {
        op["channel"]["$ref"] for op in ASYNCAPI["operations"].values() if op["action"] == "send"
    }
    assert sent == {f"#/channels/{name}" for name in ASYNCAPI["channels"]}


@pytest.mark.parametrize("topic", TOPICS)
def test_asyncapi_payload_and_marshmallow_schema_have_the_same_fields_types_and_rules(
    topic: str,
) -> None:
    schema, payload_name, _ = TOPICS[topic]
    documented = ASYNCAPI["components"]["schemas"][payload_name]
    derived = as_json_schema(schema)

    assert set(documented["properties"]) == set(derived["properties"])
    assert set(documented["required"]) == set(derived["required"])
    assert documented["additionalProperties"] is derived["additionalProperties"] is False
    for name, prop in derived["properties"].items():
        doc = resolved(documented["properties"][name])
        for keyword in COMPARED_KEYWORDS:
            assert doc.get(keyword) == prop.get(keyword), f"{payload_name}.{name}: {keyword}"


def test_the_message_headers_are_the_cloudevents_binary_mode_set() -> None:
    headers = ASYNCAPI["components"]["schemas"]["CloudEventsHeaders"]
    assert tuple(headers["required"]) == m.HEADER_NAMES
    stage = ASYNCAPI["components"]["schemas"]["StageTransitionHeaders"]["allOf"][1]["properties"]
    plan = ASYNCAPI["components"]["schemas"]["PlanEventHeaders"]["allOf"][1]["properties"]
    assert (stage["ce_source"]["const"], stage["ce_type"]["const"]) == (
        m.STAGE_TRANSITIONS_SOURCE,
        m.STAGE_TRANSITION_TYPE,
    )
    assert (plan["ce_source"]["const"], plan["ce_type"]["const"]) == (
        m.PLAN_EVENTS_SOURCE,
        m.PLAN_EVENT_TYPE,
    )


def test_the_event_type_catalogue_is_the_domains() -> None:
    assert tuple(t.__name__ for t in EVENT_TYPES) == m.EVENT_TYPES


# ---- golden messages validate against both -------------------------------------------------


def all_examples() -> list[tuple[str, str, dict[str, Any]]]:
    goldens = [(p.name, golden(p)["topic"], golden(p)) for p in GOLDEN]
    documented = [(f"asyncapi:{e['name']}", t, e) for t, e in asyncapi_examples()]
    return [(name, topic, example) for name, topic, example in goldens + documented]


@pytest.mark.parametrize(("name", "topic", "example"), all_examples(), ids=lambda v: str(v)[:40])
def test_golden_and_documented_examples_validate_against_asyncapi_and_marshmallow(
    name: str, topic: str, example: dict[str, Any]
) -> None:
    schema, payload_name, headers_name = TOPICS[topic]
    asyncapi_validator(payload_name).validate(example["payload"])
    asyncapi_validator(headers_name).validate(example["headers"])
    schema().load(example["payload"])
    plan_id = UUID(example["payload"]["plan_id"])
    assert example["headers"]["ce_subject"] == str(plan_id)
    assert example["headers"]["ce_id"] == str(event_id(plan_id, example["payload"]["plan_version"]))
    assert example["headers"]["ce_time"] == example["payload"]["recorded_at"]


def test_there_are_golden_messages_for_both_topics() -> None:
    assert {golden(p)["topic"] for p in GOLDEN} == set(TOPICS)


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize(
    "change",
    [
        {"child_name": "Zebedee"},
        {"plan_id": "not-a-uuid"},
        {"plan_version": 0},
        {"recorded_at": "2026-03-18T14:05:09"},  # no offset
        {"plan_version": "24"},
    ],
    ids=["extra field", "bad uuid", "version 0", "naive time", "string number"],
)
def test_both_schemas_refuse_the_same_bad_payloads(topic: str, change: dict[str, Any]) -> None:
    schema, payload_name, _ = TOPICS[topic]
    example = next(golden(p) for p in GOLDEN if golden(p)["topic"] == topic)
    bad = {**example["payload"], **change}
    with pytest.raises(JsonSchemaError):
        asyncapi_validator(payload_name).validate(bad)
    with pytest.raises(MarshmallowError):
        schema().load(bad)


# ---- the relay builds exactly the golden messages ------------------------------------------


def as_read_from_the_store(cls: type[E], **state: Any) -> E:
    """An event as the library's mapper rebuilds it from a stored record: its state, no more
    (so the test does not depend on fields the relay never reads, like the digests)."""
    event = object.__new__(cls)
    object.__setattr__(event, "__dict__", state)
    return event


def test_the_relay_builds_the_golden_messages_from_the_events_they_describe() -> None:
    plan_id = UUID("3f1c2b9a-6d4e-4f5a-9b8c-7d6e5f4a3b2c")
    transition = as_read_from_the_store(
        StageTransitioned,
        originator_id=plan_id,
        originator_version=24,
        timestamp=datetime.fromisoformat("2026-03-18T14:05:09.412233+00:00"),
        actor=Actor("user-7", "Sam Senco", "senco"),
        occurred_at=datetime.fromisoformat("2026-03-18T10:30:00+00:00"),
        from_stage="review",
        to_stage="assess",
        cycle=2,
        reason="Reviewed with the family",
        hash="9f2b6c1d0e3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
    )
    opened = as_read_from_the_store(
        PlanOpened,
        originator_id=UUID("9d2e4f60-1a3b-4c5d-8e7f-0a1b2c3d4e5f"),
        originator_version=1,
        timestamp=datetime.fromisoformat("2026-01-05T08:59:12.000401+00:00"),
        originator_topic="domain.plan:OnePlan",
        actor=Actor("user-7", "Sam Senco", "senco"),
        occurred_at=datetime.fromisoformat("2026-01-05T08:45:00+01:00"),
        child={"ref": "C-1", "name": "Zebedee", "date_of_birth": "2021-03-04"},
        setting={"ref": "URN-1", "name": "Oak", "phase": "early_years"},
    )
    refs = SettingRefs(lambda plan, version: "URN-115294")
    built = messages_for(transition, 5120, refs, Topics()) + messages_for(opened, 1, refs, Topics())

    as_examples = sorted(
        (
            {
                "topic": b.topic,
                "key": b.key.decode(),
                "headers": {k: v.decode() for k, v in b.headers},
                "payload": json.loads(b.value),
            }
            for b in built
        ),
        key=json.dumps,
    )
    assert as_examples == sorted((golden(p) for p in GOLDEN), key=json.dumps)
    assert [name for name, _ in built[0].headers] == list(m.HEADER_NAMES)

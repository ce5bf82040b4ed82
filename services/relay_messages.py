"""How one recorded plan event becomes Kafka messages: key, payload and CloudEvents headers.

Pure functions, no I/O: the relay feeds them events in the notification log's order. The
payloads are exactly the v1 contract's (`contracts.messages`); nothing else of the event —
no names, dates of birth, needs, views, outcomes, provision or free text — is read here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from contracts.messages import (
    CONTENT_TYPE,
    PLAN_EVENT_TYPE,
    PLAN_EVENTS_SOURCE,
    PLAN_EVENTS_TOPIC,
    STAGE_TRANSITION_TYPE,
    STAGE_TRANSITIONS_SOURCE,
    STAGE_TRANSITIONS_TOPIC,
)
from domain.events import (
    EntryCorrected,
    PlanEvent,
    PlanOpened,
    StageTransitioned,
    event_id,
)

Header = tuple[str, bytes]


@dataclass(frozen=True)
class Topics:
    """Where the relay publishes; the contract's names unless a test isolates itself."""

    stage_transitions: str = STAGE_TRANSITIONS_TOPIC
    plan_events: str = PLAN_EVENTS_TOPIC

    def names(self) -> tuple[str, str]:
        return (self.stage_transitions, self.plan_events)


@dataclass(frozen=True)
class OutgoingMessage:
    topic: str
    key: bytes
    value: bytes
    headers: list[Header]


class SettingRefs:
    """Each plan's setting ref as of the latest event the relay has read.

    Filled from PlanOpened and from corrections of it, so a batch needs no store reads; a
    plan first met mid-log (the relay started part-way) is looked up at that event's version.
    Cleared whenever the relay rewinds, so a redelivered message carries the same ref.
    """

    def __init__(self, lookup: Callable[[UUID, int], str]) -> None:
        self._lookup = lookup
        self._refs: dict[UUID, str] = {}

    def observe(self, event: PlanEvent | PlanOpened) -> None:
        if isinstance(event, PlanOpened):
            self._refs[event.originator_id] = str(event.setting["ref"])
        elif isinstance(event, EntryCorrected) and event.corrected_event_type == "PlanOpened":
            setting = event.changes.get("setting")
            if isinstance(setting, dict) and "ref" in setting and event.originator_id in self._refs:
                self._refs[event.originator_id] = str(setting["ref"])

    def ref_of(self, event: PlanEvent) -> str:
        plan_id = event.originator_id
        if plan_id not in self._refs:
            self._refs[plan_id] = self._lookup(plan_id, event.originator_version)
        return self._refs[plan_id]

    def clear(self) -> None:
        self._refs.clear()


def messages_for(
    event: PlanEvent | PlanOpened, position: int, refs: SettingRefs, topics: Topics
) -> list[OutgoingMessage]:
    """The thin plan-event message for every event, plus a stage-transition message for a
    StageTransitioned. `refs` must already have observed every earlier event of the log.

    The CloudEvents id is the domain's `event_id(plan id, version)`, so every delivery of an
    event, on either topic, carries the same id.
    """
    plan_id = str(event.originator_id)
    recorded_at = event.timestamp.isoformat()
    occurred_at = event.occurred_at.isoformat()
    key = plan_id.encode()
    common: list[Header] = [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(event_id(event.originator_id, event.originator_version)).encode()),
    ]
    about: list[Header] = [
        ("ce_subject", key),
        ("ce_time", recorded_at.encode()),
        ("content-type", _CONTENT_TYPE),
    ]
    thin = {
        "plan_id": plan_id,
        "event_type": type(event).__name__,
        "plan_version": event.originator_version,
        "occurred_at": occurred_at,
        "recorded_at": recorded_at,
        "position": position,
    }
    messages = [
        OutgoingMessage(
            topics.plan_events, key, _json(thin), [*common, *_PLAN_EVENT_HEADERS, *about]
        )
    ]
    if isinstance(event, StageTransitioned):
        transition = {
            "plan_id": plan_id,
            "from_stage": event.from_stage,
            "to_stage": event.to_stage,
            "cycle": event.cycle,
            "occurred_at": occurred_at,
            "recorded_at": recorded_at,
            "plan_version": event.originator_version,
            "setting_ref": refs.ref_of(event),
            "actor_role": event.actor.role,
            # The plan's hash-chain head at this version: subscribers keep copies of it outside
            # the database, so a rewritten history cannot also rewrite theirs.
            "chain_head": event.hash,
        }
        messages.append(
            OutgoingMessage(
                topics.stage_transitions,
                key,
                _json(transition),
                [*common, *_STAGE_TRANSITION_HEADERS, *about],
            )
        )
    return messages


_CONTENT_TYPE = CONTENT_TYPE.encode()
_PLAN_EVENT_HEADERS: list[Header] = [
    ("ce_source", PLAN_EVENTS_SOURCE.encode()),
    ("ce_type", PLAN_EVENT_TYPE.encode()),
]
_STAGE_TRANSITION_HEADERS: list[Header] = [
    ("ce_source", STAGE_TRANSITIONS_SOURCE.encode()),
    ("ce_type", STAGE_TRANSITION_TYPE.encode()),
]
# One encoder for every message: json.dumps would build a new one per call for these options.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _json(payload: dict[str, Any]) -> bytes:
    return _ENCODER.encode(payload).encode()

"""The Kafka contract (v1): the two topics, their CloudEvents headers and message payloads.

Messages carry ids, stages, dates, versions and roles only — never a child's name, date of
birth, needs, views, outcomes or provision (privacy by design): consumers fetch details over
the authorised HTTP API. Payloads are closed (unknown fields are refused), so nothing can be
added to a message without changing this contract and `contracts/asyncapi.yaml` with it.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from contracts.vocabulary import STAGES

STAGE_TRANSITIONS_TOPIC = "oneplan.stage-transitions.v1"
PLAN_EVENTS_TOPIC = "oneplan.plan-events.v1"

#: CloudEvents `source` per topic: the same domain event appears on both topics under the
#: same `id`, and CloudEvents lets consumers treat equal (source, id) as duplicates.
STAGE_TRANSITIONS_SOURCE = "/oneplan-ledger/stage-transitions"
PLAN_EVENTS_SOURCE = "/oneplan-ledger/plan-events"
STAGE_TRANSITION_TYPE = "uk.gov.essex.oneplan.StageTransitioned.v1"
PLAN_EVENT_TYPE = "uk.gov.essex.oneplan.PlanEvent.v1"
CONTENT_TYPE = "application/json"

#: Every CloudEvents 1.0 binary-mode header a message carries (Kafka protocol binding).
HEADER_NAMES = (
    "ce_specversion",
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_subject",
    "ce_time",
    "content-type",
)

#: The event catalogue as `event_type` names it on `oneplan.plan-events.v1`.
EVENT_TYPES = (
    "PlanOpened",
    "ParticipantAdded",
    "ParticipantRemoved",
    "ProfileUpdated",
    "NeedIdentified",
    "NeedRevised",
    "NeedResolved",
    "ViewRecorded",
    "OutcomeAgreed",
    "OutcomeRevised",
    "ProvisionAgreed",
    "ProvisionRevised",
    "ProvisionEnded",
    "ReviewScheduled",
    "PlanAgreed",
    "StageTransitioned",
    "ReviewRecorded",
    "PlanClosed",
    "PlanReopened",
    "EntryCorrected",
)


class _MessageSchema(Schema):
    class Meta:
        unknown = RAISE


def _count(minimum: int, description: str) -> fields.Integer:
    return fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=minimum),
        metadata={"description": description},
    )


def _time(description: str) -> fields.AwareDateTime:
    return fields.AwareDateTime(required=True, metadata={"description": description})


def _stage(description: str) -> fields.String:
    return fields.String(
        required=True, validate=validate.OneOf(STAGES), metadata={"description": description}
    )


_PLAN_ID = "The plan's id; also the message key and the CloudEvents subject."
_OCCURRED_AT = "When it happened in the world (ISO 8601 with an offset)."
_RECORDED_AT = "When the ledger recorded it (ISO 8601 with an offset)."
_PLAN_VERSION = "The plan's version after this event: its ETag over HTTP."


class StageTransitionMessageSchema(_MessageSchema):
    """One message per StageTransitioned on `oneplan.stage-transitions.v1`."""

    plan_id = fields.UUID(required=True, metadata={"description": _PLAN_ID})
    from_stage = _stage("The stage the plan left.")
    to_stage = _stage("The stage the plan entered.")
    cycle = _count(1, "The plan's cycle after the transition (review → assess starts the next).")
    occurred_at = _time(_OCCURRED_AT)
    recorded_at = _time(_RECORDED_AT)
    plan_version = _count(1, _PLAN_VERSION)
    setting_ref = fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"description": "The reference of the plan's setting (e.g. its URN)."},
    )
    actor_role = fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"description": "The role of whoever moved the plan on (from their token)."},
    )
    chain_head = fields.String(
        validate=validate.Regexp(r"^[0-9a-f]{64}$"),
        metadata={
            "description": "SHA-256 (hex) of this event: the plan's hash-chain head at "
            "plan_version. Added to v1 compatibly; always sent by this ledger."
        },
    )


class PlanEventMessageSchema(_MessageSchema):
    """One thin message per event of any plan on `oneplan.plan-events.v1`."""

    plan_id = fields.UUID(required=True, metadata={"description": _PLAN_ID})
    event_type = fields.String(
        required=True,
        validate=validate.OneOf(EVENT_TYPES),
        metadata={"description": "What happened: the name of the event in the catalogue."},
    )
    plan_version = _count(1, _PLAN_VERSION)
    occurred_at = _time(_OCCURRED_AT)
    recorded_at = _time(_RECORDED_AT)
    position = _count(
        1, "The event's position in the ledger's global order (`GET /v1/events?after=`)."
    )

"""Participants, the profile, needs and views."""

from __future__ import annotations

from marshmallow import fields

from contracts.common import (
    JsonBoolean,
    PartialSchema,
    PatchSchema,
    WriteSchema,
    long_text,
    one_of,
    short_text,
)
from contracts.vocabulary import AREAS_OF_NEED, NEED_STATUS_CHANGES, PARTICIPANT_ROLES, VIEW_OWNERS


class AddParticipantSchema(WriteSchema):
    name = short_text(required=True)
    role = one_of(PARTICIPANT_ROLES, required=True)
    organisation = short_text()
    has_parental_responsibility = JsonBoolean(load_default=False)
    contact = short_text()


def _profile_text() -> fields.String:
    # An empty string clears what an earlier update said.
    return long_text(min_length=0)


class PreparingForAdulthoodPatchSchema(PartialSchema):
    employment = _profile_text()
    independent_living = _profile_text()
    community = _profile_text()
    health = _profile_text()


class UpdateProfileSchema(PatchSchema):
    aspirations = _profile_text()
    what_matters_to_me = _profile_text()
    important_for_me = _profile_text()
    strengths = _profile_text()
    what_works = _profile_text()
    what_does_not_work = _profile_text()
    communication = _profile_text()
    preparing_for_adulthood = fields.Nested(PreparingForAdulthoodPatchSchema)


class IdentifyNeedSchema(WriteSchema):
    area = one_of(AREAS_OF_NEED, required=True)
    description = long_text(required=True)


class ReviseNeedSchema(PatchSchema):
    description = long_text()
    status = one_of(NEED_STATUS_CHANGES)


class RecordViewSchema(WriteSchema):
    whose = one_of(VIEW_OWNERS, required=True)
    participant_id = fields.UUID()
    text = long_text(required=True)
    how_gathered = short_text()

"""One line a person can read for each kind of entry: "Outcome 'Uses 3-word phrases' agreed".

The audit reader may read the plans, so a summary may quote the entry's own short text (an
outcome's description); it names people only by their role, never the child or a parent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from domain import events as ev

QUOTE_MAX = 60

Summary = Callable[[Any], str]


def summary_of(event: ev.PlanEvent | ev.PlanOpened) -> str:
    """The entry in one line."""
    describe = _SUMMARIES.get(type(event))
    return describe(event) if describe else _words(type(event).__name__)


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    return f"'{text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1] + '…'}'"


def _words(value: str) -> str:
    return value.replace("_", " ")


def _fields(names: Iterable[str]) -> str:
    return ", ".join(_words(n) for n in sorted(names)) or "nothing"


def _outcome_revised(e: ev.OutcomeRevised) -> str:
    status = e.changes.get("status")
    if status and len(e.changes) == 1:
        return f"Outcome marked {_words(status)}"
    return f"Outcome revised: {_fields(e.changes)}"


def _stage(e: ev.StageTransitioned) -> str:
    moved = f"Stage moved from {e.from_stage} to {e.to_stage}"
    return f"{moved}; cycle {e.cycle} starts" if e.to_stage == "assess" else moved


_SUMMARIES: dict[type, Summary] = {
    ev.PlanOpened: lambda e: f"Plan opened at setting {e.setting['ref']}",
    ev.ParticipantAdded: lambda e: f"Participant added: {_words(e.role)}",
    ev.ParticipantRemoved: lambda e: "Participant removed",
    ev.ProfileUpdated: lambda e: f"Profile updated: {_fields(e.changes)}",
    ev.NeedIdentified: lambda e: f"Need identified: {_words(e.area)}",
    ev.NeedRevised: lambda e: f"Need revised: {_fields(e.changes)}",
    ev.NeedResolved: lambda e: "Need resolved",
    ev.ViewRecorded: lambda e: f"View of the {_words(e.whose)} recorded",
    ev.OutcomeAgreed: lambda e: f"Outcome {_quoted(e.description)} agreed",
    ev.OutcomeRevised: _outcome_revised,
    ev.ProvisionAgreed: lambda e: f"Provision {_quoted(e.description)} agreed ({e.kind})",
    ev.ProvisionRevised: lambda e: f"Provision revised: {_fields(e.changes)}",
    ev.ProvisionEnded: lambda e: f"Provision ended on {e.end_date.isoformat()}",
    ev.ReviewScheduled: lambda e: f"Review scheduled for {e.review_date.isoformat()}",
    ev.PlanAgreed: lambda e: f"Plan agreed with a parent or carer ({_words(e.method)})",
    ev.StageTransitioned: _stage,
    ev.ReviewRecorded: lambda e: (
        f"Review held on {e.held_on.isoformat()} recorded: {_words(e.decision)}"
    ),
    ev.PlanClosed: lambda e: f"Plan closed: {_words(e.reason)}",
    ev.PlanReopened: lambda e: "Plan reopened",
    ev.EntryCorrected: lambda e: (
        f"Entry {e.corrected_version} ({e.corrected_event_type}) corrected: {_fields(e.changes)}"
    ),
}

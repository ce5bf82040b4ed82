"""What changed in a plan between two moments, section by section, each change linked to the
events that made it.

Both plans are compared as the contract shows them (`present_plan`). Entries with an id
(participants, needs, views, outcomes, provisions, reviews) are matched by id and answer
added, removed or changed with the fields that differ; the profile, review date, agreement
and stage answer one change each. The events between the two moments are linked to the
change of each section and entry they touched; a correction counts for the entry it corrects.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.chain import plain
from domain.events import EntryCorrected, PlanEvent, PlanOpened, ReviewRecorded, ReviewScheduled

Event = PlanEvent | PlanOpened

ENTRY_SECTIONS = ("participants", "needs", "views", "outcomes", "provisions", "reviews")
SECTIONS = (
    "participants",
    "profile",
    "needs",
    "views",
    "outcomes",
    "provisions",
    "reviews",
    "review_date",
    "agreement",
    "stage",
)
_STAGE_FIELDS = ("stage", "cycle", "status", "closure")
#: An entity key's kind (before the colon) → the section it belongs to.
_KIND_SECTION = {
    "participant": "participants",
    "need": "needs",
    "view": "views",
    "outcome": "outcomes",
    "provision": "provisions",
    "review": "reviews",
    "profile": "profile",
    "agreement": "agreement",
    "stage": "stage",
    "closure": "stage",
}


def diff_plans(
    before: dict[str, Any] | None, after: dict[str, Any], events: Iterable[Event]
) -> dict[str, list[dict[str, Any]]]:
    """Per section, the changes from `before` (None: the plan did not exist yet) to `after`."""
    old, new = plain(before or {}), plain(after)
    touched = _touched_by(events)
    sections: dict[str, list[dict[str, Any]]] = {}
    for section in SECTIONS:
        if section in ENTRY_SECTIONS:
            changes = _entry_changes(old.get(section, []), new.get(section, []))
        else:
            changes = _whole_change(_section_value(old, section), _section_value(new, section))
        for change in changes:
            change["events"] = touched.get((section, change["id"]), [])
        sections[section] = changes
    return sections


def _section_value(plan: dict[str, Any], section: str) -> dict[str, Any] | None:
    if not plan:
        return None
    if section == "stage":
        return {name: plan.get(name) for name in _STAGE_FIELDS}
    if section == "review_date":
        return {"review_date": plan.get("review_date")}
    if section == "profile":
        return _flat(plan.get("profile") or {})
    value = plan.get(section)
    return dict(value) if value else None


def _flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, dict) and name != "corrected":
            flat.update(_flat(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def _entry_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    before = {e["id"]: e for e in old}
    after = {e["id"]: e for e in new}
    changes = []
    for entry_id in [*after, *(i for i in before if i not in after)]:
        change = _whole_change(before.get(entry_id), after.get(entry_id))
        for found in change:
            found["id"] = entry_id
        changes.extend(change)
    return changes


def _whole_change(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[dict[str, Any]]:
    if old == new:
        return []
    kind = "added" if old is None else "removed" if new is None else "changed"
    old, new = old or {}, new or {}
    fields = {
        name: {"before": old.get(name), "after": new.get(name)}
        for name in [*new, *(n for n in old if n not in new)]
        if old.get(name) != new.get(name) and name != "id"
    }
    return [{"id": None, "change": kind, "fields": fields}]


def _touched_by(events: Iterable[Event]) -> dict[tuple[str, str | None], list[dict[str, Any]]]:
    touched: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for event in events:
        for place in _places(event):
            touched.setdefault(place, []).append(event_ref(event))
    return touched


def _places(event: Event) -> list[tuple[str, str | None]]:
    """The (section, entry id) places an event changed."""
    key, event_type = event.entity_key(), type(event).__name__
    if isinstance(event, EntryCorrected):
        key, event_type = event.corrected_entity_key, event.corrected_event_type
    kind, _, ident = key.partition(":")
    places: list[tuple[str, str | None]] = []
    section = _KIND_SECTION.get(kind)
    if section is not None:
        places.append((section, ident if section in ENTRY_SECTIONS else None))
    if event_type in (ReviewScheduled.__name__, ReviewRecorded.__name__):
        places.append(("review_date", None))
    if event_type == "PlanReopened":
        places.append(("stage", None))
    return places


def event_ref(event: Event) -> dict[str, Any]:
    """An event as a change links to it."""
    return {
        "version": event.originator_version,
        "event_type": type(event).__name__,
        "actor": event.actor,
        "occurred_at": event.occurred_at,
        "recorded_at": event.timestamp,
    }

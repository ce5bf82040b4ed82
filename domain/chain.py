"""Each plan's events form a SHA-256 hash chain that still verifies after personal data is erased.

Every event carries four chain fields beside its own:

- ``digests``: for each free-text or personal value (any field named in ``PERSONAL_FIELDS``,
  at any depth, e.g. ``child.name``, ``changes.description``, ``progress.0.comment``,
  ``actor.name``), ``SHA-256(salt ‖ canonical JSON of the value)``;
- ``salts``: the random salt of each digest. Erasing a value erases its salt with it (both are
  personal: with the salt a short value such as a date of birth could be guessed from its
  digest), and leaves the digest;
- ``prev_hash``: the ``hash`` of the plan's previous event (``GENESIS`` for the opening);
- ``hash``: SHA-256 of the canonical JSON of the event's type, plan id, recorded time,
  ``prev_hash`` and its fields with every personal value replaced by its digest.

So the chain is computed over digests and non-personal fields only: it verifies whether or
not a personal value is still there. Canonical JSON: sorted keys, no spaces, UTF-8; UUIDs,
decimals, dates and times as their ISO/str forms; records (the actor) as dicts. The plan
version is deliberately not hashed: an event's place is fixed by the chain's links, so a
renumbered event shows up as a broken link (missing or inserted), not as changed content.
Pure functions, no I/O: the aggregate seals each event when it triggers it, verification
(in services) checks stored events with ``content_is_intact`` and ``links``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

#: The ``prev_hash`` of a plan's first event.
GENESIS = "0" * 64

#: The names of the fields whose values are free text or personal, wherever they appear.
PERSONAL_FIELDS = frozenset(
    {
        "name",
        "date_of_birth",
        "contact",
        "description",
        "success_criteria",
        "text",
        "how_gathered",
        "aspirations",
        "what_matters_to_me",
        "important_for_me",
        "strengths",
        "what_works",
        "what_does_not_work",
        "communication",
        "employment",
        "independent_living",
        "community",
        "health",
        "impact",
        "child_view",
        "parent_view",
        "comment",
        "note",
        "reason",
        "frequency",
        "delivered_by",
    }
)

#: The event attributes that are not the event's own content (the library's and the chain's).
CHAIN_FIELDS = frozenset({"prev_hash", "hash", "digests", "salts"})
IDENTITY_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic"}
)


def plain(value: Any) -> Any:
    """A value as JSON-ready data: the one form hashing (and nothing else) depends on."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, str):
        return str(value)  # an enum member of str becomes its plain value
    return value


def canonical(value: Any) -> bytes:
    return json.dumps(
        plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def personal_values(fields: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of every personal value that is present (not None)."""
    yield from _personal(plain(fields), "")


def _personal(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    items: Iterable[tuple[str, Any]] = ()
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    for key, child in items:
        where = f"{path}.{key}" if path else key
        if isinstance(child, dict | list):
            yield from _personal(child, where)
        elif child is not None and key in PERSONAL_FIELDS:
            yield where, child


def digest(salt: str, value: Any) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + canonical(value)).hexdigest()


def content_hash(
    event_type: str,
    plan_id: UUID,
    recorded_at: datetime,
    prev_hash: str,
    fields: Mapping[str, Any],
    digests: Mapping[str, str],
) -> str:
    """The event's own hash: its personal values stand in the hashed form as their digests."""
    sealed = {
        "type": event_type,
        "plan": str(plan_id),
        "recorded_at": recorded_at.isoformat(),
        "prev_hash": prev_hash,
        "fields": _masked(plain(fields), "", digests),
    }
    return hashlib.sha256(canonical(sealed)).hexdigest()


def _masked(value: Any, path: str, digests: Mapping[str, str]) -> Any:
    if path in digests:
        return "sha256:" + digests[path]
    if isinstance(value, dict):
        return {k: _masked(v, f"{path}.{k}" if path else k, digests) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, f"{path}.{i}", digests) for i, v in enumerate(value)]
    return value


def seal(
    event_type: str, plan_id: UUID, recorded_at: datetime, fields: Mapping[str, Any], prev_hash: str
) -> dict[str, Any]:
    """The chain fields of a new event: salted digests of its personal values and its hash."""
    salts: dict[str, str] = {}
    digests: dict[str, str] = {}
    for path, value in personal_values(fields):
        salts[path] = secrets.token_hex(16)
        digests[path] = digest(salts[path], value)
    return {
        "prev_hash": prev_hash,
        "hash": content_hash(event_type, plan_id, recorded_at, prev_hash, fields, digests),
        "digests": digests,
        "salts": salts,
    }


def own_fields(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """An event's content: its attributes less the library's identity and the chain's fields."""
    return {k: v for k, v in attributes.items() if k not in CHAIN_FIELDS | IDENTITY_FIELDS}


def content_is_intact(event_type: str, attributes: Mapping[str, Any]) -> bool:
    """Whether a stored event still hashes to its recorded ``hash``.

    A personal value that is still there must match its digest; one that was erased (set to
    None, its salt dropped) is taken on its digest. A personal value with no digest was added
    after the event was sealed.
    """
    try:
        fields = own_fields(attributes)
        digests: Mapping[str, str] = attributes["digests"]
        salts: Mapping[str, str] = attributes["salts"]
        for path, value in personal_values(fields):
            if path not in digests:
                return False
            if path in salts and digest(salts[path], value) != digests[path]:
                return False
        expected = content_hash(
            event_type,
            attributes["originator_id"],
            attributes["timestamp"],
            attributes["prev_hash"],
            fields,
            digests,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    return bool(expected == attributes["hash"])


@dataclass(frozen=True)
class Link:
    """One stored event as the chain sees it: its version, whether its content is intact,
    and the hashes it records (None where the stored event cannot be read at all)."""

    version: int
    intact: bool
    prev_hash: str | None
    hash: str | None
    witnessed: bool = True


@dataclass(frozen=True)
class ChainCheck:
    """The verdict on a plan's chain: ``problem`` is changed, missing, inserted or None."""

    ok: bool
    checked: int
    broken_at_version: int | None
    problem: str | None
    chain_head: str | None


def check_links(links: list[Link], witnessed_last: int | None = None) -> ChainCheck:
    """Walk a plan's stored events in version order; report the first place the chain breaks.

    - missing: a version is absent, or an event's ``prev_hash`` names an event that is gone;
    - inserted: an event the chain does not link through (the next one links past it), or
      one the version index (``witnessed``) never saw written;
    - changed: an event whose content no longer hashes to its ``hash``.
    ``witnessed_last`` is the last version the index saw written: fewer events is missing.
    """
    expected_prev, expected_version = GENESIS, 1
    head: str | None = None
    for i, link in enumerate(links):
        following = links[i + 1] if i + 1 < len(links) else None
        problem = _problem(link, following, expected_prev, expected_version)
        if problem is not None:
            at = (
                expected_version
                if problem == "missing" and link.version != expected_version
                else link.version
            )
            return ChainCheck(False, i, at, problem, head)
        expected_prev, expected_version, head = str(link.hash), expected_version + 1, link.hash
    if witnessed_last is not None and witnessed_last >= expected_version:
        return ChainCheck(False, len(links), expected_version, "missing", head)
    return ChainCheck(True, len(links), None, None, head)


def _problem(
    link: Link, following: Link | None, expected_prev: str, expected_version: int
) -> str | None:
    if link.version != expected_version:
        return "missing"
    if not link.witnessed:
        return "inserted"
    if link.intact and link.prev_hash == expected_prev:
        return None
    if following is not None and following.prev_hash == expected_prev:
        return "inserted"  # the chain goes on past this event: it was put in
    if not link.intact:
        return "changed"
    return "missing"  # intact, but linked to an event that is not there

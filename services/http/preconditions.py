"""Optimistic concurrency over HTTP: the plan's version is its ETag, writes need ``If-Match``.

Not flask-smorest's ``@blp.etag``: that one derives the ETag from a hash of the response body
and checks ``If-Match`` by recomputing it before the view runs, which means reading the plan
first and comparing outside the write — two writers can both pass the check. Our ETag is the
plan's version number, and the comparison happens where the event store appends the new
events at ``expected_version + 1``: an append at a version already taken fails atomically.
So the HTTP layer only has to parse the header and hand the number on.

- no ``If-Match``: **428** (RFC 6585) — every write must say which version it was based on;
- ``*``, a weak tag (``W/"3"``), a list of tags, an unquoted or non-numeric tag: **412**.
  Such a value can never match a plan's strong ETag, and RFC 9110 (13.1.1) answers a failed
  ``If-Match`` with 412; 400 would suggest the request itself could not be read;
- a well-formed tag of an older version: **412**, from the ledger's ``StaleVersion`` (see
  ``services.http.domain_errors``), with the current ``ETag`` attached.
"""

from __future__ import annotations

import re

from flask import request

from services.http.errors import abort

_STRONG_VERSION_TAG = re.compile(r'"(0|[1-9][0-9]{0,17})"')
_HOW = 'send the ETag of the plan you read, e.g. If-Match: "3"'


def format_etag(version: int) -> str:
    """The ETag of a plan at ``version``: the number in double quotes, e.g. ``"3"``."""
    return f'"{version}"'


def required_if_match() -> int:
    """The plan version the client based its write on, from ``If-Match``; 428 or 412."""
    value = request.headers.get("If-Match", "").strip()
    if not value:
        abort(428, f"If-Match required: {_HOW}.")
    match = _STRONG_VERSION_TAG.fullmatch(value)
    if match is None:
        abort(412, f"If-Match {value[:40]!r} cannot match a plan version: {_HOW}.")
    return int(match.group(1))

"""Who may call, and with which query: 401 without a valid token, 403 for a role that may not
write, 422 for a query the contract does not know. Nothing recorded changes; never a 500."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from flask import Flask

from tests.support.api import SECRET, Api, token
from tests.support.refusals import (
    assert_error_shape,
    checked_api,
    furnished_plan,
    refused,
    valid_writes,
)

UNKNOWN_ID = "6f1c1c62-3f0e-4d4c-9a43-2a2f8d1e0b7e"
NOW = int(time.time())
CLAIMS = {"sub": "user-9", "name": "Mo Mallory", "role": "senco", "iat": NOW, "exp": NOW + 3600}


@pytest.fixture
def api(app: Flask) -> Api:
    return checked_api(app)


@pytest.fixture
def ids(api: Api) -> dict[str, str]:
    return furnished_plan(api)


def _signed(secret: str = SECRET, algorithm: str = "HS256", **changes: Any) -> str:
    claims = {k: v for k, v in {**CLAIMS, **changes}.items() if v is not None}
    return jwt.encode(claims, secret, algorithm=algorithm)


def _tampered() -> str:
    header, payload, signature = token().split(".")
    claims = {**CLAIMS, "role": "admin"}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return ".".join([header, forged, signature])


AUTHORIZATIONS: dict[str, Callable[[], str | None]] = {
    "no header": lambda: None,
    "empty header": lambda: "",
    "basic scheme": lambda: "Basic dXNlcjpwYXNz",
    "token without scheme": lambda: token(),
    "other scheme": lambda: f"Token {token()}",
    "bearer without token": lambda: "Bearer",
    "bearer with spaces only": lambda: "Bearer    ",
    "two tokens": lambda: f"Bearer {token()} {token()}",
    "malformed": lambda: "Bearer not-a-jwt",
    "three garbage parts": lambda: "Bearer a.b.c",
    "not ascii": lambda: "Bearer \u00e9t\u00e9.\u00e9t\u00e9.\u00e9t\u00e9",
    "bad signature": lambda: f"Bearer {_signed(secret='another-secret-' + 'y' * 40)}",
    "tampered payload": lambda: f"Bearer {_tampered()}",
    "expired": lambda: f"Bearer {_signed(iat=NOW - 7200, exp=NOW - 3600)}",
    "not yet valid": lambda: f"Bearer {_signed(nbf=NOW + 3600)}",
    "unsigned (alg none)": lambda: f"Bearer {jwt.encode(CLAIMS, '', algorithm='none')}",
    "another algorithm": lambda: f"Bearer {_signed(secret=SECRET + 'z' * 30, algorithm='HS512')}",
    "sub missing": lambda: f"Bearer {_signed(sub=None)}",
    "name missing": lambda: f"Bearer {_signed(name=None)}",
    "role missing": lambda: f"Bearer {_signed(role=None)}",
    "exp missing": lambda: f"Bearer {_signed(exp=None)}",
    "sub empty": lambda: f"Bearer {_signed(sub='')}",
    "name blank": lambda: f"Bearer {_signed(name='   ')}",
    "role a number": lambda: f"Bearer {_signed(role=7)}",
    "exp not a number": lambda: f"Bearer {_signed(exp='tomorrow')}",
}

CALLS = {
    "read a plan": ("GET", "", None),
    "read its history": ("GET", "/history", None),
    "write a need": ("POST", "/needs", {"area": "sensory_and_physical", "description": "x"}),
    "remove a participant": ("DELETE", "/participants/{senco}", None),
}


@pytest.mark.parametrize(
    "call, authorization",
    [
        pytest.param(CALLS[call], how, id=f"{call}-{name}")
        for call in CALLS
        for name, how in AUTHORIZATIONS.items()
        if call in ("read a plan", "write a need")
        or name in ("no header", "malformed", "bad signature", "expired", "not ascii")
    ],
)
def test_a_call_without_a_valid_token_is_401(
    api: Api,
    ids: dict[str, str],
    call: tuple[str, str, Any],
    authorization: Callable[[], str | None],
) -> None:
    method, tail, body = call
    value = authorization()
    headers = {"If-Match": api.etags[ids["plan"]]}
    if value is not None:
        headers["Authorization"] = value
    response = refused(
        api,
        lambda: api.client.open(
            f"/v1/plans/{ids['plan']}{tail.format(**ids)}",
            method=method,
            json=body,
            headers=headers,
        ),
        401,
        plan_id=ids["plan"],
    )
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("authorization", ["expired", "bad signature", "no header"])
@pytest.mark.parametrize("path", ["/v1/plans", "/v1/events"])
def test_opening_a_plan_or_reading_the_feed_without_a_valid_token_is_401(
    api: Api, path: str, authorization: str
) -> None:
    value = AUTHORIZATIONS[authorization]()
    headers = {"Authorization": value} if value is not None else {}
    method = "POST" if path == "/v1/plans" else "GET"
    body = (
        {
            "child": {"ref": "c", "name": "n", "date_of_birth": "2019-01-01"},
            "setting": {"ref": "s", "name": "n", "phase": "school"},
        }
        if method == "POST"
        else None
    )
    refused(api, lambda: api.client.open(path, method=method, json=body, headers=headers), 401)


def test_a_token_for_a_role_the_ledger_does_not_know_is_403_even_to_read(
    api: Api, ids: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {_signed(role='hacker')}"}
    refused(
        api,
        lambda: api.client.get(f"/v1/plans/{ids['plan']}", headers=headers),
        403,
        plan_id=ids["plan"],
    )


# ---- read-only roles ----------------------------------------------------------------------

READ_ONLY = ["inspector", "parent_carer"]


@pytest.mark.parametrize("role", READ_ONLY)
@pytest.mark.parametrize(
    "endpoint",
    list(
        valid_writes({k: UNKNOWN_ID for k in ("need", "outcome", "provision", "parent", "senco")})
    ),
)
def test_a_read_only_role_writing_is_403(
    api: Api, ids: dict[str, str], role: str, endpoint: str
) -> None:
    method, path, body = valid_writes(ids)[endpoint]
    reader = Api(api.client, role=role, etags=api.etags)
    response = refused(
        api, lambda: reader.write(method, ids["plan"], path, body), 403, plan_id=ids["plan"]
    )
    assert role in assert_error_shape(response)["message"]


@pytest.mark.parametrize("role", READ_ONLY)
def test_a_read_only_role_may_not_open_a_plan(api: Api, role: str) -> None:
    reader = Api(api.client, role=role)
    body = {
        "child": {"ref": "c", "name": "n", "date_of_birth": "2019-01-01"},
        "setting": {"ref": "s", "name": "n", "phase": "school"},
    }
    refused(api, lambda: reader.client.post("/v1/plans", json=body, headers=reader.headers()), 403)


@pytest.mark.parametrize("role", READ_ONLY)
def test_a_read_only_role_is_403_before_any_check_of_the_request(
    api: Api, ids: dict[str, str], role: str
) -> None:
    reader = Api(api.client, role=role)
    refused(
        api,
        lambda: reader.client.post(
            f"/v1/plans/{ids['plan']}/needs",
            data="{not json",
            content_type="application/json",
            headers=reader.headers(),
        ),
        403,
        plan_id=ids["plan"],
    )


@pytest.mark.parametrize("role", READ_ONLY)
def test_a_read_only_role_reads_the_plan_its_history_and_the_feed(
    api: Api, ids: dict[str, str], role: str
) -> None:
    reader = Api(api.client, role=role)
    plan = reader.get(f"/v1/plans/{ids['plan']}")
    assert plan.status_code == 200 and plan.json["id"] == ids["plan"]
    assert plan.headers["ETag"] == api.etags[ids["plan"]]
    as_of = reader.get(f"/v1/plans/{ids['plan']}?as_of=2999-01-01T00:00:00%2B00:00")
    assert as_of.status_code == 200 and as_of.json == plan.json
    history = reader.get(f"/v1/plans/{ids['plan']}/history")
    assert history.status_code == 200 and len(history.json["items"]) == plan.json["version"]
    feed = reader.get("/v1/events")
    assert feed.status_code == 200 and len(feed.json["items"]) >= plan.json["version"]


def test_service_endpoints_need_no_token(api: Api) -> None:
    for path in ("/healthz", "/readyz", "/openapi.json"):
        assert api.client.get(path).status_code == 200, path


# ---- queries ------------------------------------------------------------------------------


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


PLAN_QUERIES = {
    "unknown parameter": ("?include=everything", None),
    "as_of in words": ("?as_of=yesterday", "as_of"),
    "as_of naive": ("?as_of=2026-01-01T00:00:00", "as_of"),
    "as_of impossible": ("?as_of=2026-02-30T00:00:00%2B00:00", "as_of"),
    "as_of a date only": ("?as_of=2026-01-01", "as_of"),
    "as_of with an unencoded plus": ("?as_of=2026-01-01T00:00:00+00:00", "as_of"),
    "as_of empty": ("?as_of=", "as_of"),
    "as_of a number": ("?as_of=1700000000", "as_of"),
    "valid_at in words": ("?valid_at=last+term", "valid_at"),
    "valid_at naive": ("?valid_at=2026-01-01T00:00:00", "valid_at"),
    "valid_at impossible": ("?valid_at=2026-02-30T00:00:00%2B00:00", "valid_at"),
    "valid_at good, as_of naive": (
        "?valid_at=2026-01-01T00:00:00%2B00:00&as_of=2026-01-01T00:00:00",
        "as_of",
    ),
}


@pytest.mark.parametrize("query, field", PLAN_QUERIES.values(), ids=PLAN_QUERIES.keys())
def test_a_plan_read_with_a_bad_query_is_422(
    api: Api, ids: dict[str, str], query: str, field: str | None
) -> None:
    refused(
        api,
        lambda: api.get(f"/v1/plans/{ids['plan']}{query}"),
        422,
        plan_id=ids["plan"],
        fields=[field] if field else [],
    )


HISTORY_QUERIES = {
    "unknown parameter": "?page=2",
    "limit over 200": "?limit=201",
    "limit zero": "?limit=0",
    "limit negative": "?limit=-1",
    "limit a word": "?limit=all",
    "limit a fraction": "?limit=1.5",
    "limit huge": "?limit=99999999999999999999999999",
    "cursor forged": "?cursor=bm90LWEtY3Vyc29y",
    "cursor not base64": "?cursor=%%%%",
    "cursor empty": "?cursor=",
    "cursor too long": "?cursor=" + "A" * 501,
    "cursor of another plan": "?cursor=" + _cursor(f"h1:{UNKNOWN_ID}:1"),
    "cursor with another tag": "?cursor={tag}",
    "cursor with a negative version": "?cursor={negative}",
    "cursor with a word for version": "?cursor={word}",
    "cursor of the feed": "?cursor=3",
    "cursor past the largest stored version": "?cursor={huge}",
}


@pytest.mark.parametrize("query", HISTORY_QUERIES.values(), ids=HISTORY_QUERIES.keys())
def test_a_history_read_with_a_bad_query_is_422(api: Api, ids: dict[str, str], query: str) -> None:
    plan_id = ids["plan"]
    query = query.format(
        tag=_cursor(f"h2:{plan_id}:1"),
        negative=_cursor(f"h1:{plan_id}:-1"),
        word=_cursor(f"h1:{plan_id}:one"),
        huge=_cursor(f"h1:{plan_id}:{2**63}"),
    )
    refused(api, lambda: api.get(f"/v1/plans/{plan_id}/history{query}"), 422, plan_id=plan_id)


def test_a_history_cursor_it_gave_out_works(api: Api, ids: dict[str, str]) -> None:
    first = api.get(f"/v1/plans/{ids['plan']}/history?limit=2").json
    assert first["next_cursor"]
    second = api.get(f"/v1/plans/{ids['plan']}/history?limit=2&cursor={first['next_cursor']}")
    assert second.status_code == 200
    assert [i["version"] for i in second.json["items"]] == [3, 4]


FEED_QUERIES = {
    "unknown parameter": "?plan_id=" + UNKNOWN_ID,
    "a cursor parameter": "?cursor=abc",
    "limit over 1000": "?limit=1001",
    "limit zero": "?limit=0",
    "limit a word": "?limit=many",
    "after negative": "?after=-1",
    "after a word": "?after=start",
    "after huge": "?after=99999999999999999999999999",
    "after past the largest stored position": f"?after={2**63}",
    "after a fraction": "?after=1.5",
}


@pytest.mark.parametrize("query", FEED_QUERIES.values(), ids=FEED_QUERIES.keys())
def test_a_feed_read_with_a_bad_query_is_422(api: Api, ids: dict[str, str], query: str) -> None:
    refused(api, lambda: api.get(f"/v1/events{query}"), 422, plan_id=ids["plan"])


@pytest.mark.parametrize("path", ["/v1/events?limit=1000", "/v1/plans/{plan}/history?limit=200"])
def test_the_largest_limits_are_accepted(api: Api, ids: dict[str, str], path: str) -> None:
    assert api.get(path.format(**ids)).status_code == 200


def test_the_largest_stored_position_and_version_read_as_empty_pages(
    api: Api, ids: dict[str, str]
) -> None:
    feed = api.get(f"/v1/events?after={2**63 - 1}")
    assert (feed.status_code, feed.json) == (200, {"items": [], "next_cursor": None})
    cursor = _cursor(f"h1:{ids['plan']}:{2**63 - 1}")
    history = api.get(f"/v1/plans/{ids['plan']}/history?cursor={cursor}")
    assert (history.status_code, history.json) == (200, {"items": [], "next_cursor": None})

"""The checked-in OpenAPI document is the one the app serves."""

from __future__ import annotations

import json

from services.http.spec import CHECKED_IN, served_spec


def test_checked_in_openapi_matches_the_served_spec() -> None:
    checked_in = json.loads(CHECKED_IN.read_text())
    assert checked_in == served_spec(), (
        "contracts/openapi.json is stale: regenerate it with `python -m services.http.spec`"
    )


def test_every_v1_path_of_this_issue_is_documented() -> None:
    paths = served_spec()["paths"]
    for path in (
        "/v1/plans",
        "/v1/plans/{plan_id}",
        "/v1/plans/{plan_id}/participants/{participant_id}",
        "/v1/plans/{plan_id}/corrections",
        "/v1/plans/{plan_id}/history",
        "/v1/events",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path

"""A small client for the v1 API in tests: tokens, If-Match and JSON handled once, here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient

from services.http.auth import mint_token

SECRET = "test-secret-" + "x" * 40

CHILD = {"ref": "C-0001", "name": "Ada Lovelace", "date_of_birth": "2019-05-04"}
SETTING = {"ref": "URN-100001", "name": "Sunflower Primary", "phase": "school"}


def token(
    role: str = "senco", sub: str = "user-1", name: str = "Sam Senco", ttl: int = 3600
) -> str:
    return mint_token(SECRET, sub, name, role, ttl)


@dataclass
class Api:
    """Calls the API as one caller; `write` sends the plan's current ETag unless told otherwise."""

    client: FlaskClient
    role: str = "senco"
    etags: dict[str, str] = field(default_factory=dict)

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(self.role)}", **extra}

    def open_plan(self, **overrides: Any) -> dict[str, Any]:
        body = {"child": dict(CHILD), "setting": dict(SETTING), **overrides}
        response = self.client.post("/v1/plans", json=body, headers=self.headers())
        assert response.status_code == 201, response.json
        plan: dict[str, Any] = response.get_json()
        self.etags[plan["id"]] = response.headers["ETag"]
        return plan

    def get(self, path: str, **headers: str) -> Any:
        return self.client.get(path, headers=self.headers(**headers))

    def write(
        self, method: str, plan_id: str, path: str, body: Any = None, *, if_match: str | None = None
    ) -> Any:
        etag = if_match if if_match is not None else self.etags.get(plan_id)
        headers = self.headers(**({"If-Match": etag} if etag else {}))
        response = self.client.open(
            f"/v1/plans/{plan_id}{path}", method=method, json=body, headers=headers
        )
        if response.status_code < 300:
            self.etags[plan_id] = response.headers["ETag"]
        return response

    def ok(self, method: str, plan_id: str, path: str, body: Any = None) -> dict[str, Any]:
        """A write that must succeed; answers the plan."""
        response = self.write(method, plan_id, path, body)
        assert response.status_code in (200, 201), (response.status_code, response.json)
        return response.json

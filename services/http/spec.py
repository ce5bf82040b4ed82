"""The OpenAPI document, as the app serves it. `python -m services.http.spec` rewrites the
checked-in copy at contracts/openapi.json (a test fails when the two differ)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, cast

from services.config import Config
from services.http.app import create_app

CHECKED_IN = Path(__file__).resolve().parents[2] / "contracts" / "openapi.json"


def served_spec() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data_dir:
        config = Config(data_dir=Path(data_dir), database_url=None, jwt_secret="spec-only")
        app = create_app(config)
        spec = cast(dict[str, Any], app.test_client().get("/openapi.json").json)
        app.extensions["oneplan.ledger"].close()
        return spec


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    CHECKED_IN.write_text(render(served_spec()))
    print(f"wrote {CHECKED_IN}")

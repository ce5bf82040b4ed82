"""``/openapi.json`` and Swagger UI at ``/docs``, with no request leaving the network.

flask-smorest renders the Swagger UI page; its scripts and stylesheet come from the
``swagger-ui-bundle-v2`` package (Swagger UI 5, which also renders OpenAPI 3.1) and are served
by this app under ``/docs/static/``. The online validator badge is switched off: it would make
the browser call validator.swagger.io.

Wiring, in the app factory — before the ``Api`` is created, since ``Api.init_app`` reads the
``OPENAPI_*`` keys::

    configure_docs(app)
    api = OnePlanApi(app)

Keys already in ``app.config`` win, so a deployment can still move or switch off the docs.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, send_from_directory
from swagger_ui_bundle import swagger_ui_path

SWAGGER_UI_STATIC_URL = "/docs/static/"
# Only what flask-smorest's page loads; the package's demo index.html points at a remote spec.
SWAGGER_UI_FILES = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"}
)
_ONE_DAY = 24 * 60 * 60

BEARER_SECURITY_SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def docs_config() -> dict[str, Any]:
    """The flask-smorest keys that serve the spec and Swagger UI from this app alone."""
    return {
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": SWAGGER_UI_STATIC_URL,
        "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None, "persistAuthorization": True},
    }


def configure_docs(app: Flask) -> None:
    """Set the docs keys (unless already set) and serve the Swagger UI assets."""
    for key, value in docs_config().items():
        app.config.setdefault(key, value)
    app.register_blueprint(_swagger_ui_assets())


def add_bearer_security(spec: Any) -> None:
    """Declare the bearer JWT in the spec, so Swagger UI's Authorize button can send it.

    Call with ``api.spec`` after creating the Api; applies to every operation.
    """
    spec.components.security_scheme("bearerAuth", BEARER_SECURITY_SCHEME)
    spec.options.setdefault("security", [{"bearerAuth": []}])


def _swagger_ui_assets() -> Blueprint:
    assets = Blueprint("swagger_ui_assets", __name__, url_prefix=SWAGGER_UI_STATIC_URL.rstrip("/"))
    assets.add_url_rule("/<path:filename>", "file", _send_asset, methods=["GET"])
    return assets


def _send_asset(filename: str) -> Response:
    if filename not in SWAGGER_UI_FILES:
        abort(404)
    return send_from_directory(str(swagger_ui_path), filename, max_age=_ONE_DAY)

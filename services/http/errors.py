"""One JSON shape for every error the API answers: ``{code, status, message, errors}``.

``code`` is the HTTP status code, ``status`` its reason phrase, ``message`` a sentence for a
person, ``errors`` (only when there is detail) a dict: field messages for a 422, the rule's
name for a 409 (``{"rule": "needs_identified"}``), and so on.

Raise errors with ``abort(code, message, errors=..., headers=...)`` below (flask-smorest's own
``abort`` works too: it is the same webargs function, untyped).

Wiring, in the app factory::

    api = OnePlanApi(app)          # its handle_http_exception renders the shape
    register_error_handlers(app)   # same handler on the app; order no longer matters

Uncaught exceptions are left to Flask: it logs them with their traceback
(``app.log_exception``) and hands an ``InternalServerError`` to this handler, which answers a
generic 500. Nothing of the original exception reaches the client. Under ``TESTING`` (or
``PROPAGATE_EXCEPTIONS``) Flask re-raises instead, so a crash fails the test loudly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

import flask_smorest
from flask import Flask, Response, jsonify
from webargs.flaskparser import abort as _webargs_abort
from werkzeug.exceptions import HTTPException

from contracts import ErrorSchema

INTERNAL_ERROR_MESSAGE = "Internal server error. It has been logged; please try again later."

# Where webargs says it found the invalid data; flask-smorest nests field messages under it.
_WEBARGS_LOCATIONS = frozenset(
    {"json", "query", "querystring", "form", "headers", "cookies", "files", "view_args", "path"}
)
_LOCATION_WORDING = {
    "json": "request body",
    "query": "query parameters",
    "querystring": "query parameters",
    "view_args": "path",
    "path": "path",
    "headers": "headers",
}
# Headers that belong to werkzeug's own HTML error page, not to our JSON one.
_BODY_HEADERS = frozenset({"content-type", "content-length"})


def error_body(
    code: int, status: str, message: str, errors: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The error payload; ``errors`` is left out when there is no detail to give."""
    body: dict[str, Any] = {"code": code, "status": status, "message": message}
    if errors:
        body["errors"] = dict(errors)
    return body


def abort(
    code: int,
    message: str,
    *,
    errors: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> NoReturn:
    """Stop the request with an error in the one shape (flask-smorest's ``abort``, typed)."""
    details: dict[str, Any] = {"message": message}
    if errors is not None:
        details["errors"] = errors
    if headers is not None:
        details["headers"] = headers
    _webargs_abort(code, **details)


def handle_http_exception(error: HTTPException) -> Response:
    """Render any werkzeug/flask-smorest ``HTTPException`` in the one error shape."""
    code = error.code or 500
    data: Mapping[str, Any] = getattr(error, "data", None) or {}
    errors = _errors_of(data)
    message = _message_of(error, code, data)
    response = jsonify(error_body(code, error.name, message, errors))
    response.status_code = code
    for name, value in _headers_of(error, data):
        response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    """Make every ``HTTPException`` (404 route, 405, 413, 415, aborts, 500) answer JSON."""
    app.register_error_handler(HTTPException, handle_http_exception)


class OnePlanApi(flask_smorest.Api):
    """flask-smorest's ``Api`` with our error shape.

    ``Api.init_app`` registers ``self.handle_http_exception`` for ``HTTPException``; overriding
    that method is the extension point flask-smorest documents (its ``ErrorHandlerMixin``).
    """

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Response:
        return handle_http_exception(error)


def _message_of(error: HTTPException, code: int, data: Mapping[str, Any]) -> str:
    if code == 500:
        # Whatever was put in a 500 (an exception's text, a SQL error) stays in the log.
        return INTERNAL_ERROR_MESSAGE
    if isinstance(data.get("message"), str):
        return str(data["message"])
    if "messages" in data and code == 422:
        return _validation_message(data["messages"])
    return error.description or error.name


def _validation_message(messages: Any) -> str:
    locations = set(messages) & _WEBARGS_LOCATIONS if isinstance(messages, Mapping) else set()
    if len(locations) == 1:
        where = _LOCATION_WORDING.get(locations.pop(), "request")
        return f"Invalid {where}: see errors."
    return "Invalid request: see errors."


def _errors_of(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    if "errors" in data:
        return data["errors"]  # type: ignore[no-any-return]
    if "messages" in data:
        return _field_messages(data["messages"])
    return None


def _field_messages(messages: Any) -> dict[str, Any]:
    """webargs says ``{"json": {"field": [...]}}``; clients want ``{"field": [...]}``."""
    if not isinstance(messages, Mapping):
        return {"_schema": messages}
    flat: dict[str, Any] = {}
    for key, value in messages.items():
        if key not in _WEBARGS_LOCATIONS:
            flat[key] = value
        elif isinstance(value, Mapping):
            flat.update(value)
        else:
            flat.setdefault("_schema", []).extend(value if isinstance(value, list) else [value])
    return flat


def _headers_of(error: HTTPException, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    # werkzeug's own headers carry meaning: Allow on 405, WWW-Authenticate on 401, ...
    own = [(k, v) for k, v in error.get_headers() if k.lower() not in _BODY_HEADERS]
    extra = data.get("headers") or {}
    return own + list(extra.items())

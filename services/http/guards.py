"""Checks every write body passes before a view sees it.

For a POST, PUT or PATCH that carries a body:

- ``Content-Type`` must be ``application/json`` or ``application/<something>+json``
  (parameters such as ``charset`` are fine), else **415**;
- the body must be at most ``MAX_CONTENT_LENGTH`` bytes (256 KiB unless configured), else
  **413** — also for chunked bodies without a ``Content-Length``. For those, werkzeug caps
  the stream at the limit (gunicorn and werkzeug's server set ``wsgi.input_terminated``) but
  silently *truncates* at it: ``get_data()`` returns the first 256 KiB and no error. So a body
  that fills the cap is probed for one more byte, and a byte there means 413;
- the body must be JSON, else **400** ("malformed JSON"): the request cannot even be read,
  which is what 400 means; 422 is kept for JSON that reads but says something invalid.
  JSON nested too deeply for the parser (it would raise ``RecursionError``) and strings with
  an escaped unpaired surrogate (``"\\ud800"``: not text, no store can encode it) are 400s too;
- the JSON must be an object, else **422** (every body of the contract is an object).

A request to an unknown route or with a wrong method skips these checks, so it still answers
404/405 rather than a body complaint. ``create_app`` registers the caller's identification
before these checks, so a caller without a valid token (401) or allowed role (403) is refused
before its body is read; the size limit bounds what any caller can make us parse.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

from services.http.errors import abort

MAX_BODY_BYTES = 256 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def install_request_guards(app: Flask) -> None:
    """Cap request bodies (unless ``MAX_CONTENT_LENGTH`` is set), check JSON bodies, and drop
    whatever of a body a reply left unread."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.before_request(check_json_body)
    app.wsgi_app = DrainUnreadBody(app.wsgi_app)  # type: ignore[method-assign]


class DrainUnreadBody:
    """WSGI middleware: before the reply goes out, read and drop what is left of the body.

    Many replies are decided before the body is read: 401/403 (the caller is checked first),
    413, 415. gunicorn's threaded worker keeps connections alive, and the unread rest of a
    body makes the connection readable as soon as the reply is written: a worker thread then
    discards that rest and waits, with no timeout, for a next request a kept-alive client may
    never send. The thread is pinned, and SIGTERM waits gunicorn's whole ``graceful_timeout``.
    Reading the rest *before* replying leaves nothing behind, so the connection goes back to
    gunicorn's keep-alive handling (idle ones are closed after ``keepalive`` seconds). It has to
    be before: a client that has its reply may send its next request at once, and reading after
    the reply would pull that request into gunicorn's buffer, where no one looks for it.

    Only input the server terminates (``wsgi.input_terminated``; gunicorn's always is) is read:
    there reading to the end stops at the end of this request's body. At most ``DRAIN_LIMIT``
    bytes are dropped; a longer body is left to the server, as before.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        # The reply is built but not yet written: the server writes it as it iterates it.
        reply = self.app(environ, start_response)
        _drain(environ)
        return reply


DRAIN_LIMIT = 4 * MAX_BODY_BYTES


def _drain(environ: dict[str, Any]) -> None:
    stream = environ.get("wsgi.input")
    if stream is None or not environ.get("wsgi.input_terminated"):
        return
    dropped = 0
    try:
        while dropped < DRAIN_LIMIT:
            chunk = stream.read(min(64 * 1024, DRAIN_LIMIT - dropped))
            if not chunk:
                return
            dropped += len(chunk)
    except Exception:  # noqa: BLE001 - the client went away or broke its framing: nothing to keep
        return


def check_json_body() -> None:
    """``before_request`` hook: 415, 413, 400 or 422 for a body no view should see."""
    if request.method not in BODY_METHODS or request.routing_exception is not None:
        return
    if not _announces_body():
        return
    if not request.is_json:
        abort(415, "Send the body as JSON with 'Content-Type: application/json'.")
    raw = _read_body()
    if not raw:
        return
    if not isinstance(_parse(raw), dict):
        abort(
            422,
            "The request body must be a JSON object.",
            errors={"_schema": ["The request body must be a JSON object."]},
        )


def _announces_body() -> bool:
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    return chunked or (request.content_length or 0) > 0


def _read_body() -> bytes:
    limit = request.max_content_length  # the config value, unless a view raised it
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:  # a Content-Length over the limit
        _too_large(limit)
    if limit is not None and len(raw) >= limit and _chunked_body_goes_on():
        _too_large(limit)  # werkzeug cut a chunked body short at the limit
    return raw


def _chunked_body_goes_on() -> bool:
    # Only without a Content-Length: then the server terminates wsgi.input and reading past
    # the end is safe. With one it is not (the dev server's input is the socket itself).
    return request.content_length is None and bool(request.environ["wsgi.input"].read(1))


def _too_large(limit: int | None) -> NoReturn:
    abort(413, f"The request body is larger than the limit of {limit} bytes.")


def _parse(raw: bytes) -> Any:
    try:
        parsed = json.loads(raw)
        # "\ud800" parses to a lone surrogate, which no store can encode (I-JSON forbids it).
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # before ValueError, its base class
        abort(400, "The request body is malformed JSON: it escapes an unpaired UTF-16 surrogate.")
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError alike
        abort(400, f"The request body is malformed JSON: {_where(error)}.")
    except RecursionError:  # e.g. [[[[…]]]] thousands deep: valid JSON we will not read
        abort(400, "The request body is JSON nested too deeply to read.")
    return parsed


def _where(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno}, column {error.colno}"
    return "it is not UTF-8, UTF-16 or UTF-32 text"

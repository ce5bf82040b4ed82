"""Every request gets an id: the caller's ``X-Request-ID`` when it is safe, else a new one.

The id is echoed in the response's ``X-Request-ID`` header and stamped on every log line the
request causes, so an operator can find a request in the logs from what a client saw.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
#: Short and plain: nothing a log line, a shell or a terminal could trip over.
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

log = logging.getLogger("oneplan.http")


def request_id_from(header: str | None) -> str:
    """The caller's id when it is safe to log, else a fresh one."""
    if header and SAFE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def route_template() -> str:
    """The matched route's template (``/v1/plans/<uuid:plan_id>``), never the raw path."""
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def install_request_ids(app: Flask) -> None:
    """Register first, so the id and the clock are set before any other hook can refuse."""
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.request_id = request_id_from(request.headers.get(HEADER))
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    if "request_id" not in g:  # a hook before ours refused the request
        _start()
    response.headers[HEADER] = g.request_id
    elapsed = time.perf_counter() - g.request_started
    g.request_seconds = elapsed
    log.info(
        "request",
        extra={
            "method": request.method,
            "route": route_template(),
            "status": response.status_code,
            "duration_ms": round(elapsed * 1000, 2),
        },
    )
    return response

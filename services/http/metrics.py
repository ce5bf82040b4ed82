"""``GET /metrics`` in Prometheus text format.

Counters and histograms live at module level, as prometheus_client expects: under gunicorn
(``PROMETHEUS_MULTIPROC_DIR`` set before the workers start) each worker writes its own files and
a scrape of any worker sums them all. Lags are gauges computed by the scraped worker itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    Counter,
    Histogram,
    generate_latest,
)

from services.http.request_id import route_template
from services.ledger import PlanLedger
from services.metrics import lag_gauges, scrape_registry

REQUESTS = Counter(
    "oneplan_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "oneplan_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EVENTS_APPENDED = Counter(
    "oneplan_events_appended_total", "Events appended to the ledger, by event type.", ["type"]
)
RULE_REFUSALS = Counter(
    "oneplan_rule_refusals_total", "Commands refused by a graduated-approach rule (409).", ["rule"]
)


def count_refusal(rule: str) -> None:
    RULE_REFUSALS.labels(rule=rule).inc()


def install_metrics(app: Flask) -> None:
    """Time every request, count the ledger's appended events, and serve ``/metrics``."""
    app.after_request(_observe)
    _count_appended_events(app.extensions["oneplan.ledger"])
    app.add_url_rule("/metrics", "metrics", _scrape, methods=["GET"])


def _observe(response: Response) -> Response:
    route = route_template()
    if route == "/metrics":
        return response
    started = g.get("request_started", time.perf_counter())
    LATENCY.labels(route=route, method=request.method).observe(time.perf_counter() - started)
    REQUESTS.labels(route=route, method=request.method, status=str(response.status_code)).inc()
    return response


def _count_appended_events(ledger: PlanLedger) -> None:
    """Wrap this ledger's ``save`` (once) to count what each save appended, by type."""
    if getattr(ledger, "_oneplan_counted", False):
        return
    save: Callable[..., Any] = ledger.save

    def counting_save(*args: Any, **kwargs: Any) -> Any:
        recordings = save(*args, **kwargs)
        for recording in recordings:
            EVENTS_APPENDED.labels(type=type(recording.domain_event).__name__).inc()
        return recordings

    ledger.save = counting_save  # type: ignore[method-assign]
    ledger._oneplan_counted = True  # type: ignore[attr-defined]


def _scrape() -> Response:
    extensions = current_app.extensions
    gauges = lag_gauges(
        extensions["oneplan.ledger"], extensions["oneplan.views"], extensions.get("oneplan.relay")
    )
    return Response(generate_latest(scrape_registry(gauges)), content_type=CONTENT_TYPE_PLAIN_0_0_4)

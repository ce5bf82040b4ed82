"""``GET /metrics`` in Prometheus text format.

Counters and histograms live at module level, as prometheus_client expects: under gunicorn
(``PROMETHEUS_MULTIPROC_DIR`` set before the workers start) each worker writes its own files and
a scrape of any worker sums them all. Lags are gauges computed by the scraped worker itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from services.http.request_id import route_template
from services.ledger import PlanLedger

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
    body = generate_latest(_shared_registry()) + generate_latest(_lag_registry())
    return Response(body, content_type=CONTENT_TYPE_PLAIN_0_0_4)


def _shared_registry() -> CollectorRegistry:
    # prometheus_client's own variable, read as the library reads it (its value class is chosen
    # from it at import); services.config lists it and `oneplan serve` sets it.
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


def _lag_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(_LagCollector(current_app))
    return registry


class _LagCollector:
    """How far each view and the relay trail the log, read when scraped."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        ledger: PlanLedger = self.app.extensions["oneplan.ledger"]
        try:
            head = ledger.head_position()
        except Exception:  # noqa: BLE001 - a store that does not answer has no lag to show
            return
        yield GaugeMetricFamily("oneplan_log_head_position", "Position of the newest event.", head)
        views = GaugeMetricFamily(
            "oneplan_projection_lag_events",
            "Events a read-side view trails the log.",
            labels=["view"],
        )
        for name, view in self.app.extensions["oneplan.views"].named().items():
            views.add_metric([name], max(0, head - view.position()))
        yield views
        progress = self.app.extensions.get("oneplan.relay")
        if progress is not None:
            yield GaugeMetricFamily(
                "oneplan_relay_lag_events",
                "Events not yet published to Kafka.",
                max(0, head - progress.position()),
            )

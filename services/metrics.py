"""Prometheus plumbing shared by the API's `/metrics` and the metrics port of `oneplan project`
and `oneplan relay`."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry, Metric, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from services.config import ConfigError

if TYPE_CHECKING:
    from projections.catalogue import Views
    from services.ledger import PlanLedger
    from services.relay import RelayProgress

log = logging.getLogger(__name__)


def shared_registry() -> CollectorRegistry:
    """The counters and histograms of every process that writes to PROMETHEUS_MULTIPROC_DIR
    (gunicorn's workers, and `oneplan serve`'s sidecars), or this process's own without it."""
    # prometheus_client's own variable, read as the library reads it (its value class is chosen
    # from it at import); services.config lists it and `oneplan serve` sets it.
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


@contextmanager
def metrics_served(
    port: int | None,
    gauges: Callable[[], Iterable[Metric]],
    host: str = "0.0.0.0",  # noqa: S104 - a container's port
) -> Iterator[None]:
    """While inside, Prometheus text on `port` (any path; nothing when `port` is None), from a
    thread: `shared_registry()`'s counters and the gauges `gauges()` reads at each scrape. For
    `oneplan project` and `oneplan relay`, which have no HTTP app of their own."""
    if port is None:
        yield
        return
    try:
        server, _thread = start_http_server(port, addr=host, registry=scrape_registry(gauges))
    except OSError as error:
        raise ConfigError(f"ONEPLAN_METRICS_PORT {port}: {error.strerror or error}") from None
    log.info("metrics on http://%s:%d/metrics", host, port)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def scrape_registry(gauges: Callable[[], Iterable[Metric]]) -> CollectorRegistry:
    """What one scrape answers: `shared_registry()`'s counters, then `gauges()`."""
    registry = CollectorRegistry()
    registry.register(_Scraped(gauges))
    return registry


class _Scraped:
    def __init__(self, gauges: Callable[[], Iterable[Metric]]) -> None:
        self.gauges = gauges

    def collect(self) -> Iterator[Metric]:
        yield from shared_registry().collect()
        try:
            yield from self.gauges()
        except Exception as error:  # noqa: BLE001 - a store that does not answer has no lag
            log.warning("metrics: no gauges this scrape (%s)", type(error).__name__)


def lag_gauges(
    ledger: PlanLedger, views: Views | None = None, relay: RelayProgress | None = None
) -> Callable[[], Iterator[Metric]]:
    """How far the views and the relay trail the log: gauges read from the database at each
    scrape (so every process that can reach it reports the same figures)."""

    def gauges() -> Iterator[Metric]:
        head = ledger.head_position()
        yield GaugeMetricFamily("oneplan_log_head_position", "Position of the newest event.", head)
        if views is not None:
            lags = GaugeMetricFamily(
                "oneplan_projection_lag_events",
                "Events a read-side view trails the log.",
                labels=["view"],
            )
            for name, view in views.named().items():
                lags.add_metric([name], max(0, head - view.position()))
            yield lags
        if relay is not None:
            position = relay.position()
            yield GaugeMetricFamily(
                "oneplan_relay_position", "Last log position Kafka acknowledged.", position
            )
            yield GaugeMetricFamily(
                "oneplan_relay_lag_events",
                "Events not yet published to Kafka.",
                max(0, head - position),
            )

    return gauges

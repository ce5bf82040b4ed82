"""`oneplan project` and `oneplan rebuild [VIEW...]`, and the projector as a sidecar of `serve`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from threading import Event
from types import FrameType
from typing import Any

from projections.catalogue import VIEW_NAMES
from services.config import Config, ConfigError
from services.ledger import PlanLedger
from services.metrics import lag_gauges, metrics_served
from services.projector import Projector, RateMeter, rebuild

log = logging.getLogger("services.projector")


def add_commands(commands: Any) -> None:
    """Add `project` and `rebuild` to the `oneplan` command's subparsers."""
    project = commands.add_parser(
        "project", help="keep the read-side views up to date until stopped"
    )
    project.set_defaults(run=run_project)
    again = commands.add_parser(
        "rebuild", help="drop views and project the whole log into them again"
    )
    again.add_argument(
        "views", nargs="*", metavar="VIEW", help=f"of {', '.join(VIEW_NAMES)} (default: all)"
    )
    again.set_defaults(run=run_rebuild)


def sidecar_commands(config: Config) -> list[list[str]]:
    """What `oneplan serve` runs beside gunicorn: the projector, when the config says so."""
    return [[sys.executable, "-m", "services.cli", "project"]] if config.serves_projector else []


def run_project(args: argparse.Namespace, config: Config) -> int:
    """Project every event as it is recorded, until SIGTERM or SIGINT (then stop cleanly);
    metrics on ``ONEPLAN_METRICS_PORT`` when that is set."""
    logging.basicConfig(level=logging.INFO, format="oneplan project: %(message)s")
    stop = Event()

    def stop_on(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_on)
    signal.signal(signal.SIGINT, stop_on)
    ledger = PlanLedger(env=config.store_env())
    try:
        projector = Projector(ledger)
        with metrics_served(config.metrics_port, lag_gauges(ledger, views=projector.views)):
            log.info("following the log from %s", projector.positions())
            projector.run(stop)
    finally:
        ledger.close()
    return 0


def run_rebuild(args: argparse.Namespace, config: Config) -> int:
    """Drop the views and rebuild them from the whole log, with a progress bar."""
    names = list(dict.fromkeys(args.views)) or list(VIEW_NAMES)
    unknown = [name for name in names if name not in VIEW_NAMES]
    if unknown:
        raise ConfigError(f"no view {', '.join(unknown)}; the views are {', '.join(VIEW_NAMES)}")
    ledger = PlanLedger(env=config.store_env())
    try:
        total = ledger.head_position()
        meter = RateMeter()

        def bar(events: int, position: int) -> None:
            meter.add(events)
            _progress_bar(position, total, meter.rate)

        reached = rebuild(ledger, names, bar)
        _progress_bar(reached, total, meter.rate, done=True)
        print(f"oneplan: rebuilt {', '.join(names)} up to position {reached}", file=sys.stderr)
    finally:
        ledger.close()
    return 0


def _progress_bar(
    position: int, total: int, rate: float, *, done: bool = False, width: int = 40
) -> None:
    filled = width * position // max(total, 1)
    line = f"\rrebuilding [{'#' * filled}{'.' * (width - filled)}] {position}/{total} events"
    print(f"{line}, {rate:,.0f} events/s", end="\n" if done else "", file=sys.stderr, flush=True)

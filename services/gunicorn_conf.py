"""gunicorn settings for `oneplan serve` (which passes --bind, --workers and --threads).

Run directly (``gunicorn -c python:services.gunicorn_conf``) it reads ONEPLAN_WORKERS and
ONEPLAN_THREADS itself; command-line flags still win, as gunicorn always lets them.

The app is built in each worker after the fork: nothing is preloaded, no connection is shared.
Every log line, gunicorn's own and the access log included, is one JSON object on stdout.
Prometheus metrics are kept per worker in ``PROMETHEUS_MULTIPROC_DIR`` (`serve` makes one).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

# Imported here, not in child_exit: that hook runs in the master's SIGCHLD handler, and a
# second worker's exit during a first import would re-enter a half-imported module.
from prometheus_client import multiprocess

from services.config import OWNED_METRICS_DIR_PREFIX, Config

_config = Config.from_env()
workers = _config.workers
threads = _config.threads
wsgi_app = "services.http.wsgi:app()"
preload_app = False
# Threads let a worker overlap one request's database wait with another's work, and keep
# connections alive between requests (the sync worker closes each one).
worker_class = "gthread"
keepalive = 5
graceful_timeout = 20
timeout = 30
accesslog = "-"

logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": ["json"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
    },
    "handlers": {
        "json": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "formatters": {"json": {"()": "services.logs.JsonFormatter"}},
}


class JsonAccessLogger(Logger):
    """The access log as JSON fields: no query string (it is the caller's), no body."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        atoms = self.atoms(resp, req, environ, request_time)
        self.access_log.info(
            "access",
            extra={
                "request_id": atoms.get("{x-request-id}o", "-"),
                "remote": atoms.get("h"),
                "method": atoms.get("m"),
                "path": atoms.get("U"),
                "status": int(resp.status_code) if resp is not None else atoms.get("s"),
                "bytes": atoms.get("B"),
                "duration_ms": round(request_time.total_seconds() * 1000, 2),
                "user_agent": atoms.get("a"),
            },
        )


logger_class = JsonAccessLogger


def _metrics_dir() -> Path | None:
    # prometheus_client's own variable (listed in services.config): the workers inherit it.
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(configured) if configured else None


def on_starting(server: Any) -> None:
    """Start without an earlier run's metric files, which would be summed in. Only files of
    processes that are gone: `oneplan serve` starts its sidecars (which count into the same
    directory) before gunicorn."""
    directory = _metrics_dir()
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob("*.db"):
        if not _alive(leftover.stem.rpartition("_")[2]):
            leftover.unlink(missing_ok=True)


def _alive(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's process: alive
        return True
    return True


def child_exit(server: Any, worker: Any) -> None:
    """A worker that has gone stops counting in live gauges (prometheus_client's advice)."""
    if _metrics_dir() is not None:
        multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    directory = _metrics_dir()
    if directory is not None and directory.name.startswith(OWNED_METRICS_DIR_PREFIX):
        shutil.rmtree(directory, ignore_errors=True)

"""gunicorn's hooks keep the multiprocess metrics directory honest; its access log is JSON."""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import subprocess
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from services import gunicorn_conf
from services.logs import JsonFormatter


def test_workers_and_threads_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEPLAN_WORKERS", "5")
    monkeypatch.setenv("ONEPLAN_THREADS", "3")
    try:
        reloaded = importlib.reload(gunicorn_conf)
        assert (reloaded.workers, reloaded.threads) == (5, 3)
        assert reloaded.worker_class == "gthread" and reloaded.preload_app is False
        assert reloaded.graceful_timeout > 0
    finally:
        monkeypatch.undo()
        importlib.reload(gunicorn_conf)


def test_a_start_clears_metric_files_left_by_an_earlier_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    (tmp_path / f"counter_{gone.pid}.db").write_bytes(b"old")
    (tmp_path / f"gauge_livesum_{gone.pid}.db").write_bytes(b"old")
    # A sidecar that `oneplan serve` started before gunicorn is counting already: kept.
    (tmp_path / f"counter_{os.getpid()}.db").write_bytes(b"live")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    gunicorn_conf.on_starting(None)
    assert [p.name for p in tmp_path.iterdir()] == [f"counter_{os.getpid()}.db"]


def test_exit_removes_only_the_directory_serve_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owned = tmp_path / f"{gunicorn_conf.OWNED_METRICS_DIR_PREFIX}abc"
    operators = tmp_path / "operator-metrics"
    for directory in (owned, operators):
        directory.mkdir()
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
        gunicorn_conf.on_exit(None)
    assert not owned.exists() and operators.exists()


def test_a_dead_worker_is_marked_so_its_live_gauges_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"x")
    (tmp_path / "counter_4242.db").write_bytes(b"x")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    gunicorn_conf.child_exit(None, SimpleNamespace(pid=4242))
    assert [p.name for p in tmp_path.iterdir()] == ["counter_4242.db"]


def test_the_access_log_is_one_json_object_without_the_query_string() -> None:
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("test.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    logger = gunicorn_conf.JsonAccessLogger.__new__(gunicorn_conf.JsonAccessLogger)
    logger.access_log = access
    logger.atoms = lambda *_: {  # type: ignore[method-assign]
        "{x-request-id}o": "req-1",
        "h": "10.0.0.1",
        "m": "GET",
        "U": "/v1/plans",
        "q": "name=Ada",
        "s": "200",
        "B": 12,
        "a": "curl",
    }
    logger.access(SimpleNamespace(status_code=200), None, {}, timedelta(milliseconds=12.5))
    line = json.loads(sink.getvalue())
    assert {"request_id": "req-1", "path": "/v1/plans", "status": 200}.items() <= line.items()
    assert line["duration_ms"] == 12.5 and "Ada" not in sink.getvalue()

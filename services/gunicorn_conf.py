"""gunicorn settings for `oneplan serve`: the app is built in each worker, after the fork."""

from __future__ import annotations

import os

bind = os.environ.get("ONEPLAN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ONEPLAN_WORKERS", "2"))
worker_class = "sync"
preload_app = False  # never share connections across a fork
graceful_timeout = 20
timeout = 30
accesslog = "-"
wsgi_app = "services.http.wsgi:app()"

"""gunicorn settings for `oneplan serve`: the app is built in each worker, after the fork."""

from __future__ import annotations

import os

bind = os.environ.get("ONEPLAN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ONEPLAN_WORKERS", "2"))
# Threads let a worker overlap one request's database wait with another's work, and keep
# connections alive between requests (the sync worker closes each one).
worker_class = "gthread"
threads = int(os.environ.get("ONEPLAN_THREADS", "4"))
keepalive = 5
preload_app = False  # never share connections across a fork
graceful_timeout = 20
timeout = 30
accesslog = "-"
wsgi_app = "services.http.wsgi:app()"

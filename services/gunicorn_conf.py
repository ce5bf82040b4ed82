"""gunicorn settings for `oneplan serve` (which passes --bind, --workers and --threads).

The app is built in each worker after the fork: nothing is preloaded, no connection is shared.
"""

from __future__ import annotations

wsgi_app = "services.http.wsgi:app()"
preload_app = False
# Threads let a worker overlap one request's database wait with another's work, and keep
# connections alive between requests (the sync worker closes each one).
worker_class = "gthread"
keepalive = 5
graceful_timeout = 20
timeout = 30
accesslog = "-"

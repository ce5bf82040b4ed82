"""The WSGI entry point gunicorn calls in each worker: `services.http.wsgi:app()`."""

from __future__ import annotations

from flask import Flask

from services.http.app import create_app


def app() -> Flask:
    return create_app()

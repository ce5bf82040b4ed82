"""The WSGI entry point gunicorn calls in each worker: `services.http.wsgi:app()`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from services.config import Config
from services.http.app import create_app

#: A PostgreSQL advisory lock key of our own: "oneplan" in ASCII.
STORE_SETUP_LOCK = int.from_bytes(b"oneplan", "big")


def app() -> Flask:
    config = Config.from_env()
    with store_setup_lock(config):
        return create_app(config)


@contextmanager
def store_setup_lock(config: Config) -> Iterator[None]:
    """On PostgreSQL, one process at a time builds its ledger (which creates the tables).

    gunicorn's workers boot together. On a fresh database each one's ledger creates the
    event store's types and tables, and PostgreSQL answers concurrent ``CREATE TYPE`` /
    ``CREATE TABLE IF NOT EXISTS`` of the same name with a unique violation or "tuple
    concurrently updated" in all but one: the worker fails to boot and gunicorn stops. Holding
    a session advisory lock while the ledger is built makes the others wait, then find the
    tables made.
    """
    if not config.uses_postgres:
        yield
        return
    import psycopg  # only on PostgreSQL

    assert config.database_url is not None
    with psycopg.connect(config.database_url, autocommit=True, connect_timeout=5) as lock:
        lock.execute("SELECT pg_advisory_lock(%s)", (STORE_SETUP_LOCK,))
        try:
            yield
        finally:
            lock.execute("SELECT pg_advisory_unlock(%s)", (STORE_SETUP_LOCK,))

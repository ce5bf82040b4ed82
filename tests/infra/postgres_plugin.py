"""pytest fixtures for a real PostgreSQL server.

* ``postgres_server_url`` (session): the server's superuser URL. Uses
  ``$TEST_DATABASE_URL`` when set (a ``postgresql://`` URL of a running server whose
  user may create and drop databases); otherwise starts a :class:`ThrowawayPostgres`
  the first time a test asks for it and stops it at the end of the session.
* ``postgres_database_url`` (function): a brand-new, empty database on that server,
  dropped (``WITH (FORCE)``) after the test. Yields its URL.

``temporary_database(server_url)`` is the same thing as a context manager, for a
test that needs more than one database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from tests.infra.postgres import ThrowawayPostgres


@contextmanager
def temporary_database(server_url: str) -> Iterator[str]:
    """Create an empty database ``t_<uuid hex>`` on the server, yield its URL, drop it."""
    name = f"t_{uuid.uuid4().hex}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield external
        return
    with ThrowawayPostgres() as server:
        yield server.url


@pytest.fixture
def postgres_database_url(postgres_server_url: str) -> Iterator[str]:
    with temporary_database(postgres_server_url) as url:
        yield url

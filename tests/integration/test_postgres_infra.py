"""The PostgreSQL fixtures give each test a real, private, empty database."""

from __future__ import annotations

import psycopg
import pytest

from tests.infra.postgres_plugin import temporary_database

pytestmark = pytest.mark.postgres

COUNT_TABLES = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"


def test_database_accepts_writes_and_reads(postgres_database_url: str) -> None:
    with psycopg.connect(postgres_database_url) as conn:
        conn.execute("CREATE TABLE plan (id int PRIMARY KEY, title text NOT NULL)")
        conn.execute("INSERT INTO plan (id, title) VALUES (%s, %s)", (1, "One Plan"))
        row = conn.execute("SELECT id, title FROM plan").fetchone()
    assert row == (1, "One Plan")


def test_databases_are_distinct_empty_and_dropped(
    postgres_server_url: str, postgres_database_url: str
) -> None:
    with psycopg.connect(postgres_database_url, autocommit=True) as conn:
        assert conn.execute(COUNT_TABLES).fetchone() == (0,), "must not see other tests' tables"
        conn.execute("CREATE TABLE plan (id int PRIMARY KEY)")
        this_name = conn.info.dbname

    with temporary_database(postgres_server_url) as other_url:
        with psycopg.connect(other_url) as other:
            other_name = other.info.dbname
            assert other.execute(COUNT_TABLES).fetchone() == (0,)
        assert other_name != this_name

    with psycopg.connect(postgres_server_url) as admin:
        left = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (other_name,))
        assert left.fetchone() is None, "the temporary database must be dropped"

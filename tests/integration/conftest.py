"""The application and HTTP app on both stores: every test here runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from services.config import Config
from services.http.app import create_app
from services.ledger import PlanLedger
from tests.support.api import SECRET, Api


@pytest.fixture(params=["sqlite", "postgres"])
def config(request: pytest.FixtureRequest, tmp_path: Path) -> Config:
    database_url = None
    if request.param == "postgres":
        database_url = request.getfixturevalue("postgres_database_url")
    return Config(data_dir=tmp_path / "data", database_url=database_url, jwt_secret=SECRET)


@pytest.fixture
def ledger(config: Config) -> Iterator[PlanLedger]:
    app = PlanLedger(env=config.store_env())
    yield app
    app.close()


@pytest.fixture
def app(config: Config, ledger: PlanLedger) -> Flask:
    return create_app(config, ledger=ledger)


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())

"""Pytest fixtures for a real Apache Kafka broker (see tests/infra/kafka.py).

- ``kafka_bootstrap_servers`` (session): ``$TEST_KAFKA_BOOTSTRAP_SERVERS`` if set, otherwise
  one broker started on first use and stopped at session end.
- ``kafka_broker`` (function): a dedicated broker that the test may ``stop()``/``start()``;
  always started here (about 2 s), even when ``$TEST_KAFKA_BOOTSTRAP_SERVERS`` is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.infra.kafka import KafkaBroker


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "kafka: needs a real Apache Kafka broker")


@pytest.fixture(scope="session")
def kafka_bootstrap_servers() -> Iterator[str]:
    external = os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    with KafkaBroker() as broker:
        yield broker.bootstrap_servers


@pytest.fixture
def kafka_broker() -> Iterator[KafkaBroker]:
    with KafkaBroker() as broker:
        yield broker

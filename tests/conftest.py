"""Project-wide pytest configuration: shared fixtures come from plugins in tests/infra."""

pytest_plugins = ["tests.infra.postgres_plugin", "tests.infra.kafka_plugin"]

"""Configuration from the environment: defaults, and a clear refusal of values it cannot use."""

from __future__ import annotations

import pytest

from services.config import Config, ConfigError


def test_defaults_need_no_environment() -> None:
    config = Config.from_env({})
    assert config.database_url is None and config.kafka_bootstrap_servers is None
    assert (config.view_lag_max, config.relay_lag_max) == (1000, 1000)
    assert config.readyz_kafka == "required"
    assert config.metrics_port is None


def test_readiness_and_relay_settings_are_read() -> None:
    config = Config.from_env(
        {
            "ONEPLAN_RELAY_LAG_MAX": "50",
            "ONEPLAN_READYZ_KAFKA": " Reported ",
            "ONEPLAN_METRICS_PORT": "9101",
        }
    )
    assert (config.relay_lag_max, config.readyz_kafka, config.metrics_port) == (
        50,
        "reported",
        9101,
    )


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("ONEPLAN_READYZ_KAFKA", "sometimes", "must be one of required, reported"),
        ("ONEPLAN_RELAY_LAG_MAX", "0", "at least 1"),
        ("ONEPLAN_RELAY_LAG_MAX", "lots", "whole number"),
        ("ONEPLAN_METRICS_PORT", "70000", "1 to 65535"),
        ("ONEPLAN_METRICS_PORT", "-1", "at least 1"),
        ("ONEPLAN_METRICS_PORT", "http", "whole number"),
        ("ONEPLAN_VIEW_LAG_MAX", "1.5", "whole number"),
        ("ONEPLAN_SERVE_RELAY", "maybe", "must be one of auto, yes, no"),
    ],
)
def test_a_value_it_cannot_use_is_refused_by_name(name: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError, match=name) as refused:
        Config.from_env({name: value})
    assert says in str(refused.value)

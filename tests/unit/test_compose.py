"""docker-compose.yml, checked without a Docker engine: the Compose schema, our commands, our
configuration variables, and the shape the operator relies on (health checks, restarts,
named volumes, the API on port 8000 without its own projector or relay)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from services.cli import build_parser
from services.config import VARIABLES

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).parent / "schemas" / "compose-spec.json"  # source: schemas/SOURCE.md
OURS = ("api", "projector", "relay")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_the_compose_file_is_valid_against_the_compose_specification(
    compose: dict[str, Any],
) -> None:
    # The schema names draft-07 in a spelling jsonschema does not look up: say it here.
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(compose)


def test_the_stack_has_the_database_the_broker_and_our_three_processes(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "kafka", "prometheus", *OURS}
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["postgres"]["image"].startswith("postgres:")


def test_every_service_has_a_health_check_a_restart_policy_and_named_volumes(
    compose: dict[str, Any],
) -> None:
    named = set(compose["volumes"])
    for name, service in compose["services"].items():
        assert service["healthcheck"]["test"], name
        assert service["restart"] in ("always", "unless-stopped", "on-failure"), name
        for volume in service.get("volumes", []):
            assert volume.split(":", 1)[0] in named, (name, volume)
        assert "image" in service or "build" in service, name
    assert {"postgres-data", "kafka-data"} <= named


def test_prometheus_scrapes_each_of_our_processes_where_it_serves_metrics(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert services["prometheus"]["image"].startswith("prom/prometheus:v")
    [mounted] = services["prometheus"]["configs"]
    settings = yaml.safe_load(compose["configs"][mounted["source"]]["content"])
    targets = {
        job["job_name"]: target
        for job in settings["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    api_port = build_parser().parse_args(services["api"]["command"]).port
    assert targets == {
        "oneplan-api": f"api:{api_port}",
        "oneplan-projector": f"projector:{services['projector']['environment']['ONEPLAN_METRICS_PORT']}",
        "oneplan-relay": f"relay:{services['relay']['environment']['ONEPLAN_METRICS_PORT']}",
    }
    for name in ("projector", "relay"):  # each one's health check asks its own metrics port
        port = services[name]["environment"]["ONEPLAN_METRICS_PORT"]
        assert f"127.0.0.1:{port}/metrics" in " ".join(services[name]["healthcheck"]["test"])


def test_our_services_run_real_oneplan_subcommands(compose: dict[str, Any]) -> None:
    parser = build_parser()
    commands = {}
    for name in OURS:
        command = compose["services"][name]["command"]
        assert isinstance(command, list), f"{name}: exec form, so no shell rewrites it"
        commands[name] = parser.parse_args(command).command
    assert commands == {"api": "serve", "projector": "project", "relay": "relay"}


def test_our_services_set_only_variables_the_configuration_module_knows(
    compose: dict[str, Any],
) -> None:
    for name in OURS:
        environment = compose["services"][name]["environment"]
        assert isinstance(environment, dict), name
        unknown = set(environment) - set(VARIABLES)
        assert not unknown, f"{name} sets {sorted(unknown)}, unknown to services.config"
        assert environment["DATABASE_URL"].startswith("postgresql://"), name


def test_the_api_listens_on_all_interfaces_at_8000_and_leaves_projection_and_relay_to_others(
    compose: dict[str, Any],
) -> None:
    api = compose["services"]["api"]
    args = build_parser().parse_args(api["command"])
    assert (args.host, args.port) == ("0.0.0.0", 8000)
    assert "8000:8000" in api["ports"]
    assert api["environment"]["ONEPLAN_SERVE_PROJECTOR"] == "no"
    assert api["environment"]["ONEPLAN_SERVE_RELAY"] == "no"
    assert "ONEPLAN_WORKERS" in api["environment"]
    assert "/readyz" in " ".join(api["healthcheck"]["test"])

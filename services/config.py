"""Every environment variable the service reads, read here and nowhere else."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: name → (default, meaning); the README's configuration table is checked against this.
VARIABLES: dict[str, tuple[str, str]] = {
    "ONEPLAN_DATA_DIR": (
        "./var",
        "Directory of the embedded SQLite store and the generated token secret.",
    ),
    "DATABASE_URL": (
        "",
        "postgresql://user:pass@host:port/db selects PostgreSQL; unset means SQLite.",
    ),
    "ONEPLAN_JWT_SECRET": (
        "",
        "HS256 secret for bearer tokens; `oneplan serve` generates one if unset.",
    ),
    "ONEPLAN_DB_POOL_SIZE": ("5", "PostgreSQL connections per worker process."),
    "ONEPLAN_WORKERS": ("2", "gunicorn worker processes for `oneplan serve`."),
    "ONEPLAN_THREADS": ("4", "Threads per gunicorn worker for `oneplan serve`."),
    "KAFKA_BOOTSTRAP_SERVERS": ("", "host:port[,host:port] of Kafka; unset: no relay to Kafka."),
    "ONEPLAN_KAFKA_TOPIC_PARTITIONS": ("3", "Partitions of each topic the relay creates."),
    "ONEPLAN_KAFKA_REPLICATION_FACTOR": (
        "1",
        "Replication factor of the topics the relay creates.",
    ),
    "ONEPLAN_SERVE_PROJECTOR": (
        "auto",
        "`oneplan serve` also runs the projector: `yes`, `no`, or `auto` (on SQLite only).",
    ),
    "ONEPLAN_SERVE_RELAY": (
        "auto",
        "`oneplan serve` also runs the Kafka relay: `yes`, `no`, or `auto` (when Kafka is configured).",
    ),
    "ONEPLAN_VIEW_LAG_MAX": (
        "1000",
        "`/readyz` fails when a view is more events than this behind the log.",
    ),
    "ONEPLAN_RELAY_LAG_MAX": (
        "1000",
        "`/readyz` fails when the relay is more events than this behind the log (see ONEPLAN_READYZ_KAFKA).",
    ),
    "ONEPLAN_READYZ_KAFKA": (
        "required",
        "With Kafka configured, `required`: `/readyz` fails while Kafka is unreachable or the relay lags past its bound; `reported`: shown, never failing. Writes are accepted either way.",
    ),
    "ONEPLAN_METRICS_PORT": (
        "",
        "`oneplan project` and `oneplan relay` serve their Prometheus metrics on this port when set; under `oneplan serve` the API's `/metrics` includes them instead.",
    ),
    "PROMETHEUS_MULTIPROC_DIR": (
        "",
        "Directory for the workers' metric files (prometheus_client); `oneplan serve` makes a temporary one if unset.",
    ),
}

#: Prefix of the PROMETHEUS_MULTIPROC_DIR `oneplan serve` makes when none is set; gunicorn's
#: on_exit hook removes a directory so named, and only such a one.
OWNED_METRICS_DIR_PREFIX = "oneplan-metrics-"


class ConfigError(ValueError):
    """A configuration value the service cannot run with."""


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str | None
    jwt_secret: str | None
    db_pool_size: int = 5
    workers: int = 2
    threads: int = 4
    kafka_bootstrap_servers: str | None = None
    kafka_topic_partitions: int = 3
    kafka_replication_factor: int = 1
    serve_projector: str = "auto"
    serve_relay: str = "auto"
    view_lag_max: int = 1000
    relay_lag_max: int = 1000
    readyz_kafka: str = "required"
    metrics_port: int | None = None
    metrics_dir: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ

        def value(name: str) -> str:
            return env.get(name, "").strip() or VARIABLES[name][0]

        return cls(
            data_dir=Path(value("ONEPLAN_DATA_DIR")),
            database_url=value("DATABASE_URL") or None,
            jwt_secret=value("ONEPLAN_JWT_SECRET") or None,
            db_pool_size=_positive_int("ONEPLAN_DB_POOL_SIZE", value("ONEPLAN_DB_POOL_SIZE")),
            workers=_positive_int("ONEPLAN_WORKERS", value("ONEPLAN_WORKERS")),
            threads=_positive_int("ONEPLAN_THREADS", value("ONEPLAN_THREADS")),
            kafka_bootstrap_servers=value("KAFKA_BOOTSTRAP_SERVERS") or None,
            kafka_topic_partitions=_positive_int(
                "ONEPLAN_KAFKA_TOPIC_PARTITIONS", value("ONEPLAN_KAFKA_TOPIC_PARTITIONS")
            ),
            kafka_replication_factor=_positive_int(
                "ONEPLAN_KAFKA_REPLICATION_FACTOR", value("ONEPLAN_KAFKA_REPLICATION_FACTOR")
            ),
            serve_projector=_one_of(
                "ONEPLAN_SERVE_PROJECTOR", value("ONEPLAN_SERVE_PROJECTOR"), ("auto", "yes", "no")
            ),
            serve_relay=_one_of(
                "ONEPLAN_SERVE_RELAY", value("ONEPLAN_SERVE_RELAY"), ("auto", "yes", "no")
            ),
            view_lag_max=_positive_int("ONEPLAN_VIEW_LAG_MAX", value("ONEPLAN_VIEW_LAG_MAX")),
            relay_lag_max=_positive_int("ONEPLAN_RELAY_LAG_MAX", value("ONEPLAN_RELAY_LAG_MAX")),
            readyz_kafka=_one_of(
                "ONEPLAN_READYZ_KAFKA", value("ONEPLAN_READYZ_KAFKA"), ("required", "reported")
            ),
            metrics_port=_port("ONEPLAN_METRICS_PORT", value("ONEPLAN_METRICS_PORT")),
            metrics_dir=value("PROMETHEUS_MULTIPROC_DIR") or None,
        )

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None

    @property
    def serves_projector(self) -> bool:
        """Whether `oneplan serve` runs the projector beside gunicorn (auto: on SQLite)."""
        if self.serve_projector == "auto":
            return not self.uses_postgres
        return self.serve_projector == "yes"

    @property
    def serves_relay(self) -> bool:
        """Whether `oneplan serve` runs the relay beside gunicorn (auto: when Kafka is set)."""
        if self.serve_relay == "auto":
            return self.kafka_bootstrap_servers is not None
        return self.serve_relay == "yes" and self.kafka_bootstrap_servers is not None

    def store_env(self) -> dict[str, str]:
        """The eventsourcing library's settings for the chosen event store."""
        if self.database_url is None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.data_dir / "oneplan.sqlite3"),
                "SQLITE_LOCK_TIMEOUT": "10",
                **_CACHE,
            }
        return {"PERSISTENCE_MODULE": "eventsourcing.postgres", **_postgres_env(self), **_CACHE}


#: Keep recently used plans in memory; each read fast-forwards them with any newer events
#: (so other workers' writes are seen) instead of replaying from the last snapshot.
_CACHE = {"AGGREGATE_CACHE_MAXSIZE": "500", "AGGREGATE_CACHE_FASTFORWARD": "y"}


def _postgres_env(config: Config) -> dict[str, str]:
    assert config.database_url is not None
    url = urlsplit(config.database_url)
    if url.scheme not in ("postgresql", "postgres") or not url.hostname or not url.path[1:]:
        raise ConfigError("DATABASE_URL must look like postgresql://user:pass@host:port/db")
    return {
        "POSTGRES_DBNAME": unquote(url.path[1:]),
        "POSTGRES_HOST": url.hostname,
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or ""),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_POOL_SIZE": str(config.db_pool_size),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        # No ping per checkout: a round trip on every command; the pool replaces broken ones.
        "POSTGRES_PRE_PING": "n",
        # The library's insert functions let subscribers skip late-committing events: keep off.
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
    }


def _one_of(name: str, raw: str, choices: tuple[str, ...]) -> str:
    if raw.lower() not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw.lower()


def _port(name: str, raw: str) -> int | None:
    if not raw:
        return None
    port = _positive_int(name, raw)
    if port > 65535:
        raise ConfigError(f"{name} must be a TCP port, 1 to 65535")
    return port


def _positive_int(name: str, raw: str) -> int:
    try:
        number = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if number < 1:
        raise ConfigError(f"{name} must be at least 1")
    return number

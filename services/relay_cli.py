"""Entry points for `oneplan relay` and `oneplan tail` (also `python -m services.relay_cli`)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from threading import Event
from typing import Any, TextIO

from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord

from services.config import Config, ConfigError
from services.ledger import PlanLedger
from services.metrics import lag_gauges, metrics_served
from services.relay import Relay, RelaySettings


def relay_settings(config: Config) -> RelaySettings:
    if not config.kafka_bootstrap_servers:
        raise ConfigError("KAFKA_BOOTSTRAP_SERVERS is not set: there is no Kafka to relay to")
    return RelaySettings(
        bootstrap_servers=config.kafka_bootstrap_servers,
        partitions=config.kafka_topic_partitions,
        replication_factor=config.kafka_replication_factor,
    )


def run_relay(config: Config, stop_event: Event) -> None:
    """`oneplan relay`: publish the ledger's events to Kafka until `stop_event` is set, with
    its metrics on ``ONEPLAN_METRICS_PORT`` when that is set.

    Kafka being down is retried with backoff inside; this returns only when stopped.
    """
    settings = relay_settings(config)
    ledger = PlanLedger(env=config.store_env())
    try:
        relay = Relay(ledger, settings)
        with metrics_served(config.metrics_port, lag_gauges(ledger, relay=relay.progress)):
            relay.run(stop_event)
    finally:
        ledger.close()


def tail(
    bootstrap: str,
    topic: str,
    from_beginning: bool,
    out: TextIO,
    *,
    stop_event: Event | None = None,
    limit: int | None = None,
    idle_timeout: float | None = None,
) -> int:
    """`oneplan tail TOPIC [--from-beginning]`: print each message with its key and headers.

    Reads every partition without joining a consumer group (nothing is committed). Ends when
    `stop_event` is set, after `limit` messages, or after `idle_timeout` seconds with none.
    Returns how many messages it printed.
    """
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if from_beginning else "latest",
        consumer_timeout_ms=int(idle_timeout * 1000) if idle_timeout is not None else 500,
    )
    printed = 0
    try:
        while not (stop_event is not None and stop_event.is_set()):
            for record in consumer:
                out.write(_describe(record))
                out.flush()
                printed += 1
                if printed == limit or (stop_event is not None and stop_event.is_set()):
                    return printed
            if idle_timeout is not None:
                return printed
    finally:
        consumer.close()
    return printed


def _describe(record: ConsumerRecord) -> str:
    key = record.key.decode(errors="replace") if record.key is not None else "-"
    lines = [f"{record.topic} partition={record.partition} offset={record.offset} key={key}"]
    lines += [f"  {name}: {value.decode(errors='replace')}" for name, value in record.headers]
    value = record.value.decode(errors="replace") if record.value is not None else ""
    return "\n".join([*lines, f"  {value}", ""]) + "\n"


def add_commands(commands: Any) -> None:
    """Add `relay` and `tail` to the `oneplan` command's subparsers."""
    relay = commands.add_parser("relay", help="publish the ledger's events to Kafka until stopped")
    relay.set_defaults(run=_relay_command)
    tail_args = commands.add_parser("tail", help="print a topic's messages with their headers")
    tail_args.add_argument("topic")
    tail_args.add_argument("--from-beginning", action="store_true")
    tail_args.set_defaults(run=_tail_command)


def sidecar_commands(config: Config) -> list[list[str]]:
    """What `oneplan serve` runs beside gunicorn: exactly one relay, when Kafka is configured."""
    return (
        [[sys.executable, "-m", "services.cli", "relay"]] if config.kafka_bootstrap_servers else []
    )


def _stop_on_signals() -> Event:
    stop = Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _relay_command(args: argparse.Namespace, config: Config) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    run_relay(config, _stop_on_signals())
    return 0


def _tail_command(args: argparse.Namespace, config: Config) -> int:
    if not config.kafka_bootstrap_servers:
        raise ConfigError("KAFKA_BOOTSTRAP_SERVERS is not set")
    tail(config.kafka_bootstrap_servers, args.topic, args.from_beginning, sys.stdout,
         stop_event=_stop_on_signals())  # fmt: skip
    return 0

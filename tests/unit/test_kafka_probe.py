"""`/readyz` asks Kafka at most once per `ttl`, so a burst of probes opens one connection."""

from __future__ import annotations

from services.relay_kafka import KafkaProbe


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_kept_for_ttl_seconds_then_asked_again() -> None:
    clock = Clock()
    answers = iter([None, "KafkaTimeoutError", None])
    asked: list[float] = []
    probe = KafkaProbe("kafka:9092", ttl=5.0, clock=clock)

    def ask() -> str | None:
        asked.append(clock.now)
        return next(answers)

    probe._ask = ask  # type: ignore[method-assign]
    assert [probe.failure() for _ in range(3)] == [None, None, None]
    clock.now += 4.9
    assert probe.failure() is None
    clock.now += 0.1
    assert probe.failure() == "KafkaTimeoutError"
    clock.now += 5.0
    assert probe.failure() is None
    assert asked == [100.0, 105.0, 110.0]


def test_a_bootstrap_address_kafka_cannot_parse_is_a_failure_not_an_exception() -> None:
    assert KafkaProbe("not a host:port at all", timeout=0.2, ttl=0).failure() is not None

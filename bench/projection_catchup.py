"""P3: catch-up of every view from position 0 on PostgreSQL, against the raw read rate.

Writes a workload of many plans straight through PlanLedger (at least 100,000 events), then,
in the same run: reads every notification of the log in pages of the projector's pull size
(the raw rate: the best of a read before and a read after the catch-up, in pages of the
subscription's size and of twice that — the baseline at its fastest), and projects the whole
log into the current-plans, audit and caseload views from
scratch. Prints both rates and their ratio. Targets: >= 10,000 events/s and >= 0.3 x raw.

    python -m bench.projection_catchup [--plans N] [--database-url postgresql://...]

Without --database-url (or $TEST_DATABASE_URL) it starts a throwaway PostgreSQL server.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from tempfile import TemporaryDirectory

from projections.following import PULL_SIZE
from services.config import Config
from services.ledger import PlanLedger
from services.projector import Projector, ProjectorSettings
from tests.infra.postgres import ThrowawayPostgres
from tests.infra.postgres_plugin import temporary_database
from tests.support.plan_workload import PlanWorkload

MIN_EVENTS = 100_000
#: Page sizes of the raw read: the subscription's own (500), and a larger one.
RAW_PAGES = (PULL_SIZE, 2 * PULL_SIZE)
TARGET_RATE = 10_000
TARGET_RATIO = 0.3


def raw_read_rate(ledger: PlanLedger, page: int) -> tuple[int, float]:
    """Every notification of the log, read in pages of `page`, and how fast."""
    started, position, count = time.perf_counter(), 0, 0
    while True:
        notifications = ledger.recorder.select_notifications(
            start=position, limit=page, inclusive_of_start=False
        )
        if not notifications:
            return count, count / (time.perf_counter() - started)
        count += len(notifications)
        position = notifications[-1].id


def decoded_read_rate(ledger: PlanLedger, page: int) -> float:
    """The same read, each notification also turned into its domain event (the library's
    mapper): what any consumer of the log pays before it does anything with an event."""
    started, position, count = time.perf_counter(), 0, 0
    while notifications := ledger.recorder.select_notifications(
        start=position, limit=page, inclusive_of_start=False
    ):
        count += len([ledger.mapper.to_domain_event(n) for n in notifications])
        position = notifications[-1].id
    return count / (time.perf_counter() - started)


def catch_up_rate(ledger: PlanLedger, settings: ProjectorSettings) -> tuple[int, float]:
    projector = Projector(ledger, settings=settings)
    assert all(position == 0 for position in projector.positions().values()), "views not empty"
    started = time.perf_counter()
    head = projector.catch_up()
    elapsed = time.perf_counter() - started
    assert all(position == head for position in projector.positions().values())
    return projector.views.audit.count(), head / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=3000, help="plans to write (~37 events each)")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    settings = ProjectorSettings()
    with ExitStack() as stack:
        server_url = args.database_url or stack.enter_context(ThrowawayPostgres()).url
        url = stack.enter_context(temporary_database(server_url))
        data_dir = Path(stack.enter_context(TemporaryDirectory()))
        ledger = PlanLedger(env=Config(data_dir, url, "bench").store_env())
        stack.callback(ledger.close)

        started = time.perf_counter()
        written = PlanWorkload(ledger, plans=args.plans).write()
        print(
            f"wrote {written} events of {args.plans} plans in {time.perf_counter() - started:.1f} s"
        )
        if written < MIN_EVENTS:
            print(f"warning: fewer than {MIN_EVENTS} events; use more --plans", file=sys.stderr)

        before = {page: raw_read_rate(ledger, page) for page in RAW_PAGES}
        projected, rate = catch_up_rate(ledger, settings)
        after = {page: raw_read_rate(ledger, page) for page in RAW_PAGES}
        assert {n for n, _ in [*before.values(), *after.values()]} == {projected} == {written}
        raw_rates = {page: max(before[page][1], after[page][1]) for page in RAW_PAGES}
        decoded = decoded_read_rate(ledger, PULL_SIZE)

    raw = max(raw_rates.values())
    ratio = rate / raw
    pages = ", ".join(f"{rate:,.0f} in pages of {page}" for page, rate in raw_rates.items())
    print(f"raw notification read: {raw:,.0f} events/s (best of: {pages}; before and after)")
    print(
        f"catch-up, all 3 views: {rate:,.0f} events/s ({projected} events, batches of up to "
        f"{settings.batch_size})"
    )
    print(f"ratio: {ratio:.2f} (targets: >= {TARGET_RATE:,} events/s, >= {TARGET_RATIO} x raw)")
    print(
        f"for context, read and decoded into domain events: {decoded:,.0f} events/s "
        f"(catch-up is {rate / decoded:.2f} of that)"
    )
    met = rate >= TARGET_RATE and ratio >= TARGET_RATIO
    print("targets met" if met else "TARGETS MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

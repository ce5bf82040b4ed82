"""P2: reads of a plan as it stood (`as_of`, `valid_at`) against a current read, on PostgreSQL.

Three plans of 100, 1,000 and 10,000 events are written on one PostgreSQL database (untimed):
each lives through a real first cycle (five people, a profile, three needs, two views, three
outcomes, two provisions, agreement, a review rating every outcome: 30 entries), then is
revised again and again (profile, needs, outcomes, provisions), so the plan stays the size of
a real plan and only its history grows. Each revision is saved on its own, as the API
writes them; each entry happened an hour after the one before, and every 25th was recorded
three days late (back-dated), as reviews often are. `as_of` times are drawn from when the
revisions were recorded, `valid_at` times from the whole life of the plan.

Then, in the same run and interleaved (every round reads every plan every way, in a random
order): `GET /v1/plans/{id}` (current), `?as_of=T` at random recorded times and
`?valid_at=D` at random occurred times, through the whole HTTP app in-process (Flask test
client: routing, auth, the ledger, presenting, marshmallow, JSON; no sockets). The same
three reads are also timed on the PlanLedger alone (`get_plan`, `plan_as_of`,
`plan_valid_at`). Prints the p50s, each ratio to the current read, and the growth from the
smallest plan to the largest. Targets: as-of p50 <= 1.5 x current, and <= 1.2 x growth
from 100 to 10,000 events.

    python -m bench.asof_reads [--reads 300] [--sizes 100 1000 10000]

Uses BENCH_DATABASE_URL if set, else starts a throwaway PostgreSQL (tests/infra/postgres.py).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID

import psycopg

from domain.plan import OnePlan
from domain.values import Actor
from services.config import Config
from services.http.app import create_app
from services.ledger import PlanLedger
from tests.infra.postgres import ThrowawayPostgres
from tests.support.api import SECRET, token

SENCO = Actor(id="bench", name="Bench Senco", role="senco")
CHILD = {"ref": "B-1", "name": "Bench Child", "date_of_birth": date(2019, 1, 1)}
SETTING = {"ref": "URN-1", "name": "Bench School", "phase": "school"}
PEOPLE = (
    ("Pat Parent", "parent_carer"),
    ("Bench Child", "child"),
    ("Sam Senco", "senco"),
    ("Kim Key", "key_person"),
    ("Terry Teacher", "teacher"),
)
AREAS = ("communication_and_interaction", "cognition_and_learning", "sensory_and_physical")
PROFILE = {
    "aspirations": "To read a whole book",
    "what_matters_to_me": "My dog and my sister",
    "strengths": "Kind, curious",
    "what_works": "Visual timetables",
    "what_does_not_work": "Noise",
    "communication": "Short sentences",
    "preparing_for_adulthood": {"health": "Swims weekly", "community": "Cubs on Mondays"},
}


@dataclass
class BenchPlan:
    plan_id: UUID
    events: int
    recorded: tuple[datetime, datetime]
    occurred: tuple[datetime, datetime]


def fresh_database(server_url: str, name: str) -> str:
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def write_plan(ledger: PlanLedger, events: int) -> BenchPlan:
    """A plan of `events` events whose size stays that of a real plan (see the docstring)."""
    start = datetime.now(UTC) - timedelta(hours=events + 24 * 10)

    def when(version: int) -> datetime:
        late = timedelta(days=3) if version % 25 == 0 else timedelta(0)
        return start + timedelta(hours=version) - late

    plan = ledger.open_plan(child=CHILD, setting=SETTING, actor=SENCO, occurred_at=when(1)).plan
    needs, outcomes, provisions = first_cycle(plan, lambda: when(plan.version + 1))
    ledger.save(plan)
    first_recorded = plan.modified_on
    revisions: list[Callable[[int], None]] = [
        lambda v: plan.update_profile({"strengths": f"s{v}"}, actor=SENCO, occurred_at=when(v)),
        lambda v: plan.revise_need(
            needs[v % 3], description=f"n{v}", actor=SENCO, occurred_at=when(v)
        ),
        lambda v: plan.revise_outcome(
            outcomes[v % 3], {"success_criteria": f"c{v}"}, actor=SENCO, occurred_at=when(v)
        ),
        lambda v: plan.revise_provision(
            provisions[v % 2], {"frequency": f"f{v}"}, actor=SENCO, occurred_at=when(v)
        ),
    ]
    while plan.version < events:  # one entry per save, as the API writes them
        revisions[(plan.version + 1) % len(revisions)](plan.version + 1)
        ledger.save(plan)
    latest = start + timedelta(hours=events)  # when the last on-time entry happened
    return BenchPlan(plan.id, events, (first_recorded, plan.modified_on), (when(1), latest))


def first_cycle(
    plan: OnePlan, at: Callable[[], datetime]
) -> tuple[list[UUID], list[UUID], list[UUID]]:
    """A real plan's first cycle (30 entries): people, profile, needs, views, outcomes,
    provision, agreement and a review rating every outcome; answers the entries' ids."""
    people = [
        plan.add_participant(
            name=name,
            role=role,
            actor=SENCO,
            occurred_at=at(),
            has_parental_responsibility=role == "parent_carer",
        )
        for name, role in PEOPLE
    ]
    plan.update_profile(PROFILE, actor=SENCO, occurred_at=at())
    needs = [
        plan.identify_need(
            area=area, description=f"{area}: what we see", actor=SENCO, occurred_at=at()
        )
        for area in AREAS
    ]
    for whose in ("child", "parent_carer"):
        plan.record_view(
            whose=whose,
            text=f"The {whose}'s view, in their words.",
            how_gathered="conversation",
            actor=SENCO,
            occurred_at=at(),
        )
    plan.move_to("plan", actor=SENCO, occurred_at=at())
    outcomes = [
        plan.agree_outcome(
            description=f"Outcome for {area}",
            success_criteria="Seen weekly",
            target_date=date.today() + timedelta(days=120),
            need_id=need,
            actor=SENCO,
            occurred_at=at(),
        )
        for area, need in zip(AREAS, needs, strict=True)
    ]
    provisions = [
        plan.agree_provision(
            description=f"Provision {i}",
            kind="intervention",
            frequency="twice weekly",
            delivered_by="Teaching assistant",
            start_date=date.today(),
            outcome_ids=outcomes,
            group_size=4,
            minutes_per_session=20,
            weekly_cost=Decimal("24.50"),
            actor=SENCO,
            occurred_at=at(),
        )
        for i in range(2)
    ]
    plan.schedule_review(date.today() + timedelta(days=60), actor=SENCO, occurred_at=at())
    plan.agree_plan(agreed_by=[people[0]], method="meeting", actor=SENCO, occurred_at=at())
    plan.move_to("do", actor=SENCO, occurred_at=at())
    plan.move_to("review", actor=SENCO, occurred_at=at())
    plan.record_review(
        held_on=at().date(),
        attendees=people[:3],
        impact="Steady progress",
        progress=[
            {"outcome_id": o, "rating": "partly_achieved", "comment": "Better"} for o in outcomes
        ],
        decision="continue",
        actor=SENCO,
        occurred_at=at(),
    )
    plan.move_to("assess", actor=SENCO, occurred_at=at())
    return needs, outcomes, provisions


def p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def between(rng: random.Random, span: tuple[datetime, datetime]) -> datetime:
    return span[0] + (span[1] - span[0]) * rng.random()


KINDS = ("current", "as_of", "valid_at")


@dataclass
class Reads:
    """The three reads of one plan, on one surface (the HTTP app or the ledger alone)."""

    plan: BenchPlan
    current: Callable[[], object]
    as_of: Callable[[datetime], object]
    valid_at: Callable[[datetime], object]


def measure(surfaces: list[Reads], reads: int) -> dict[int, dict[str, float]]:
    """p50s (ms) per plan size and read. Every round reads every plan every way, so a change
    of load on the machine during the run hits all sizes and all reads alike."""
    rng = random.Random(7)
    samples: dict[int, dict[str, list[float]]] = {
        r.plan.events: {"current": [], "as_of": [], "valid_at": []} for r in surfaces
    }
    for round_ in range(max(reads // 10, 10) + reads):
        for r in rng.sample(surfaces, len(surfaces)):
            for kind in rng.sample(KINDS, len(KINDS)):
                began = time.perf_counter()
                if kind == "current":
                    r.current()
                elif kind == "as_of":
                    r.as_of(between(rng, r.plan.recorded))
                else:
                    r.valid_at(between(rng, r.plan.occurred))
                if round_ >= reads // 10:  # the first rounds warm up
                    samples[r.plan.events][kind].append(time.perf_counter() - began)
    return {size: {k: p50_ms(v) for k, v in by_kind.items()} for size, by_kind in samples.items()}


def http_reads(app_client: Any, plan: BenchPlan) -> Reads:
    headers = {"Authorization": f"Bearer {token('inspector')}"}
    path = f"/v1/plans/{plan.plan_id}"

    def get(url: str) -> None:
        response = app_client.get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.json}")

    return Reads(
        plan,
        lambda: get(path),
        lambda t: get(f"{path}?as_of={quote(t.isoformat())}"),
        lambda d: get(f"{path}?valid_at={quote(d.isoformat())}"),
    )


def ledger_reads(ledger: PlanLedger, plan: BenchPlan) -> Reads:
    return Reads(
        plan,
        lambda: ledger.get_plan(plan.plan_id),
        lambda t: ledger.plan_as_of(plan.plan_id, t),
        lambda d: ledger.plan_valid_at(plan.plan_id, d),
    )


def report(title: str, results: dict[int, dict[str, float]]) -> None:
    print(f"\n{title}")
    columns = ("events", "current p50", "as_of p50", "ratio", "valid_at p50", "ratio")
    print(" ".join(f"{c:>{w}}" for c, w in zip(columns, (8, 12, 10, 6, 13, 6), strict=True)))
    for events, p50 in results.items():
        print(
            f"{events:>8} {p50['current']:>10.2f}ms {p50['as_of']:>8.2f}ms "
            f"{p50['as_of'] / p50['current']:>6.2f} {p50['valid_at']:>11.2f}ms "
            f"{p50['valid_at'] / p50['current']:>6.2f}"
        )
    sizes = sorted(results)
    low, high = results[sizes[0]], results[sizes[-1]]
    print(
        f"growth {sizes[0]} -> {sizes[-1]} events: as_of {high['as_of'] / low['as_of']:.2f}x, "
        f"valid_at {high['valid_at'] / low['valid_at']:.2f}x, current "
        f"{high['current'] / low['current']:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--reads", type=int, default=300, help="timed reads of each kind per plan")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    args = parser.parse_args()
    with ExitStack() as stack:
        server_url = (
            os.environ.get("BENCH_DATABASE_URL") or stack.enter_context(ThrowawayPostgres()).url
        )
        config = Config(
            data_dir=Path(tempfile.mkdtemp()),
            jwt_secret=SECRET,
            database_url=fresh_database(server_url, "bench_asof"),
        )
        ledger = PlanLedger(env=config.store_env())
        stack.callback(ledger.close)
        began = time.perf_counter()
        plans = [write_plan(ledger, size) for size in args.sizes]
        print(f"wrote {sum(args.sizes)} events in {time.perf_counter() - began:.0f}s (untimed)")
        client = create_app(config, ledger=ledger).test_client()
        report(
            f"HTTP GET /v1/plans/{{id}} (in-process app, p50 of {args.reads} reads each)",
            measure([http_reads(client, p) for p in plans], args.reads),
        )
        report(
            "PlanLedger alone (get_plan / plan_as_of / plan_valid_at)",
            measure([ledger_reads(ledger, p) for p in plans], args.reads),
        )
    print("\ntargets: as_of ratio <= 1.5, as_of growth 100 -> 10,000 events <= 1.2")


if __name__ == "__main__":
    main()

"""The two time axes on a real store (SQLite and PostgreSQL): `as_of` through the timeline
index, `valid_at` by when things happened, both combined, and corrections on each axis."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.values import Actor
from services.ledger import PlanLedger, PlanNotYetHappened, PlanNotYetRecorded
from services.timetravel import happened_versions

SENCO = Actor(id="u-1", name="Sam Senco", role="senco")
CHILD = {"ref": "C-1", "name": "Ada", "date_of_birth": date(2019, 5, 4)}
SETTING = {"ref": "S-1", "name": "Sunflower", "phase": "school"}
NOW = datetime.now(UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def descriptions(plan: Any) -> list[str]:
    return [n.description for n in plan.needs.values()]


@pytest.fixture
def story(ledger: PlanLedger) -> dict[str, Any]:
    """Opened 20 days ago; a need found 15 days ago; a parent joined 5 days ago; then a view
    gathered 12 days ago is recorded late; then the need's description is corrected."""
    plan_id = ledger.open_plan(
        child=CHILD, setting=SETTING, actor=SENCO, occurred_at=days_ago(20)
    ).plan.id
    ledger.identify_need(
        plan_id,
        1,
        area="cognition_and_learning",
        description="Reads slowly",
        actor=SENCO,
        occurred_at=days_ago(15),
    )
    ledger.add_participant(
        plan_id, 2, name="Pat", role="parent_carer", actor=SENCO, occurred_at=days_ago(5)
    )
    before_the_view = datetime.now(UTC)
    ledger.record_view(
        plan_id, 3, whose="child", text="I like trains", actor=SENCO, occurred_at=days_ago(12)
    )
    before_the_correction = datetime.now(UTC)
    ledger.correct_entry(
        plan_id, 4, 2, changes={"description": "Reads slowly aloud"}, reason="Mistyped", actor=SENCO
    )
    return {
        "id": plan_id,
        "before_the_view": before_the_view,
        "before_the_correction": before_the_correction,
    }


def test_as_of_reads_the_version_recorded_by_then_without_scanning_the_events(
    ledger: PlanLedger, story: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_scans(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("version_at scanned the events")

    monkeypatch.setattr(ledger.events, "get", no_scans)

    assert ledger.version_at(story["id"], story["before_the_view"]) == 3
    assert ledger.version_at(story["id"], story["before_the_correction"]) == 4
    assert ledger.version_at(story["id"], datetime.now(UTC)) == 5
    assert ledger.version_at(story["id"], days_ago(1)) is None


def test_valid_at_shows_what_had_happened_by_then_including_entries_recorded_late(
    ledger: PlanLedger, story: dict[str, Any]
) -> None:
    plan_id = story["id"]
    at_13 = ledger.plan_valid_at(plan_id, days_ago(13))
    at_11 = ledger.plan_valid_at(plan_id, days_ago(11))
    at_4 = ledger.plan_valid_at(plan_id, days_ago(4))

    assert (len(at_13.plan.views), len(at_13.plan.participants)) == (0, 0)
    assert (len(at_11.plan.views), len(at_11.plan.participants)) == (1, 0)
    assert (len(at_4.plan.views), len(at_4.plan.participants)) == (1, 1)
    assert at_11.versions == [1, 2, 4, 5] and at_11.skipped == []


def test_on_the_valid_axis_a_correction_counts_from_when_the_corrected_entry_happened(
    ledger: PlanLedger, story: dict[str, Any]
) -> None:
    as_known_now = ledger.plan_valid_at(story["id"], days_ago(14))
    as_known_then = ledger.plan_valid_at(
        story["id"], days_ago(14), as_of=story["before_the_correction"]
    )

    assert descriptions(as_known_now.plan) == ["Reads slowly aloud"]
    assert as_known_now.plan.needs and next(iter(as_known_now.plan.needs.values())).corrected
    assert descriptions(as_known_then.plan) == ["Reads slowly"]


def test_as_of_and_valid_at_combined_is_what_was_believed_then_about_that_date(
    ledger: PlanLedger, story: dict[str, Any]
) -> None:
    believed = ledger.plan_valid_at(story["id"], days_ago(11), as_of=story["before_the_view"])

    assert believed.plan.views == {}
    assert believed.versions == [1, 2]


def test_before_the_plan_was_opened_on_either_axis_is_not_yet(
    ledger: PlanLedger, story: dict[str, Any]
) -> None:
    with pytest.raises(PlanNotYetHappened, match="had not been opened"):
        ledger.plan_valid_at(story["id"], days_ago(25))
    with pytest.raises(PlanNotYetRecorded, match="had not been opened"):
        ledger.plan_as_of(story["id"], days_ago(1))


def test_correcting_when_an_entry_happened_moves_it_on_the_valid_axis(ledger: PlanLedger) -> None:
    plan_id = ledger.open_plan(
        child=CHILD, setting=SETTING, actor=SENCO, occurred_at=days_ago(30)
    ).plan.id
    ledger.record_view(
        plan_id, 1, whose="child", text="Likes maths", actor=SENCO, occurred_at=days_ago(20)
    )
    ledger.correct_entry(
        plan_id, 2, 2, changes={"occurred_at": days_ago(8)}, reason="Wrong date", actor=SENCO
    )

    assert ledger.plan_valid_at(plan_id, days_ago(10)).plan.views == {}
    assert len(ledger.plan_valid_at(plan_id, days_ago(7)).plan.views) == 1


def test_an_entry_that_cannot_stand_without_a_later_one_is_skipped_and_listed(
    ledger: PlanLedger,
) -> None:
    plan_id = ledger.open_plan(
        child=CHILD, setting=SETTING, actor=SENCO, occurred_at=days_ago(30)
    ).plan.id
    added = ledger.add_participant(
        plan_id, 1, name="Kim", role="key_person", actor=SENCO, occurred_at=days_ago(5)
    )
    assert added.created_id is not None
    ledger.remove_participant(plan_id, 2, added.created_id, actor=SENCO, occurred_at=days_ago(10))

    view = ledger.plan_valid_at(plan_id, days_ago(8))

    assert view.skipped == [3] and view.plan.participants == {}


def test_valid_at_over_many_events_uses_the_snapshots_and_agrees_with_a_full_replay(
    ledger: PlanLedger,
) -> None:
    plan_id = ledger.open_plan(
        child=CHILD, setting=SETTING, actor=SENCO, occurred_at=days_ago(200)
    ).plan.id
    for version in range(1, 130):
        late = version % 17 == 0  # now and then an entry recorded a while after it happened
        when = days_ago(200 - version - (30 if late else 0))
        ledger.update_profile(
            plan_id, version, changes={"strengths": f"s{version}"}, actor=SENCO, occurred_at=when
        )
    for days in (190, 141, 100, 75, 72):
        view = ledger.plan_valid_at(plan_id, days_ago(days))
        events = [e for e in ledger.events.get(plan_id) if e.occurred_at <= days_ago(days)]
        assert view.versions == [e.originator_version for e in events], days
        latest = events[-1].changes["strengths"] if len(events) > 1 else None
        assert view.plan.profile.strengths == latest, days


def test_a_plan_recorded_before_the_timeline_existed_gets_its_rows_when_first_read(
    ledger: PlanLedger, story: dict[str, Any]
) -> None:
    timeline: Any = ledger.timeline()
    table = getattr(timeline, "table", None) or f"{timeline.datastore.schema}.planledger_timeline"
    mark = "?" if hasattr(timeline, "table") else "%s"
    plan_id: UUID = story["id"]
    with timeline.datastore.transaction(commit=True) as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE plan_id = {mark}",  # noqa: S608
            (plan_id.hex if mark == "?" else plan_id,),
        )
    assert timeline.timeline_last_version(plan_id) is None

    assert ledger.version_at(plan_id, story["before_the_correction"]) == 4
    assert timeline.timeline_versions(plan_id) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    "run, upto, corrections, backdated, expected",
    [
        (5, 9, [], [7], (5, [7])),
        (9, 4, [], [], (4, [])),
        (0, 5, [], [], (0, [])),
    ],
)
def test_the_versions_that_had_happened_are_a_run_then_a_few_more(
    run: int,
    upto: int,
    corrections: list[Any],
    backdated: list[int],
    expected: tuple[int, list[int]],
) -> None:
    assert happened_versions(run, upto, 100, corrections, backdated) == expected

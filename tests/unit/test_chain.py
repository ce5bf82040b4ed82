"""The hash chain: every event is sealed as it is triggered, links to the one before, and keeps
verifying when a personal value is erased — but not when anything else is touched."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from eventsourcing.application import project_aggregate

from domain.chain import (
    GENESIS,
    Link,
    check_links,
    content_hash,
    content_is_intact,
    own_fields,
    personal_values,
)
from domain.errors import InvalidEntry
from domain.events import ParticipantAdded, PlanOpened
from tests.unit.plan_builders import SENCO, open_plan, plan_after_two_full_cycles


def attributes_of(event: Any) -> dict[str, Any]:
    return copy.deepcopy(dict(vars(event)))


def erase(attributes: dict[str, Any], path: str) -> None:
    """What crypto-shredding will leave: the value gone with its salt, the digest kept."""
    *parents, leaf = path.split(".")
    holder: Any = attributes
    for part in parents:
        holder = holder[int(part)] if isinstance(holder, list) else holder[part]
    if isinstance(holder, dict):
        holder[leaf] = None
    else:
        object.__setattr__(holder, leaf, None)  # a record such as the actor
    attributes["salts"].pop(path)


def links_of(events: list[Any]) -> list[Link]:
    return [
        Link(
            e.originator_version, content_is_intact(type(e).__name__, vars(e)), e.prev_hash, e.hash
        )
        for e in events
    ]


def test_every_event_links_to_the_one_before_from_the_genesis_value() -> None:
    events = plan_after_two_full_cycles().collect_events()

    assert events[0].prev_hash == GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert all(content_is_intact(type(e).__name__, vars(e)) for e in events)


def test_the_plan_keeps_its_chain_head_and_a_replay_restores_it() -> None:
    plan = plan_after_two_full_cycles()
    events = plan.collect_events()

    replayed = project_aggregate(None, events)

    assert plan.chain_head == events[-1].hash
    assert replayed is not None and replayed.chain_head == events[-1].hash


def test_personal_values_are_digested_beside_their_values_with_their_own_salts() -> None:
    opened = open_plan().collect_events()[0]

    assert isinstance(opened, PlanOpened)
    assert set(opened.digests) == {
        "child.name",
        "child.date_of_birth",
        "setting.name",
        "actor.name",
    }
    assert set(opened.salts) == set(opened.digests)
    assert len(set(opened.salts.values())) == len(opened.salts)


def test_free_text_in_nested_fields_is_digested_too() -> None:
    plan = open_plan()
    plan.update_profile({"preparing_for_adulthood": {"health": "Swims weekly"}}, actor=SENCO)
    profile = plan.collect_events()[-1]

    assert "changes.preparing_for_adulthood.health" in profile.digests


def test_the_hash_depends_on_the_digests_not_on_the_personal_values() -> None:
    plan = open_plan()
    plan.add_participant(
        name="Pat Parent", role="parent_carer", contact="07700 900123", actor=SENCO
    )
    added = attributes_of(plan.collect_events()[-1])
    fields = own_fields(added)
    without_values = {**fields, "name": None, "contact": None}

    args = ("ParticipantAdded", added["originator_id"], added["timestamp"], added["prev_hash"])
    assert content_hash(*args, fields, added["digests"]) == added["hash"]
    assert content_hash(*args, without_values, added["digests"]) == added["hash"]


def test_the_chain_still_verifies_after_personal_values_are_erased() -> None:
    events = plan_after_two_full_cycles().collect_events()
    opened = attributes_of(events[0])
    for path in ("child.name", "child.date_of_birth", "actor.name"):
        erase(opened, path)

    assert opened["child"]["name"] is None
    assert content_is_intact("PlanOpened", opened)


def test_changing_a_personal_value_breaks_the_event() -> None:
    plan = open_plan()
    plan.add_participant(name="Pat Parent", role="parent_carer", actor=SENCO)
    added = attributes_of(plan.collect_events()[-1])
    added["name"] = "Someone Else"

    assert not content_is_intact(ParticipantAdded.__name__, added)


def test_changing_a_digest_a_salt_or_a_plain_field_breaks_the_event() -> None:
    plan = open_plan()
    plan.add_participant(name="Pat Parent", role="parent_carer", actor=SENCO)
    original = attributes_of(plan.collect_events()[-1])
    tampered = [copy.deepcopy(original) for _ in range(4)]
    tampered[0]["digests"]["name"] = "0" * 64
    tampered[1]["salts"]["name"] = "00" * 16
    tampered[2]["role"] = "senco"
    tampered[3]["contact"] = "added later"  # a personal value that was never sealed

    assert content_is_intact("ParticipantAdded", original)
    assert [content_is_intact("ParticipantAdded", t) for t in tampered] == [False] * 4


def test_an_erased_value_cannot_be_restored_to_something_else() -> None:
    opened = attributes_of(open_plan().collect_events()[0])
    salt = opened["salts"]["child.name"]
    erase(opened, "child.name")
    opened["child"]["name"], opened["salts"]["child.name"] = "Not Ali", salt

    assert not content_is_intact("PlanOpened", opened)


def test_personal_values_are_found_by_name_at_any_depth_and_none_is_not_personal() -> None:
    found = dict(
        personal_values(
            {
                "progress": [
                    {"outcome_id": "o", "rating": "achieved", "comment": "Well done"},
                    {"outcome_id": "p", "rating": "achieved", "comment": None},
                ],
                "impact": "More words",
                "decision": "continue",
            }
        )
    )

    assert found == {"progress.0.comment": "Well done", "impact": "More words"}


# ---- walking the chain ------------------------------------------------------------------


def chain_of(length: int) -> list[Link]:
    links, prev = [], GENESIS
    for version in range(1, length + 1):
        links.append(Link(version, True, prev, f"{version:064x}"))
        prev = f"{version:064x}"
    return links


def test_an_untouched_chain_is_ok_with_its_head() -> None:
    verdict = check_links(chain_of(5), witnessed_last=5)

    assert (verdict.ok, verdict.checked, verdict.problem, verdict.chain_head) == (
        True,
        5,
        None,
        f"{5:064x}",
    )


def test_a_changed_event_is_reported_at_its_version() -> None:
    links = chain_of(5)
    links[2] = Link(3, False, links[2].prev_hash, links[2].hash)

    verdict = check_links(links)

    assert (verdict.ok, verdict.broken_at_version, verdict.problem, verdict.checked) == (
        False,
        3,
        "changed",
        2,
    )


def test_a_gap_in_the_versions_is_a_missing_event() -> None:
    links = [link for link in chain_of(5) if link.version != 3]

    assert check_links(links).broken_at_version == 3
    assert check_links(links).problem == "missing"


def test_an_event_removed_and_the_rest_renumbered_is_missing_where_it_was() -> None:
    links = chain_of(5)
    renumbered = links[:2] + [
        Link(v - 1, True, x.prev_hash, x.hash) for v, x in ((x.version, x) for x in links[3:])
    ]

    verdict = check_links(renumbered)

    assert (verdict.broken_at_version, verdict.problem) == (3, "missing")


def test_the_last_event_removed_is_missing_by_the_index_witness() -> None:
    verdict = check_links(chain_of(4), witnessed_last=5)

    assert (verdict.broken_at_version, verdict.problem) == (5, "missing")


def test_an_event_put_in_the_middle_is_inserted_where_it_was_put() -> None:
    links = chain_of(5)
    forged = Link(3, True, "f" * 64, "e" * 64)
    shifted = (
        links[:2] + [forged] + [Link(x.version + 1, True, x.prev_hash, x.hash) for x in links[2:]]
    )

    verdict = check_links(shifted)

    assert (verdict.broken_at_version, verdict.problem) == (3, "inserted")


def test_an_event_the_index_never_saw_written_is_inserted() -> None:
    links = chain_of(5)
    links.append(Link(6, True, links[-1].hash, "a" * 64, witnessed=False))

    verdict = check_links(links, witnessed_last=5)

    assert (verdict.broken_at_version, verdict.problem) == (6, "inserted")


def test_a_correction_may_not_name_the_chain_fields() -> None:
    plan = open_plan()
    opened = plan.pending_events[0]

    for field in ("hash", "prev_hash", "digests", "salts"):
        with pytest.raises(InvalidEntry, match="did not record"):
            plan.correct_entry(opened, {field: "x"}, reason="Tampering", actor=SENCO)

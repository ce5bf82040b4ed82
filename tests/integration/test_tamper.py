"""Tampering with the stored history is detected, on SQLite and on PostgreSQL: a stored
event's bytes changed, one deleted, one inserted — each reported at the right version, over
HTTP (`/verification`) and by `oneplan verify`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest

from domain.values import Actor
from services import cli
from services.config import Config
from services.ledger import PlanLedger
from services.verification import verify_plan
from tests.support.api import Api

SENCO = Actor(id="u-1", name="Sam Senco", role="senco")


class RawStore:
    """The event store as someone with database access sees it: rows of bytes."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.postgres = config.database_url is not None
        self.table = "planledger_events" if self.postgres else "stored_events"
        self.mark = "%s" if self.postgres else "?"

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        if self.postgres:
            assert self.config.database_url is not None
            with psycopg.connect(self.config.database_url, autocommit=True) as connection:
                yield connection.cursor()
        else:
            path = self.config.data_dir / "oneplan.sqlite3"
            with closing(sqlite3.connect(path, isolation_level=None)) as connection:
                yield connection.cursor()

    def _id(self, plan_id: UUID) -> Any:
        return plan_id if self.postgres else plan_id.hex

    def _run(self, sql: str, *params: Any) -> list[Any]:
        with self._cursor() as cursor:
            cursor.execute(sql.replace("?", self.mark), params)
            return list(cursor.fetchall()) if cursor.description else []

    def row(self, plan_id: UUID, version: int) -> tuple[str, bytes]:
        rows = self._run(
            f"SELECT topic, state FROM {self.table} WHERE originator_id=? AND originator_version=?",  # noqa: S608
            self._id(plan_id),
            version,
        )
        return rows[0][0], bytes(rows[0][1])

    def write_state(self, plan_id: UUID, version: int, state: bytes) -> None:
        self._run(
            f"UPDATE {self.table} SET state=? WHERE originator_id=? AND originator_version=?",  # noqa: S608
            state,
            self._id(plan_id),
            version,
        )

    def delete(self, plan_id: UUID, version: int) -> None:
        self._run(
            f"DELETE FROM {self.table} WHERE originator_id=? AND originator_version=?",  # noqa: S608
            self._id(plan_id),
            version,
        )

    def insert(self, plan_id: UUID, version: int, topic: str, state: bytes) -> None:
        self._run(
            f"INSERT INTO {self.table} (originator_id, originator_version, topic, state) "  # noqa: S608
            "VALUES (?, ?, ?, ?)",
            self._id(plan_id),
            version,
            topic,
            state,
        )

    def renumber(self, plan_id: UUID, from_version: int, last: int, by: int) -> None:
        """Move versions from_version..last by `by`, one row at a time so no key collides."""
        order = range(last, from_version - 1, -1) if by > 0 else range(from_version, last + 1)
        for version in order:
            self._run(
                f"UPDATE {self.table} SET originator_version=? "  # noqa: S608
                "WHERE originator_id=? AND originator_version=?",
                version + by,
                self._id(plan_id),
                version,
            )


@pytest.fixture
def plan_id(ledger: PlanLedger) -> UUID:
    """A plan of six entries: opened, a parent, three needs, a view."""
    child = {"ref": "C-1", "name": "Ada", "date_of_birth": date(2019, 5, 4)}
    setting = {"ref": "S-1", "name": "Sunflower", "phase": "school"}
    plan_id = ledger.open_plan(child=child, setting=setting, actor=SENCO).plan.id
    ledger.add_participant(plan_id, 1, name="Pat Parent", role="parent_carer", actor=SENCO)
    for version, text in enumerate(("Reads slowly", "Tires quickly", "Finds noise hard"), start=2):
        ledger.identify_need(
            plan_id, version, area="cognition_and_learning", description=text, actor=SENCO
        )
    ledger.record_view(plan_id, 5, whose="child", text="I like trains", actor=SENCO)
    return plan_id


@pytest.fixture
def raw(config: Config) -> RawStore:
    return RawStore(config)


def verdict(ledger: PlanLedger, plan_id: UUID) -> tuple[bool, int | None, str | None]:
    check = verify_plan(ledger, plan_id)
    return check.ok, check.broken_at_version, check.problem


def test_an_untouched_history_verifies_with_its_chain_head(
    ledger: PlanLedger, plan_id: UUID
) -> None:
    check = verify_plan(ledger, plan_id)

    assert (check.ok, check.checked, check.broken_at_version, check.problem) == (
        True,
        6,
        None,
        None,
    )
    assert (
        check.chain_head == ledger.get_plan(plan_id).chain_head == ledger.chain_head_at(plan_id, 6)
    )


def test_a_changed_byte_in_a_stored_event_is_found_at_its_version(
    ledger: PlanLedger, plan_id: UUID, raw: RawStore
) -> None:
    topic, state = raw.row(plan_id, 4)
    raw.write_state(plan_id, 4, state.replace(b"Tires quickly", b"Tires quicker"))

    assert verdict(ledger, plan_id) == (False, 4, "changed")


def test_a_changed_recorded_time_is_found_too(
    ledger: PlanLedger, plan_id: UUID, raw: RawStore
) -> None:
    _, state = raw.row(plan_id, 2)
    stored = json.loads(state)
    stored["timestamp"]["_data_"] = stored["timestamp"]["_data_"].replace("20", "19", 1)
    raw.write_state(plan_id, 2, json.dumps(stored).encode())

    assert verdict(ledger, plan_id) == (False, 2, "changed")


def test_bytes_that_no_longer_decode_are_a_changed_event(
    ledger: PlanLedger, plan_id: UUID, raw: RawStore
) -> None:
    raw.write_state(plan_id, 5, b"{not json")

    assert verdict(ledger, plan_id) == (False, 5, "changed")


def test_a_deleted_event_is_missing_at_its_version(
    ledger: PlanLedger, plan_id: UUID, raw: RawStore
) -> None:
    raw.delete(plan_id, 3)

    assert verdict(ledger, plan_id) == (False, 3, "missing")


def test_a_deleted_event_with_the_rest_renumbered_is_missing_at_its_version(
    ledger: PlanLedger, plan_id: UUID, raw: RawStore
) -> None:
    raw.delete(plan_id, 3)
    raw.renumber(plan_id, 4, 6, by=-1)

    assert verdict(ledger, plan_id) == (False, 3, "missing")


def test_the_last_event_deleted_is_missing(
    ledger: PlanLedger, plan_id: UUID, raw: RawStore
) -> None:
    raw.delete(plan_id, 6)

    assert verdict(ledger, plan_id) == (False, 6, "missing")


def test_an_event_inserted_in_the_middle_is_found_where_it_was_put(
    ledger: PlanLedger, plan_id: UUID, raw: RawStore
) -> None:
    topic, state = raw.row(plan_id, 3)
    raw.renumber(plan_id, 4, 6, by=+1)
    raw.insert(plan_id, 4, topic, state)  # a copy of the need at version 3, put in at 4

    assert verdict(ledger, plan_id) == (False, 4, "inserted")


def test_an_event_appended_behind_the_ledgers_back_is_inserted(
    ledger: PlanLedger, plan_id: UUID, raw: RawStore
) -> None:
    topic, state = raw.row(plan_id, 6)
    raw.insert(plan_id, 7, topic, state)

    assert verdict(ledger, plan_id) == (False, 7, "inserted")


def test_erasing_a_personal_value_and_its_salt_keeps_the_chain_verifying(
    ledger: PlanLedger, plan_id: UUID, raw: RawStore
) -> None:
    _, state = raw.row(plan_id, 6)
    stored = json.loads(state)
    stored["text"] = None
    del stored["salts"]["text"]
    raw.write_state(plan_id, 6, json.dumps(stored).encode())

    assert verdict(ledger, plan_id) == (True, None, None)


def test_the_verification_endpoint_answers_the_contract_shape(
    api: Api, ledger: PlanLedger, plan_id: UUID, raw: RawStore
) -> None:
    intact = api.get(f"/v1/plans/{plan_id}/verification")
    raw.delete(plan_id, 2)
    broken = api.get(f"/v1/plans/{plan_id}/verification")

    assert intact.status_code == 200
    assert intact.json == {
        "ok": True,
        "checked": 6,
        "broken_at_version": None,
        "problem": None,
        "chain_head": ledger.get_plan(plan_id).chain_head,
    }
    assert broken.json["ok"] is False
    assert (broken.json["broken_at_version"], broken.json["problem"], broken.json["checked"]) == (
        2,
        "missing",
        1,
    )


def test_verifying_an_unknown_plan_is_404(api: Api) -> None:
    response = api.get("/v1/plans/00000000-0000-4000-8000-000000000000/verification")

    assert response.status_code == 404


def test_oneplan_verify_reports_one_plan_or_every_plan(
    config: Config,
    plan_id: UUID,
    raw: RawStore,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli.Config, "from_env", classmethod(lambda cls, environ=None: config))
    assert cli.main(["verify", str(plan_id)]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True

    _, state = raw.row(plan_id, 2)
    raw.write_state(plan_id, 2, state.replace(b"Pat Parent", b"Pat Impostor"))

    assert cli.main(["verify", "--all"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == {
        **json.loads(out),
        "plan_id": str(plan_id),
        "broken_at_version": 2,
        "problem": "changed",
    }
    assert "1/1" in err and "1 plans verified, 1 broken" in err

"""Retention: the review queue lists people past their date; erase from it after confirming."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import CLI, cli_env
from vault.people import NewContactPoint, PersonFields
from vault.retention import add_months


def test_add_months_clamps_the_day() -> None:
    from datetime import date

    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 15), 24) == date(2025, 11, 15)


def test_queue_by_last_activity_and_explicit_date(vault, clock) -> None:
    clock.set("2023-01-10T10:00:00Z")
    stale = vault.people.add(PersonFields(full_name="Stale Candidate"))
    pinned = vault.people.add(PersonFields(full_name="Pinned Date", retention_until="2030-01-01"))
    clock.set("2024-06-01T10:00:00Z")
    busy = vault.people.add(PersonFields(full_name="Busy Contact"), [NewContactPoint("phone", "+1 415 555 0100")])
    clock.set("2023-02-01T10:00:00Z")
    revived = vault.people.add(PersonFields(full_name="Revived Later"), [NewContactPoint("email", "r@example.com")])
    clock.set("2025-01-20T10:00:00Z")
    vault.outreach.log(revived.id, "email", "replied", point="r@example.com")  # activity renews the clock

    clock.set("2025-03-01T09:00:00Z")
    queue = vault.retention.queue()
    assert [i.uuid for i in queue] == [stale.uuid]
    assert queue[0].due == "2025-01-10" and queue[0].basis == "24 months after last activity"
    dates = {i.uuid: i.due for i in vault.retention.items()}
    assert dates[pinned.uuid] == "2030-01-01" and dates[busy.uuid] == "2026-06-01"
    assert dates[revived.uuid] == "2027-01-20"

    vault.retention.set_months(6)
    assert {i.uuid for i in vault.retention.queue()} == {stale.uuid, busy.uuid}
    reports = vault.retention.erase([stale.uuid])
    assert reports[0].person_uuid == stale.uuid
    assert {i.uuid for i in vault.retention.queue()} == {busy.uuid}
    assert vault.people.count() == 3


def test_cli_retention_list_and_erase(vault, clock, tmp_path) -> None:
    clock.set("2020-01-01T00:00:00Z")
    old = vault.people.add(PersonFields(full_name="Long Gone"))
    vault.close()
    env = cli_env(vault.path, tmp_path / "cfg")  # the CLI runs on the real clock: 2020 is long past
    listed = subprocess.run([*CLI, "retention", "list", "--json"], env=env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["months"] == 24 and [p["id"] for p in data["people"]] == [old.uuid]
    refused = subprocess.run([*CLI, "retention", "erase", old.uuid], env=env, capture_output=True, text=True)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    done = subprocess.run([*CLI, "retention", "erase", old.uuid, "--yes"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    after = subprocess.run([*CLI, "retention", "list"], env=env, capture_output=True, text=True)
    assert "(0 past their retention date" in after.stdout
    period = subprocess.run([*CLI, "retention", "period", "12", "--json"], env=env, capture_output=True, text=True)
    assert json.loads(period.stdout) == {"months": 12}
    bad = subprocess.run([*CLI, "retention", "period", "0"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "between 1 and 1200" in bad.stderr

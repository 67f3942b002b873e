"""Every bulk read-out is an audited export (issue 14): ``person list`` and ``search`` print
names and ids; contact details only with --contact-details, and then the read-out is in the
audit trail like ``export --all`` (person ids and count, never values)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import CLI, PASSPHRASE, cli_env
from vault import audit
from vault.config import AppConfig
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault

VALUES = ["ana@example.org", "+14155550111", "ben@example.org", "+14155550122", "cleo@example.org"]


def seed(vault: Vault) -> list[str]:
    people = [
        vault.people.add(PersonFields(full_name="Ana Alvarez", organisation="Northwind"),
                         [NewContactPoint("email", VALUES[0]), NewContactPoint("phone", VALUES[1])]),
        vault.people.add(PersonFields(full_name="Ben Brook", sharing_policy="locked", notes="secret note"),
                         [NewContactPoint("email", VALUES[2]),
                          NewContactPoint("phone", VALUES[3], outreach="do-not-contact")]),
        vault.people.add(PersonFields(full_name="Cleo Chen", kind="contact"),
                         [NewContactPoint("email", VALUES[4], source="old-document")]),
    ]
    return [p.uuid for p in people]


def readouts(path: Path, config: Path) -> list[dict]:
    with Vault.open(path, PASSPHRASE, config=AppConfig(config)) as vault:
        return [e.details for e in audit.query_events(vault.conn, actions=["export.list"])]


def test_list_and_search_print_names_and_ids_only(vault: Vault, tmp_path: Path) -> None:
    ids = seed(vault)
    vault.close()
    env = cli_env(vault.path, tmp_path / "config")
    for argv in (["person", "list", "--json", "--limit", "100000"], ["person", "list", "--limit", "100000"],
                 ["search", "example", "--json"], ["search", "example"]):
        done = subprocess.run([*CLI, *argv], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert [v for v in VALUES if v in done.stdout or v[2:] in done.stdout] == [], argv
        assert "Ana Alvarez" in done.stdout
        if "--json" in argv:
            assert sorted(p["uuid"] for p in json.loads(done.stdout)["people"]) == sorted(ids)
    assert readouts(vault.path, tmp_path / "c2") == []


def test_contact_details_are_an_audited_export(vault: Vault, tmp_path: Path) -> None:
    ids = seed(vault)
    vault.close()
    env = cli_env(vault.path, tmp_path / "config")
    listed = subprocess.run([*CLI, "person", "list", "--contact-details", "--json"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert {p["email"] for p in json.loads(listed.stdout)["people"]} == {VALUES[0], VALUES[2], VALUES[4]}
    found = subprocess.run([*CLI, "search", "example", "--contact-details"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert found.returncode == 0 and VALUES[1] in found.stdout
    events = list(reversed(readouts(vault.path, tmp_path / "c2")))
    assert [(e["command"], e["count"], sorted(e["people"])) for e in events] == [
        ("person list", 3, sorted(ids)), ("search", 3, sorted(ids))]
    assert not any(v in json.dumps(events) for v in VALUES)

"""Duplicates are caught wherever a person is created, two records of one person can be
merged keeping everything both hold, the right-to-represent warning matches by identity, and
contact points have CLI parity with the dialog (issue 14)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import sqlcipher3

from tests.conftest import CLI, PASSPHRASE, cli_env
from tests.test_package_verify import PDF, make_package
from vault import audit, sharing
from vault.config import AppConfig
from vault.errors import DuplicatePerson
from vault.merging import merge_people
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault

MARISOL = "marisol.ortega@example.org"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)


def test_cli_person_add_and_intake_refuse_a_duplicate_naming_the_match(vault: Vault, tmp_path: Path) -> None:
    first = vault.people.add(PersonFields(full_name="Marisol Ortega"),
                             [NewContactPoint("email", MARISOL), NewContactPoint("phone", "+1 415 555 0199"),
                              NewContactPoint("link", "https://www.linkedin.com/in/marisol-ortega/")])
    vault.close()
    env = cli_env(vault.path, tmp_path / "config")
    resume = tmp_path / "marisol.txt"
    resume.write_text(f"Marisol Ortega\nData Engineer\n{MARISOL.upper()}\n")
    for argv in (["person", "add", "--name", "Marisol O.", "--email", MARISOL.upper()],
                 ["person", "add", "--name", "M. Ortega", "--phone", "(415) 555-0199"],
                 ["person", "add", "--name", "Marisol", "--link", "linkedin.com/in/marisol-ortega"],
                 ["intake", str(resume), "--create"]):
        done = run(env, *argv)
        assert done.returncode == 1, (argv, done.stdout, done.stderr)
        assert f"Marisol Ortega (id {first.uuid[:8]}) already has the" in done.stderr, done.stderr
        assert "--allow-duplicate" in done.stderr and "Traceback" not in done.stderr
    kept = run(env, "person", "add", "--name", "Marisol Ortega", "--email", MARISOL, "--allow-duplicate", "--json")
    assert kept.returncode == 0, kept.stderr
    with Vault.open(vault.path, PASSPHRASE, config=AppConfig(tmp_path / "c2")) as again:
        assert again.people.count() == 2
        created = audit.query_events(again.conn, actions=["person.created"], subject_ids=[json.loads(kept.stdout)["id"]])
        assert created[0].details["duplicate_of"] == [first.uuid]
        # A different person with an unrelated address only is no duplicate.
        again.people.add(PersonFields(full_name="Other"), [NewContactPoint("address", "1 Main Street")])
        again.people.add(PersonFields(full_name="Another"), [NewContactPoint("address", "1 Main Street")])


def _duplicate_with_history(vault: Vault, tmp_path: Path) -> tuple[int, int, int]:
    """Jane (sent to Acme in a package) and a second record of her with its own resume,
    a revoked authorisation, outreach and a tag. Returns (jane id, duplicate id, Bob's recipient id)."""
    make_package(vault, tmp_path / "sent.zip")
    jane = vault.people.get(vault.people.list_ids()[0])
    dup = vault.people.add(PersonFields(full_name="Jane Doe", organisation="Initech", notes="met at meetup"),
                           [NewContactPoint("email", "JANE@example.com", outreach="do-not-contact"),
                            NewContactPoint("email", "jane.doe@home.example")], ["python"],
                           allow_duplicate=True)
    vault.documents.add_file(dup.id, PDF)
    auth = vault.authorisations.log(dup.id, recipient="Bob Client", scope=["resume"], purpose="Other role",
                                    method="phone", obtained_at="2026-02-01", valid_until="2099-12-31")
    vault.authorisations.revoke(auth.uuid, "changed her mind")
    vault.outreach.log(dup.id, "email", "no-answer", point="jane@example.com", override=True)
    bob = vault.recipients.get("Bob Client")
    return jane.id, dup.id, bob.id


def test_right_to_represent_matches_by_identity(vault: Vault, tmp_path: Path) -> None:
    jane, dup, bob = _duplicate_with_history(vault, tmp_path)
    (warning,) = sharing.represent_warnings(vault, dup, bob)
    assert "already sent to Acme" in warning and "same e-mail or phone" in warning
    assert sharing.represent_warnings(vault, jane, bob)  # the record itself, as before


def test_cli_merge_keeps_documents_authorisations_shares_and_outreach(vault: Vault, tmp_path: Path) -> None:
    jane, dup, _ = _duplicate_with_history(vault, tmp_path)
    keep, other = vault.people.get(jane), vault.people.get(dup)
    counts = {t: vault.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("documents", "authorisations", "shares", "outreach")}
    vault.close()
    env = cli_env(vault.path, tmp_path / "config")
    done = run(env, "person", "merge", keep.uuid[:8], other.uuid[:8], "--take", "full_name", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["moved"]["documents"] == 1 and report["moved"]["authorisations"] == 1
    with Vault.open(vault.path, PASSPHRASE, config=AppConfig(tmp_path / "c2")) as again:
        conn = again.conn
        assert again.people.count() == 1
        merged = again.people.get(jane)
        assert merged.full_name == "Jane Doe" and merged.organisation == "Initech"
        assert "met at meetup" in merged.notes and merged.tags == ("python",)
        assert {(p.value, p.outreach) for p in merged.points("email")} == {
            ("jane@example.com", "do-not-contact"), ("jane.doe@home.example", "ok")}  # the stricter flag wins
        for table, before in counts.items():
            assert conn.execute(f"SELECT count(*) FROM {table} WHERE person_id = ?", (jane,)).fetchone()[0] == before
        (revoked,) = [a for a in again.authorisations.for_person(jane) if a.revoked_at]
        assert revoked.purpose == "Other role"
        assert conn.execute("SELECT count(*) FROM outreach WHERE contact_point_id IS NULL").fetchone()[0] == 0
        assert len({d.version for d in again.documents.for_person(jane, role="resume")}) == 2
        (event,) = audit.query_events(conn, actions=["person.merged"])
        assert event.subject_id == keep.uuid and event.details["merged"] == other.uuid
        assert "full_name" in event.details["fields"]
        assert again.verify_audit_chain().ok and again.check().ok
        assert again.search.query("initech").ids == [jane]
        with pytest.raises(sqlcipher3.IntegrityError, match="immutable"):  # still immutable outside a merge
            conn.execute("UPDATE authorisations SET person_id = person_id + 1")
        assert conn.execute("SELECT count(*) FROM merge_moves").fetchone()[0] == 0


def test_merge_refuses_the_same_record_and_unknown_fields(vault: Vault) -> None:
    a = vault.people.add(PersonFields(full_name="A"))
    b = vault.people.add(PersonFields(full_name="B"))
    with pytest.raises(Exception, match="same record"):
        merge_people(vault, a.id, a.id)
    with pytest.raises(Exception, match="cannot be chosen"):
        merge_people(vault, a.id, b.id, {"notes": "other"})
    with pytest.raises(DuplicatePerson):
        vault.people.add(PersonFields(full_name="C"), [NewContactPoint("email", "c@example.org")])
        vault.people.add(PersonFields(full_name="C2"), [NewContactPoint("email", "C@example.org")])


def test_cli_contact_point_parity(vault: Vault, tmp_path: Path) -> None:
    person = vault.people.add(PersonFields(full_name="Pat Caller"),
                              [NewContactPoint("phone", "+1 415 555 0111"), NewContactPoint("email", "pat@example.org")])
    vault.close()
    env = cli_env(vault.path, tmp_path / "config")
    pid = person.uuid[:8]

    def points() -> set[tuple[str, str, str, str]]:
        with Vault.open(vault.path, PASSPHRASE, config=AppConfig(tmp_path / "c2")) as again:
            return {(p.kind, p.value, p.source, p.outreach) for p in again.people.get(person.id).contact_points}

    assert run(env, "person", "edit", pid, "--do-not-contact", "(415) 555-0111").returncode == 0
    assert ("phone", "+14155550111", "given", "do-not-contact") in points()
    assert run(env, "person", "edit", pid, "--contact-ok", "+14155550111").returncode == 0
    assert ("phone", "+14155550111", "given", "ok") in points()
    done = run(env, "person", "edit", pid, "--email", "pat@old-job.example", "--source", "old-document",
               "--remove", "PAT@example.org")
    assert done.returncode == 0, done.stderr
    assert points() == {("phone", "+14155550111", "given", "ok"),
                        ("email", "pat@old-job.example", "old-document", "ok")}
    missing = run(env, "person", "edit", pid, "--remove", "nobody@example.org")
    assert missing.returncode == 1 and "is not one of Pat Caller's contact points" in missing.stderr
    with Vault.open(vault.path, PASSPHRASE, config=AppConfig(tmp_path / "c3")) as again:
        actions = [e.action for e in audit.query_events(again.conn, subject_ids=[person.uuid])]
        assert actions.count("contact_point.updated") == 2 and actions.count("contact_point.removed") == 1


def test_cli_share_warns_when_a_duplicate_record_went_to_the_firm(vault: Vault, tmp_path: Path) -> None:
    make_package(vault, tmp_path / "sent.zip")  # Jane Q. Doe went to Bob Client at Acme
    dup = vault.people.add(PersonFields(full_name="Jane Doe"), [NewContactPoint("phone", "(415) 555-0100")],
                           allow_duplicate=True)
    vault.documents.add_file(dup.id, PDF)
    vault.authorisations.log(dup.id, recipient="Bob Client", scope=["resume"], purpose="Another role",
                             method="email", obtained_at="2026-02-01", valid_until="2099-12-31")
    vault.set_setting("sharing.represent_days", "36500")  # the CLI runs on today's clock, the first share did not
    vault.close()
    env = cli_env(vault.path, tmp_path / "config")
    done = run(env, "share", dup.uuid[:8], "--recipient", "Bob Client", "--out", str(tmp_path / "again.zip"))
    assert done.returncode == 0, done.stderr  # a warning, never a refusal
    assert "Warning: this person was already sent to Acme" in done.stdout
    assert "same e-mail or phone" in done.stdout

"""Erasure holds on every way in (issue 14): after ``erase --suppress``, person add, intake,
file import, package import, merges and a new contact point all refuse the person with the
erasure date (never their data), exit 1; ``--despite-erasure`` is the audited way back and
takes their digests off the list. A package is refused a second time by its id even after its
person was erased. The refusals leave no trace: vault bytes, WAL, decrypted pages and FTS terms
are scanned as in test_privacy_erasure."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CLI, FIXED_NOW, PASSPHRASE, cli_env
from tests.test_package_verify import make_package
from tests.test_privacy_erasure import (
    EMAIL,
    NAME,
    PHONE,
    RESUME,
    add_target,
    decrypted_file,
    decrypted_wal,
    dump_all_tables,
    found_in_bytes,
)
from vault import audit, sharing
from vault.clock import FixedClock
from vault.config import AppConfig
from vault.errors import PackageInvalid, SuppressedPerson
from vault.importing import apply_plan, plan_import
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault
from vault.suppression import Suppression

ERASED_ON = FIXED_NOW[:10]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)


def no_trace(path: Path, key: bytes) -> None:
    """The person's name, e-mail and resume word are nowhere: file, WAL, decrypted pages, rows, FTS terms."""
    for blob in (path.read_bytes(), Path(str(path) + "-wal").read_bytes() if Path(str(path) + "-wal").exists()
                 else b""):
        assert found_in_bytes(blob) == []
    assert found_in_bytes(decrypted_file(path, key)) == []
    assert found_in_bytes(decrypted_wal(path, key)) == []
    dump = dump_all_tables(path, key)
    assert [s for s in (NAME.lower(), EMAIL, "zyxwarbler") if s in dump] == []


@pytest.fixture
def erased(vault: Vault) -> Vault:
    """Quentin erased with --suppress (on FIXED_NOW's date); Olivia stays."""
    person_uuid = add_target(vault)
    vault.privacy.erase(person_uuid, suppress=True)
    return vault


def test_cli_ways_in_refuse_a_suppressed_person_with_the_erasure_date(erased: Vault, template_vault,
                                                                     tmp_path: Path) -> None:
    olivia = erased.people.get(erased.people.list_ids()[0]).uuid
    erased.close()
    env = cli_env(erased.path, tmp_path / "config")
    resume = tmp_path / "quentin.txt"
    resume.write_bytes(RESUME)
    attempts = {
        "person add": ["person", "add", "--name", "Q. Z.", "--email", EMAIL.upper()],
        "person add by phone": ["person", "add", "--name", "Someone", "--phone", PHONE],
        "intake --create": ["intake", str(resume), "--create"],
        "add contact point": ["person", "edit", olivia, "--email", EMAIL],
    }
    for what, argv in attempts.items():
        done = run(env, *argv)
        assert done.returncode == 1, (what, done.stdout, done.stderr)
        assert f"erased on request on {ERASED_ON}" in done.stderr, what
        assert "--despite-erasure" in done.stderr and "Traceback" not in done.stderr
        assert EMAIL not in done.stderr.lower() and "zyxwarbler" not in done.stderr.lower(), what
    no_trace(erased.path, template_vault[1])

    back = run(env, "intake", str(resume), "--create", "--despite-erasure", "--json")
    assert back.returncode == 0, back.stderr
    with Vault.open(erased.path, PASSPHRASE, config=AppConfig(tmp_path / "c2")) as again:
        assert Suppression(again).count() == 0  # both of Quentin's digests came off the list
        (lifted,) = audit.query_events(again.conn, actions=["suppression.lifted"])
        assert lifted.subject_id == json.loads(back.stdout)["id"]
        assert lifted.details == {"removed": 2, "way": "resume", "erased_on": [ERASED_ON]}
        assert again.verify_audit_chain().ok


def test_cli_person_add_despite_erasure_is_audited(erased: Vault, tmp_path: Path) -> None:
    erased.close()
    env = cli_env(erased.path, tmp_path / "config")
    done = run(env, "person", "add", "--name", NAME, "--email", EMAIL, "--despite-erasure", "--json")
    assert done.returncode == 0, done.stderr
    with Vault.open(erased.path, PASSPHRASE, config=AppConfig(tmp_path / "c2")) as again:
        events = audit.query_events(again.conn, subject_ids=[json.loads(done.stdout)["id"]])
        assert [e.action for e in reversed(events)][:2] == ["suppression.lifted", "person.created"]
        assert Suppression(again).count() == 1  # the phone was not given, so it stays listed


def test_core_gates_cover_merge_update_and_file_import(erased: Vault) -> None:
    olivia = erased.people.get(erased.people.list_ids()[0])
    with pytest.raises(SuppressedPerson) as caught:
        erased.people.add(PersonFields(full_name="Q"), [NewContactPoint("phone", "(415) 555-0142")])
    assert caught.value.erased_on == ERASED_ON
    with pytest.raises(SuppressedPerson):
        erased.people.merge(olivia, None, [NewContactPoint("email", EMAIL)], [])
    point = olivia.points("email")[0]
    with pytest.raises(SuppressedPerson, match="contact detail matches someone erased"):
        erased.people.update_contact_point(point.uuid, value=EMAIL)
    assert erased.people.get(olivia.id).points("email")[0].value == "olivia@example.org"
    card = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Q\r\nEMAIL:{EMAIL}\r\nEND:VCARD\r\n".encode()
    plan = plan_import(erased, card, "back.vcf")
    assert plan.rows[0].outcome == "suppressed" and ERASED_ON in plan.rows[0].reason
    apply_plan(erased, plan)
    assert erased.people.count() == 1


@pytest.fixture
def receiver(tmp_path: Path) -> Vault:
    path = tmp_path / "receiver.cvault"
    with Vault.create(path, PASSPHRASE, owner_name="Bob Client", organisation="Acme", email="bob@acme.example",
                      clock=FixedClock(FIXED_NOW), config=AppConfig(tmp_path / "rconfig")) as created:
        key = created.raw_key
    opened = Vault.open(path, raw_key=key, clock=FixedClock(FIXED_NOW), config=AppConfig(tmp_path / "rconfig"))
    yield opened
    if opened.is_open:
        opened.close()


def test_package_import_refuses_an_erased_person_and_any_replay(vault: Vault, receiver: Vault,
                                                                tmp_path: Path) -> None:
    first = make_package(vault, tmp_path / "first.zip")
    jane = vault.people.get(vault.people.list_ids()[0])
    second = sharing.build_share(vault, jane.id, "Bob Client", ["email", "phone"], tmp_path / "second.zip")
    plain = sharing.build_share(vault, jane.id, "Bob Client", ["email"], tmp_path / "third.zip")

    # The first package comes with the sender's key, given by the sender; it is kept for the rest.
    imported = sharing.import_package(receiver, first.path, sender_key=vault.owner.identity.minisign_base64())
    receiver.privacy.erase(imported.person_id)  # without --suppress: the package id still may not replay
    with pytest.raises(PackageInvalid, match="already imported"):
        sharing.import_package(receiver, first.path)
    again = sharing.import_package(receiver, second.path)
    receiver.privacy.erase(again.person_id, suppress=True)
    receiver.close()

    env = cli_env(receiver.path, tmp_path / "config")
    replay = run(env, "import-package", str(second.path))
    assert replay.returncode == 1 and "already imported" in replay.stderr
    refused = run(env, "import-package", str(plain.path))
    assert refused.returncode == 1 and f"erased on request on {ERASED_ON}" in refused.stderr
    assert "jane" not in refused.stderr.lower()
    back = run(env, "import-package", str(plain.path), "--despite-erasure", "--json")
    assert back.returncode == 0, back.stderr
    with Vault.open(receiver.path, PASSPHRASE, config=AppConfig(tmp_path / "c2")) as opened:
        assert opened.people.count() == 1
        assert [e.details["way"] for e in audit.query_events(opened.conn, actions=["suppression.lifted"])] == [
            "package"]


def test_refused_attempts_leave_no_trace(erased: Vault, template_vault) -> None:
    """The gate refuses before anything is written: no page of the attempt reaches file or WAL."""
    for _ in range(3):
        with pytest.raises(SuppressedPerson):
            erased.people.add(PersonFields(full_name=NAME, notes="zyxwarbler"), [NewContactPoint("email", EMAIL)])
    erased.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    no_trace(erased.path, template_vault[1])


def test_package_import_refuses_a_person_already_held_unless_allowed(vault: Vault, receiver: Vault,
                                                                      tmp_path: Path) -> None:
    """Duplicates are caught on this way in too: a second package about Jane (a new id) names
    the record already imported, unless the user keeps both."""
    from vault.errors import DuplicatePerson

    first = make_package(vault, tmp_path / "first.zip")
    jane = vault.people.get(vault.people.list_ids()[0])
    second = sharing.build_share(vault, jane.id, "Bob Client", ["email"], tmp_path / "second.zip")
    held = sharing.import_package(receiver, first.path, sender_key=vault.owner.identity.minisign_base64())
    with pytest.raises(DuplicatePerson) as caught:
        sharing.import_package(receiver, second.path)
    assert caught.value.person_uuid == held.person_id
    assert receiver.people.count() == 1
    again = sharing.import_package(receiver, second.path, allow_duplicate=True)
    assert again.person_id != held.person_id and receiver.people.count() == 2


def test_erasure_after_a_merge_leaves_no_trace(vault: Vault, template_vault) -> None:
    """A merged record's rows move to the kept one; erasing that person still leaves nothing
    of either record (bytes, WAL, decrypted pages, FTS terms)."""
    from vault.merging import merge_people

    keep = add_target(vault)
    other = vault.people.add(PersonFields(full_name=NAME, notes="zyxwarbler again"),
                             [NewContactPoint("email", EMAIL), NewContactPoint("phone", "+1 415 555 0143")],
                             allow_duplicate=True)
    vault.documents.add_bytes(other.id, RESUME, "second-resume.txt")
    merge_people(vault, keep, other.uuid)
    assert vault.people.count() == 2  # Quentin (merged) and Olivia
    vault.privacy.erase(keep, suppress=True)
    no_trace(vault.path, template_vault[1])
    assert Suppression(vault).count() == 3

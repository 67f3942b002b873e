"""Subject access: one zip with everything held about a person, audited, with a checkpoint."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import CLI, REPO, cli_env, corpus_file
from vault import audit
from vault.audit.checkpoints import Checkpoint
from vault.errors import ValidationError
from vault.people import NewContactPoint, PersonFields
from vault.sharing import build_share

RESUME = corpus_file("resumes/trajector__sample-resume.pdf")


def consented_candidate(vault, tmp_path):
    person = vault.people.add(PersonFields(full_name="Jane Doe", kind="candidate", notes="private note"),
                              [NewContactPoint("email", "jane.doe@example.com")], ["backend"])
    resume = vault.documents.add_file(person.id, RESUME)
    evidence = vault.documents.add_bytes(person.id, b"Yes, send my CV to Contoso. -- Jane", "consent.txt",
                                         role="evidence")
    recipient = vault.recipients.add("Carl Client", email="carl@contoso.example", organisation="Contoso")
    auth = vault.authorisations.log(person.id, scope=["resume", "email"], purpose="Backend role",
                                    method="email", obtained_at="2026-02-20", recipient=recipient.id,
                                    valid_until="2026-12-31", evidence_document=evidence.id)
    old = vault.authorisations.log(person.id, scope=["resume"], purpose="Earlier role", method="phone",
                                   obtained_at="2026-01-05", recipient=recipient.id, evidence_document=evidence.id)
    vault.authorisations.revoke(old.id, "changed her mind")
    share = build_share(vault, person.id, recipient.id, [f"document:{resume.uuid}", "email"],
                        tmp_path / "package.zip")
    vault.outreach.log(person.id, "email", "replied", point="jane.doe@example.com", note="keen")
    return person, resume, auth, share


def test_export_person_zip_holds_everything(vault, tmp_path) -> None:
    person, resume, auth, share = consented_candidate(vault, tmp_path)
    out = tmp_path / "jane.zip"
    vault.privacy.export_person(person.uuid, out)
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert {"person.json", "person.vcf", "audit-events.jsonl", "checkpoint.json", "manifest.json",
                "README.txt"} <= names
        data = json.loads(archive.read("person.json"))
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
        docs = [n for n in names if n.startswith("documents/")]
        assert len(docs) == 2
        stored = archive.read(next(n for n in docs if n.endswith(".pdf")))
        assert stored == RESUME.read_bytes()
        lines = [json.loads(line) for line in archive.read("audit-events.jsonl").decode().splitlines()]
        events = [e for e in lines if "action" in e]  # the rest: the export header and gap lines
        checkpoint = json.loads(archive.read("checkpoint.json"))
        vcf = archive.read("person.vcf").decode()
    assert data["person"]["notes"] == "private note" and data["person"]["tags"] == ["backend"]
    assert [a["id"] for a in data["authorisations"]][0] == auth.uuid
    assert len(data["authorisations"]) == 2 and data["authorisations"][1]["revoked_reason"] == "changed her mind"
    assert data["shares"][0]["authorisation_id"] == auth.uuid
    assert data["outreach"][0]["outcome"] == "replied"
    assert "FN:Jane Doe" in vcf
    actions = [e["action"] for e in events]
    for action in ("person.created", "document.added", "authorisation.logged", "authorisation.revoked",
                   "share.created", "outreach.logged", "person.exported"):
        assert action in actions, action
    for event in events:  # each exported event still hashes to its recorded hash
        body = {k: event[k] for k in ("seq", "at", "actor", "action", "subject", "details", "prev")}
        assert audit.event_hash(body) == event["hash"]
    cp = Checkpoint.from_json(checkpoint)
    assert cp.verify(vault.owner.identity)
    head = audit.query_events(vault.conn, actions=["person.exported"])[0]
    assert cp.seq == head.seq  # the checkpoint commits to the export event itself
    assert manifest["checkpoint"]["hash"] == head.hash


def test_erasure_of_a_consented_and_shared_person(vault, tmp_path) -> None:
    person, *_ = consented_candidate(vault, tmp_path)
    report = vault.privacy.erase(person.uuid)
    assert report.documents == 2
    for table in ("authorisations", "shares", "outreach", "documents", "document_blobs", "contact_points"):
        assert vault.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    assert vault.verify_audit_chain().ok


def test_export_refuses_a_folder(vault, tmp_path) -> None:
    person = vault.people.add(PersonFields(full_name="Solo Person"))
    with pytest.raises(ValidationError):
        vault.privacy.export_person(person.uuid, tmp_path)


def test_cli_export_person(vault, tmp_path) -> None:
    person, *_ = consented_candidate(vault, tmp_path)
    vault.close()
    env = cli_env(vault.path, tmp_path / "cfg")
    out = tmp_path / "sar.zip"
    done = subprocess.run([*CLI, "export-person", person.uuid[:8], "--out", str(out), "--json"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"id": person.uuid, "path": str(out)}
    assert zipfile.ZipFile(out).testzip() is None
    assert not list(tmp_path.glob(".sar.zip.*"))  # no temp file left behind


def test_the_zips_audit_trail_verifies_with_both_documented_verifiers(vault, tmp_path) -> None:
    """It calls itself hash-chained: 'contact-vault audit verify' and the standalone
    scripts/verify_audit.py both accept it, with the owner's key from the zip, and both
    refuse it once one event is changed."""
    person, *_ = consented_candidate(vault, tmp_path)
    vault.people.add(PersonFields(full_name="Someone Else"))  # events of others become gap lines
    out = tmp_path / "jane.zip"
    vault.privacy.export_person(person.uuid, out)
    vault.close()
    with zipfile.ZipFile(out) as archive:
        trail = archive.read("audit-events.jsonl")
        key = json.loads(archive.read("checkpoint.json"))["public_key_minisign"]
    (tmp_path / "trail.jsonl").write_bytes(trail)
    (tmp_path / "owner.pub").write_text(key)
    assert b'"gap"' in trail and b"Someone Else" not in trail
    tampered = trail.replace(b'"outcome":"replied"', b'"outcome":"declined"')
    assert tampered != trail
    (tmp_path / "tampered.jsonl").write_bytes(tampered)
    env = cli_env(vault.path, tmp_path / "cfg")
    verifiers = ([*CLI, "audit", "verify"], [sys.executable, str(REPO / "scripts" / "verify_audit.py")])
    for verifier in verifiers:
        good = subprocess.run([*verifier, str(tmp_path / "trail.jsonl"), "--key", str(tmp_path / "owner.pub")],
                              env=env, capture_output=True, text=True, timeout=120)
        assert good.returncode == 0, (verifier, good.stdout, good.stderr)
        bad = subprocess.run([*verifier, str(tmp_path / "tampered.jsonl"), "--key", str(tmp_path / "owner.pub")],
                             env=env, capture_output=True, text=True, timeout=120)
        assert bad.returncode == 1, (verifier, bad.stdout, bad.stderr)

"""Audit exports: what each format carries, scopes, annotations, erasure, streaming, auditing."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader

from vault import audit
from vault.audit import checkpoints
from vault.audit import writers as audit_writers
from vault.audit.export_format import CSV_COLUMNS
from vault.audit.scope import ExportScope, make_scope
from vault.audit.verify import load_checkpoint, verify_export
from vault.audit.writers import export_audit, save_checkpoint
from vault.errors import Cancelled, NotFound, ValidationError
from vault.people import PersonFields


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _people(vault, clock):
    ada = vault.people.add(PersonFields(full_name="Ada Lovelace", organisation="Analytical Engines"))
    clock.advance(days=1)
    bob = vault.people.add(PersonFields(full_name="Bob Babbage"))
    clock.advance(days=1)
    vault.people.update(ada.uuid, PersonFields(title="Chief Engineer"))
    vault.people.add_tag(bob.uuid, "python")
    return ada, bob


def test_jsonl_whole_vault_has_header_every_event_and_verifies(vault, clock, tmp_path):
    ada, bob = _people(vault, clock)
    out = tmp_path / "audit.jsonl"
    result = export_audit(vault, out, "jsonl")
    lines = _lines(out)
    header, events = lines[0], lines[1:]
    assert header["type"] == "contact-vault-audit-export" and header["format_version"] == 1
    assert header["owner"]["name"] == "Rita Recruiter"
    assert header["owner"]["organisation"] == "Northwind Talent"
    assert header["owner"]["public_key"] == vault.owner.identity.minisign_base64()
    assert header["owner"]["fingerprint"] == vault.owner.fingerprint
    assert header["scope"] == {"person": None, "since": None, "until": None, "actions": None}
    # The checkpoint is fresh, stored in the vault and signed by the owner.
    cp = checkpoints.Checkpoint.from_json(header["checkpoint"])
    assert cp == checkpoints.latest(vault) == result.checkpoint
    assert cp.verify(vault.owner.identity)
    # Every event 1..head, no gaps, exactly as stored (prev and hash as hashed).
    assert [e["seq"] for e in events] == list(range(1, header["head_seq"] + 1))
    stored = {e.seq: e.to_json() for e in audit.iter_events(vault.conn)}
    for line in events:
        annotations = line.pop("annotations", None)
        assert line == stored[line["seq"]]
        if line["subject"]["type"] == "person":
            assert annotations == {"subject_name": {ada.uuid: "Ada Lovelace", bob.uuid: "Bob Babbage"}[
                line["subject"]["id"]]}
    check = verify_export(out, vault.owner.identity)
    assert check.ok, check.reason
    assert check.signed_from == 1 and check.checkpoint.seq == cp.seq
    # The export itself is audited with field names only, after the file's head.
    last = audit.last_event(vault.conn)
    assert last.action == "audit.exported" and last.seq == header["head_seq"] + 1
    assert last.details == {"format": "jsonl", "scope": [], "events": len(events), "checkpoint": cp.seq}


def test_person_export_has_their_events_and_gap_lines_and_verifies(vault, clock, tmp_path):
    ada, bob = _people(vault, clock)
    # An event about Bob whose details mention Ada (e.g. a referral) belongs to Ada's export too.
    with vault.transaction():
        vault.record("intro.requested", "person", bob.uuid, {"referred_by": ada.uuid})
    out = tmp_path / "ada.jsonl"
    export_audit(vault, out, "jsonl", make_scope(vault, person=ada.uuid[:8]))
    lines = _lines(out)
    header, body = lines[0], lines[1:]
    assert header["scope"]["person"] == ada.uuid
    events = [line for line in body if "gap" not in line]
    assert [e["action"] for e in events] == ["person.created", "person.updated", "intro.requested"]
    assert all(e["subject"]["id"] == ada.uuid or ada.uuid in json.dumps(e["details"]) for e in events)
    # Every seq 1..head is accounted for, and the checkpoint's seq is a line or ends a gap.
    covered = []
    for line in body:
        if "gap" in line:
            covered.extend(range(line["gap"]["first_seq"], line["gap"]["last_seq"] + 1))
        else:
            covered.append(line["seq"])
    assert covered == list(range(1, header["head_seq"] + 1))
    known = {line["gap"]["last_seq"]: line["gap"]["last_hash"] for line in body if "gap" in line}
    known.update({line["seq"]: line["hash"] for line in events})
    assert known[header["checkpoint"]["seq"]] == header["checkpoint"]["hash"]
    check = verify_export(out, vault.owner.identity)
    assert check.ok, check.reason
    assert check.events == 3


def test_date_range_and_action_filters(vault, clock, tmp_path):
    _people(vault, clock)  # created on day 0 and day 1, updated on day 2 (from 2026-03-01)
    out = tmp_path / "range.jsonl"
    scope = make_scope(vault, since="2026-03-02", until="2026-03-02", actions=["person.created"])
    assert scope.since == "2026-03-02T00:00:00.000Z" and scope.until == "2026-03-03T00:00:00.000Z"
    export_audit(vault, out, "jsonl", scope)
    events = [line for line in _lines(out)[1:] if "gap" not in line]
    assert [(e["action"], e["annotations"]["subject_name"]) for e in events] == [("person.created", "Bob Babbage")]
    assert verify_export(out).ok
    with pytest.raises(ValidationError, match="action"):
        make_scope(vault, actions=["person.exploded"])
    with pytest.raises(ValidationError, match="since"):
        make_scope(vault, since="yesterday")
    with pytest.raises(ValidationError, match="until"):
        make_scope(vault, since="2026-03-05", until="2026-03-01")
    with pytest.raises(NotFound):
        make_scope(vault, person="not-a-person")


def test_earlier_checkpoints_split_gaps_so_they_stay_checkable(vault, clock, tmp_path):
    ada, bob = _people(vault, clock)
    first = tmp_path / "first.jsonl"
    export_audit(vault, first, "jsonl")
    earlier = load_checkpoint(first)
    vault.people.update(bob.uuid, PersonFields(title="Analyst"))
    filtered = tmp_path / "ada.jsonl"
    export_audit(vault, filtered, "jsonl", ExportScope(person=ada.uuid))
    check = verify_export(filtered, vault.owner.identity, earlier)
    assert check.ok, check.reason
    assert check.earlier_checkpoint == earlier


def test_csv_export_columns_checkpoint_row_and_annotations(vault, clock, tmp_path):
    ada, _ = _people(vault, clock)
    out = tmp_path / "audit.csv"
    result = export_audit(vault, out, "csv", ExportScope(person=ada.uuid))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    kind = rows[1]
    assert kind[0] == "checkpoint" and int(kind[1]) == result.checkpoint.seq and kind[10] == result.checkpoint.hash
    assert json.loads(kind[8])["signature"] == result.checkpoint.signature
    events = rows[2:]
    assert [r[4] for r in events] == ["person.created", "person.updated"]
    assert {r[7] for r in events} == {"Ada Lovelace"}
    # details are the canonical JSON that was hashed; the row recomputes to its hash.
    for r in events:
        event = audit.AuditEvent(int(r[1]), r[2], r[3], r[4], r[5], r[6], json.loads(r[8]), r[9], r[10])
        assert audit.event_hash(event.body()) == r[10]


def test_pdf_report_has_identity_scope_status_checkpoint_and_events(vault, clock, tmp_path):
    _people(vault, clock)
    out = tmp_path / "audit.pdf"
    result = export_audit(vault, out, "pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(str(out)).pages)
    for expected in ("Audit trail report", "Rita Recruiter", "Northwind Talent", vault.owner.fingerprint,
                     "the whole vault", "Verified", f"Event #{result.checkpoint.seq}", "person.created",
                     "Ada Lovelace", "Bob Babbage"):
        assert expected in text, expected
    assert audit.last_event(vault.conn).details["format"] == "pdf"


def test_pdf_report_is_cut_at_the_row_limit_and_says_so(vault, tmp_path, monkeypatch):
    monkeypatch.setattr(audit_writers, "PDF_MAX_ROWS", 3)
    out = tmp_path / "audit.pdf"
    with vault.transaction():
        for _ in range(5):
            vault.record("settings.changed", "vault", vault.uuid, {"setting": "x"})
    result = export_audit(vault, out, "pdf")
    assert result.truncated and result.events == 3
    assert "first 3 of" in PdfReader(str(out)).pages[0].extract_text()


def test_after_a_person_is_deleted_chain_verifies_and_no_export_names_them(vault, clock, tmp_path):
    zelda = vault.people.add(PersonFields(full_name="Zelda Quixote", headline="Staff engineer"))
    vault.people.update(zelda.uuid, PersonFields(title="Principal"))
    _people(vault, clock)
    before = tmp_path / "before.jsonl"
    export_audit(vault, before, "jsonl")
    assert "Zelda Quixote" in before.read_text("utf-8")  # the control: names do appear while she exists
    vault.people.delete(zelda.uuid)
    assert audit.verify_chain(vault.conn).ok
    outputs = []
    for fmt in ("jsonl", "csv", "pdf"):
        for scope in (ExportScope(), make_scope(vault, person=zelda.uuid)):
            out = tmp_path / f"after-{fmt}-{'p' if scope.person else 'all'}.{fmt}"
            export_audit(vault, out, fmt, scope)
            outputs.append(out)
    for out in outputs:
        if out.suffix == ".pdf":
            text = "\n".join(page.extract_text() for page in PdfReader(str(out)).pages)
        else:
            text = out.read_text("utf-8-sig")
        assert "Zelda" not in text and "Quixote" not in text, out.name
        assert "[erased]" in text, out.name
    person_export = tmp_path / "after-jsonl-p.jsonl"
    events = [line for line in _lines(person_export)[1:] if "gap" not in line]
    assert [e["action"] for e in events] == ["person.created", "person.updated", "person.deleted"]
    assert all(e["annotations"] == {"subject_name": "[erased]"} for e in events)
    assert verify_export(person_export, vault.owner.identity).ok
    assert verify_export(tmp_path / "after-jsonl-all.jsonl", vault.owner.identity).ok


def test_export_is_atomic_and_cancellable(vault, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "audit.jsonl"
    out.write_text("previous export\n")
    with vault.transaction():
        for i in range(2500):
            vault.record("settings.changed", "vault", vault.uuid, {"setting": f"s{i}"})
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 2000:
            raise Cancelled()

    head_before = audit.last_event(vault.conn).seq
    with pytest.raises(Cancelled):
        export_audit(vault, out, "jsonl", progress=progress)
    assert out.read_text() == "previous export\n"
    assert [p.name for p in folder.iterdir()] == ["audit.jsonl"]  # no temp file left
    assert seen[0] == (0, seen[0][1]) and seen[0][1] >= 2500
    # Nothing recorded as exported (only the checkpoint it signed).
    actions = [e.action for e in audit.iter_events(vault.conn, after_seq=head_before)]
    assert "audit.exported" not in actions


def _export_peak(vault, out: Path) -> int:
    tracemalloc.start()
    try:
        export_audit(vault, out, "jsonl")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_jsonl_export_streams_without_holding_the_trail_in_memory(vault, tmp_path):
    """Peak memory stays flat when the trail triples: the export streams batch by batch."""
    subject = str(uuid.uuid4())

    def add(count: int) -> None:
        with vault.transaction():
            for i in range(count):
                vault.record("person.updated", "person", subject, {"fields": ["notes", "title"], "n": i})

    add(10_000)
    small = _export_peak(vault, tmp_path / "small.jsonl")
    add(20_000)
    out = tmp_path / "big.jsonl"
    big = _export_peak(vault, out)
    size = out.stat().st_size
    assert size > 10_000_000
    assert big < small * 1.5 + 1_000_000, f"peak {small} -> {big} bytes as the trail tripled"
    assert big < size / 4
    assert verify_export(out, vault.owner.identity).ok


def test_save_checkpoint_file_is_loadable(vault, tmp_path):
    out = tmp_path / "cp.json"
    cp, data = save_checkpoint(vault, out)
    assert json.loads(out.read_text()) == data
    assert data["fingerprint"] == vault.owner.fingerprint
    loaded = load_checkpoint(out)
    assert loaded == cp and loaded.verify(vault.owner.identity)


def test_load_checkpoint_accepts_header_export_and_manifest_shapes(vault, tmp_path):
    export = tmp_path / "e.jsonl"
    export_audit(vault, export, "jsonl")
    cp = load_checkpoint(export)
    header = tmp_path / "header.json"
    header.write_text(export.read_text().splitlines()[0])
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"format": "contact-vault-package", "sender": {"name": "R"},
                                    "audit": {"checkpoint": cp.to_json()}}, indent=2))
    assert load_checkpoint(header) == cp == load_checkpoint(manifest)
    junk = tmp_path / "junk.json"
    junk.write_text('{"hello": 1}')
    with pytest.raises(ValidationError, match="no checkpoint"):
        load_checkpoint(junk)


def test_load_checkpoint_from_a_subject_access_zip_and_a_package_shaped_zip(vault, clock, tmp_path):
    """Checkpoints handed out inside zips (subject-access exports, share packages) are usable as-is."""
    import zipfile

    ada, _ = _people(vault, clock)
    access = vault.privacy.export_person(ada.uuid, tmp_path / "ada-access.zip")
    from_access = load_checkpoint(access)
    assert from_access.verify(vault.owner.identity)
    package = tmp_path / "package.zip"
    cp = checkpoints.create(vault)
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"format": "contact-vault-package/1", "checkpoint": cp.to_json(),
                                                      "files": []}))
    assert load_checkpoint(package) == cp
    vault.people.update(ada.uuid, PersonFields(title="Countess"))
    later = tmp_path / "later.jsonl"
    export_audit(vault, later, "jsonl")
    for earlier in (from_access, cp):
        check = verify_export(later, vault.owner.identity, earlier)
        assert check.ok and check.earlier_checkpoint == earlier


def test_after_a_real_erasure_no_export_names_the_person_and_all_verify(vault, clock, tmp_path):
    """The privacy service's erase (with suppression), then every format and scope."""
    from vault.people import NewContactPoint

    zelda = vault.people.add(PersonFields(full_name="Zelda Quixote"),
                             [NewContactPoint("email", "zelda.quixote@example.org")])
    vault.people.update(zelda.uuid, PersonFields(title="Principal"))
    vault.privacy.erase(zelda.uuid, suppress=True)
    assert audit.verify_chain(vault.conn).ok
    for fmt in ("jsonl", "csv", "pdf"):
        for scope in (ExportScope(), make_scope(vault, person=zelda.uuid)):
            out = tmp_path / f"{fmt}-{'p' if scope.person else 'all'}.{fmt}"
            export_audit(vault, out, fmt, scope)
            text = ("\n".join(page.extract_text() for page in PdfReader(str(out)).pages) if fmt == "pdf"
                    else out.read_text("utf-8-sig"))
            for fragment in ("Zelda", "Quixote", "zelda.quixote"):
                assert fragment not in text, (out.name, fragment)
            if fmt == "jsonl":
                assert verify_export(out, vault.owner.identity).ok


def test_a_read_only_vault_refuses_an_audit_export_it_could_not_record(vault_path, template_vault, tmp_path):
    from vault.config import AppConfig
    from vault.errors import VaultReadOnly
    from vault.store import Vault

    readonly = Vault.open(vault_path, raw_key=template_vault[1], config=AppConfig(tmp_path / "cfg"), readonly=True)
    try:
        with pytest.raises(VaultReadOnly):
            export_audit(readonly, tmp_path / "audit.jsonl", "jsonl")
    finally:
        readonly.close()
    assert not (tmp_path / "audit.jsonl").exists()

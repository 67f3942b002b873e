"""What a package holds: the shared resume is a sanitised, redacted, stamped PDF; the manifest and
the share.created event count what was removed (never the values); blind CVs; packages still verify.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from pypdf import PdfReader

from tests.helpers.leaks import texts_of, where_found
from tests.helpers.resumes import EMAIL, KEPT, NAME, OTHER_EMAIL, PHONE, PHONE_FORMS, contact_resume_pdf
from vault import audit, sharing
from vault.people import NewContactPoint, PersonFields
from vault.sharing.plan import candidate_reference
from vault.store import Vault

OLD_PHONE = "+44 161 496 0000"  # from an old document: may no longer be theirs, never leaves
DNC_EMAIL = "jane.private@example.net"


def canary_world(vault: Vault, data: bytes, file_name: str = "jane-harrow-cv.pdf") -> tuple[str, str]:
    """A person whose resume carries their details; consent to Bob for the resume only, to Carol
    for the resume and e-mail. Returns (person uuid, document uuid)."""
    vault.recipients.add("Bob Client", email="bob@acme.example", organisation="Acme")
    vault.recipients.add("Carol Client", email="carol@globex.example", organisation="Globex")
    person = vault.people.add(
        PersonFields(full_name=NAME, given_name="Jane", family_name="Harrow"),
        [NewContactPoint("email", EMAIL), NewContactPoint("phone", PHONE),
         NewContactPoint("email", DNC_EMAIL, outreach="do-not-contact"),
         NewContactPoint("phone", OLD_PHONE, source="old-document")], region="GB")
    doc = vault.documents.add_bytes(person.id, data, file_name)
    for recipient, scope in (("Bob Client", ["resume"]), ("Carol Client", ["resume", "email"])):
        vault.authorisations.log(person.id, recipient=recipient, scope=scope, purpose="Staff Engineer role",
                                 method="email", obtained_at="2026-01-15", valid_until="2099-12-31")
    return person.uuid, doc.uuid


def unpack(path: Path) -> tuple[dict, bytes]:
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        resume = next(f for f in manifest["files"] if f["role"] == "resume")
        return manifest, archive.read(resume["name"])


def test_resume_only_scope_package_carries_no_contact_detail(vault, tmp_path):
    person, doc = canary_world(vault, contact_resume_pdf())
    result = sharing.build_share(vault, person, "Bob Client", [f"document:{doc}"], tmp_path / "p.zip")
    manifest, pdf = unpack(result.path)
    for kind, value in [("email", EMAIL), ("phone", PHONE), ("email", OTHER_EMAIL), ("email", DNC_EMAIL)]:
        assert where_found(pdf, kind, value) == [], value
    for form in PHONE_FORMS:
        assert where_found(pdf, "phone", form) == []
    assert all(k in " ".join(texts_of(pdf)["pdfium"].split()) for k in KEPT)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3
    entry = next(f for f in manifest["files"] if f["role"] == "resume")
    assert entry["redactions"]["phone"] >= 6 and entry["redactions"]["email"] >= 2
    assert entry["anonymised"] is False and entry["converter"] is None and entry["original_sha256"]
    raw = json.dumps(manifest)
    assert PHONE not in raw and "7946" not in raw  # counts only
    event = audit.query_events(vault.conn, subject_ids=[person], actions=["share.created"])[0]
    assert event.details["redactions"] == [entry["redactions"]]
    assert event.details["anonymised"] is False
    assert "7946" not in json.dumps(event.details) and EMAIL not in json.dumps(event.details)
    report = sharing.verify_package(result.path, now=vault.now())
    assert report.ok, report.problems


def test_in_scope_email_stays_and_out_of_scope_values_go(vault, tmp_path):
    person, doc = canary_world(vault, contact_resume_pdf())
    result = sharing.build_share(vault, person, "Carol Client", [f"document:{doc}", "email"], tmp_path / "p.zip")
    _, pdf = unpack(result.path)
    assert EMAIL in texts_of(pdf)["pypdf"]
    assert where_found(pdf, "phone", PHONE) == [] and where_found(pdf, "email", OTHER_EMAIL) == []


def test_blind_cv_names_no_one_in_document_cover_sheet_manifest_or_card(vault, tmp_path):
    person, doc = canary_world(vault, contact_resume_pdf())
    result = sharing.build_share(vault, person, "Carol Client", [f"document:{doc}", "email"], tmp_path / "p.zip",
                                 anonymise=True)
    reference = candidate_reference(person)
    assert reference == candidate_reference(person) and reference.startswith("Candidate ")
    with zipfile.ZipFile(result.path) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    manifest = json.loads(entries["manifest.json"])
    assert manifest["person"]["full_name"] == reference and manifest["person"]["anonymised"] is True
    for name, data in entries.items():
        assert b"Harrow" not in data, name
        if name.endswith(".pdf"):
            assert where_found(data, "name", "Harrow") == [], name
    assert reference in texts_of(entries["authorisation.pdf"])["pypdf"]
    resume = next(f for f in manifest["files"] if f["role"] == "resume")
    assert resume["name"] == "resume.pdf" and resume["anonymised"] is True and resume["redactions"]["image"] >= 1
    assert reference in texts_of(entries["resume.pdf"])["pdfium"]
    assert sharing.verify_package(result.path, now=vault.now()).ok


def test_manual_words_leave_the_package(vault, tmp_path):
    person, doc = canary_world(vault, contact_resume_pdf())
    result = sharing.build_share(vault, person, "Bob Client", [f"document:{doc}"], tmp_path / "p.zip",
                                 words=["95000 GBP"])
    manifest, pdf = unpack(result.path)
    assert where_found(pdf, "manual", "95000") == []
    assert manifest["files"][0]["redactions"]["manual"] == 1


def test_consent_to_a_blind_cv_only_anonymises_every_share_under_it(vault, tmp_path):
    person, doc = canary_world(vault, contact_resume_pdf())
    vault.recipients.add("Dan Client", email="dan@initech.example", organisation="Initech")
    auth = vault.authorisations.log(person, recipient="Dan Client", scope=["resume"], purpose="Role", method="email",
                                    obtained_at="2026-01-15", valid_until="2099-12-31", may_name=False)
    assert vault.authorisations.get(auth.uuid).may_name is False
    result = sharing.build_share(vault, person, "Dan Client", [f"document:{doc}"], tmp_path / "p.zip")
    manifest, pdf = unpack(result.path)
    assert manifest["person"]["full_name"] == candidate_reference(person)
    assert where_found(pdf, "name", "Harrow") == []
    event = audit.query_events(vault.conn, subject_ids=[person], actions=["authorisation.logged"])
    assert any(e.details.get("may_name") is False for e in event)

"""Every shared document becomes a PDF: Word, OpenDocument, RTF and text are converted by
LibreOffice in a limited child, then sanitised, redacted and stamped; never shared raw.
Without a converter the share is refused with the fix in the message."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile

import phonenumbers
import pytest
from pypdf import PdfReader

from tests.conftest import corpus_files
from tests.helpers.leaks import texts_of, where_found
from tests.helpers.resumes import EMAIL, KEPT, NAME, OTHER_EMAIL, PHONE, PHONE_FORMS, contact_resume_docx
from tests.test_share_content import canary_world
from vault import sharing
from vault.errors import ConverterMissing
from vault.sharing import convert
from vault.sharing.redaction import RedactionRules
from vault.sharing.stamping import StampText, share_pdf
from vault.sniff import DOCX, TEXT

needs_converter = pytest.mark.skipif(convert.find_converter() is None,
                                     reason="LibreOffice (libreoffice-writer) is not installed")
STAMP = StampText(sender="Rita", recipient="Bob", shared_on="2026-03-01", purpose="Role", authorisation_id="a-1",
                  method="email", obtained_on="2026-02-01", valid_until="2026-06-30", package_id="p-1")
SOURCES = corpus_files("resumes", "*.docx") + corpus_files("resumes", "*.txt")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@needs_converter
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_corpus_documents_convert_and_lose_every_contact_detail(source):
    mime = DOCX if source.suffix == ".docx" else TEXT
    pdf, converter = convert.convert_to_pdf(source.read_bytes(), mime, source.name)
    assert pdf.startswith(b"%PDF-") and converter.name == "LibreOffice"
    before = texts_of(pdf)["pdfium"]
    contacts = [("email", m.group(0).rstrip(".")) for m in _EMAIL.finditer(before)]
    contacts += [("phone", m.raw_string) for m in phonenumbers.PhoneNumberMatcher(before, "US")]
    out, _ = share_pdf(pdf, STAMP, rules=RedactionRules(region="US"))
    assert len(PdfReader(io.BytesIO(out)).pages) == len(PdfReader(io.BytesIO(pdf)).pages)
    for kind, value in contacts:
        assert where_found(out, kind, value, "US") == [], value
    words = {w for w in before.split() if re.fullmatch(r"[A-Za-z]{7,}", w)}
    after = texts_of(out)["pdfium"]
    assert sum(1 for w in words if w in after) >= 0.85 * len(words)


@needs_converter
def test_docx_share_is_a_redacted_stamped_pdf_without_its_properties(vault, tmp_path):
    person, doc = canary_world(vault, contact_resume_docx(), "jane-harrow-cv.docx")
    result = sharing.build_share(vault, person, "Bob Client", [f"document:{doc}"], tmp_path / "p.zip")
    with zipfile.ZipFile(result.path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        pdf = archive.read("jane-harrow-cv.pdf")
    assert not [n for n in names if n.endswith(".docx")]
    entry = next(f for f in manifest["files"] if f["role"] == "resume")
    assert entry["converter"]["name"] == "LibreOffice" and entry["stamped"] is True
    for kind, value in [("email", EMAIL), ("phone", PHONE), ("email", OTHER_EMAIL)]:
        assert where_found(pdf, kind, value) == [], value
    for form in PHONE_FORMS:
        assert where_found(pdf, "phone", form) == [], form
    reader = PdfReader(io.BytesIO(pdf))
    assert NAME not in json.dumps({k: str(v) for k, v in (reader.metadata or {}).items()})
    text = " ".join(texts_of(pdf)["pypdf"].split())
    assert all(k in text for k in KEPT)
    assert sharing.verify_package(result.path, now=vault.now()).ok


def test_without_a_converter_a_word_resume_is_refused_never_sent_raw(vault, tmp_path, monkeypatch):
    person, doc = canary_world(vault, contact_resume_docx(), "jane-harrow-cv.docx")
    monkeypatch.setattr(convert, "find_converter", lambda: None)
    with pytest.raises(ConverterMissing) as refused:
        sharing.build_share(vault, person, "Bob Client", [f"document:{doc}"], tmp_path / "p.zip")
    assert "install LibreOffice" in str(refused.value) and "add a PDF version" in str(refused.value)
    assert not (tmp_path / "p.zip").exists()
    assert vault.conn.execute("SELECT count(*) FROM shares").fetchone()[0] == 0


@needs_converter
def test_staging_is_private_swept_and_left_empty():
    root = convert.staging_root()
    assert (root.stat().st_mode & 0o777) == 0o700
    stale = root / f"{convert.RUN_PREFIX}999999-leftover"  # a run killed mid-conversion
    stale.mkdir(mode=0o700, exist_ok=True)
    (stale / "document.docx").write_bytes(b"plaintext left by a killed run")
    convert.convert_to_pdf(b"Jane's resume\nPython\n", TEXT, "resume.txt")
    assert not stale.exists()
    assert not [p for p in root.iterdir() if p.name.startswith(f"{convert.RUN_PREFIX}{os.getpid()}-")]

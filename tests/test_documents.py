"""Documents: type sniffing, size limit, versions, default flag, bounded text extraction."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import corpus_file, corpus_files
from tests.helpers.docs_factory import make_docx, make_odt, make_pdf, make_rtf
from vault import extraction, sniff
from vault.errors import DocumentTooLarge, UnsupportedDocument
from vault.people import PersonFields


@pytest.fixture
def person(vault):
    return vault.people.add(PersonFields(full_name="Doc Holder"))


@pytest.mark.parametrize(
    "maker, mime, word",
    [
        (lambda: make_pdf(["Resume of Doc Holder", "Skills: quixotically brilliant"]), sniff.PDF, "quixotically"),
        (lambda: make_docx(["Resume", "Skills: flibbertigibbet"]), sniff.DOCX, "flibbertigibbet"),
        (lambda: make_odt("Skills: hullabaloo"), sniff.ODT, "hullabaloo"),
        (lambda: make_rtf("Skills: kerfuffle"), sniff.RTF, "kerfuffle"),
        (lambda: "Skills: brouhaha\nUTF-8 café".encode(), sniff.TEXT, "brouhaha"),
    ],
)
def test_each_accepted_format_is_sniffed_stored_and_searchable(vault, person, maker, mime, word):
    data = maker()
    doc = vault.documents.add_bytes(person.uuid, data, "resume.bin")
    assert doc.mime_type == mime
    assert doc.text_status == "extracted", doc.text_error
    assert vault.documents.data(doc.uuid) == data
    assert word in vault.documents.text(doc.uuid)
    assert vault.search.query(word).ids == [person.id]


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, b"PK\x03\x04garbage-zip", b"", b"MZ\x90\x00\x03\x00\x00\x00"],
)
def test_other_content_is_refused_whatever_the_name(vault, person, data):
    with pytest.raises(UnsupportedDocument):
        vault.documents.add_bytes(person.uuid, data, "resume.pdf")
    assert vault.documents.for_person(person.uuid) == []


def test_zip_that_is_not_docx_is_refused(vault, person):
    with pytest.raises(UnsupportedDocument):
        vault.documents.add_file(person.uuid, corpus_file("docx-odd/mammoth__hello-zip.docx"))


def test_size_limit(vault, person):
    vault.set_setting("documents.max_bytes", "1000")
    with pytest.raises(DocumentTooLarge):
        vault.documents.add_bytes(person.uuid, b"a" * 1001, "big.txt")


def test_versions_default_flag_and_exclusion(vault, person, tmp_path):
    first = vault.documents.add_bytes(person.uuid, b"version one text", "cv-2019.txt")
    second = vault.documents.add_bytes(person.uuid, b"version two text", "cv-2024.txt")
    assert (first.version, second.version) == (1, 2)
    assert vault.documents.get(second.uuid).is_default and not vault.documents.get(first.uuid).is_default
    vault.documents.set_default(first.uuid)
    assert vault.documents.default_resume(person.uuid).uuid == first.uuid
    excluded = vault.documents.set_shareable(first.uuid, False)
    assert not excluded.shareable
    out = vault.documents.export(second.uuid, tmp_path / "out.txt")
    assert out.read_bytes() == b"version two text"
    actions = [row[0] for row in vault.conn.execute("SELECT action FROM audit")]
    assert "document.exported" in actions


def test_every_corpus_resume_is_stored(vault, person):
    for path in corpus_files("resumes"):
        doc = vault.documents.add_file(person.uuid, path)
        assert doc.size == path.stat().st_size
        assert doc.text_status in ("extracted", "empty", "failed")


def test_a_hanging_parser_is_stopped_and_the_document_still_stored(vault, person, monkeypatch):
    """A stand-in for a hostile PDF whose parser loops forever."""
    monkeypatch.setattr(extraction, "child_command", lambda: [sys.executable, "-c", "while True: pass"])
    monkeypatch.setattr(extraction, "CPU_SECONDS", 1)
    monkeypatch.setattr(extraction, "WALL_SECONDS", 20)
    doc = vault.documents.add_bytes(person.uuid, make_pdf(["hangs"]), "hostile.pdf")
    assert doc.text_status == "failed"
    assert "CPU" in doc.text_error or "stopped" in doc.text_error
    assert vault.documents.data(doc.uuid).startswith(b"%PDF")


def test_wall_clock_limit_backs_up_the_cpu_limit(monkeypatch):
    monkeypatch.setattr(extraction, "child_command", lambda: [sys.executable, "-c", "import time; time.sleep(60)"])
    result = extraction.extract_text(b"%PDF-1.4", sniff.PDF, wall_seconds=1)
    assert not result.ok and "longer than" in result.error


def test_memory_limit_stops_a_greedy_parser(monkeypatch):
    monkeypatch.setattr(extraction, "child_command",
                        lambda: [sys.executable, "-c", "x = bytearray(4 * 1024 ** 3)"])
    result = extraction.extract_text(b"%PDF-1.4", sniff.PDF)
    assert not result.ok and "memory" in result.error.lower()


def test_encrypted_pdf_is_stored_with_a_reason(vault, person):
    doc = vault.documents.add_file(person.uuid, corpus_file("pdf-malformed/pypdf__libreoffice-writer-password.pdf"))
    assert doc.text_status == "failed" and "password" in doc.text_error

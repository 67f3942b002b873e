"""Hostile and malformed documents through resume intake: stored, extraction bounded, app alive."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.conftest import corpus_files
from tests.helpers.docs_factory import make_docx
from vault.errors import UnsupportedDocument
from vault.people import PersonFields

HOSTILE = corpus_files("pdf-malformed") + corpus_files("docx-odd")
# Zips that are not Word documents, and a fuzzed file with no "%PDF-" header anywhere.
NOT_DOCUMENTS = {"mammoth__empty-zip.docx", "mammoth__hello-zip.docx", "qpdf__bad-content.pdf"}


@pytest.fixture
def person(vault):
    return vault.people.add(PersonFields(full_name="Hostile Intake"))


@pytest.mark.slow
def test_every_malformed_corpus_file_is_stored_or_refused_cleanly(vault, person):
    outcomes: dict[str, str] = {}
    for path in HOSTILE:
        try:
            doc = vault.documents.add_file(person.uuid, path)
        except UnsupportedDocument as exc:
            outcomes[path.name] = f"refused: {exc}"
            continue
        assert vault.documents.data(doc.uuid) == path.read_bytes()
        outcomes[path.name] = doc.text_status
    refused = {name for name, outcome in outcomes.items() if outcome.startswith("refused")}
    assert refused == NOT_DOCUMENTS
    assert len(outcomes) == len(HOSTILE)
    assert vault.check().ok


def _docx_with_document_xml(xml: str) -> bytes:
    base = make_docx(["placeholder"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = xml.encode()
            dst.writestr(item, data)
    return out.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_xml_bomb_in_docx_is_bounded(vault, person):
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "&a{i-1};&a{i-1};&a{i-1};&a{i-1};&a{i-1};&a{i-1};'
                                                f'&a{i-1};&a{i-1};&a{i-1};&a{i-1};">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]>'
           f'<w:document {W}><w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p></w:body></w:document>')
    doc = vault.documents.add_bytes(person.uuid, _docx_with_document_xml(xml), "bomb.docx")
    assert doc.text_status == "failed"
    assert "lollollol" not in vault.documents.text(doc.uuid)


def test_xxe_in_docx_never_reads_local_files(vault, person):
    xml = ('<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           f'<w:document {W}><w:body><w:p><w:r><w:t>start &xxe; end</w:t></w:r></w:p></w:body></w:document>')
    doc = vault.documents.add_bytes(person.uuid, _docx_with_document_xml(xml), "xxe.docx")
    assert "root:" not in vault.documents.text(doc.uuid)


def test_zip_bomb_docx_is_stopped(vault, person):
    out = io.BytesIO()
    base = make_docx(["bomb"])
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("word/media/huge.bin", b"\0" * (300 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 2 * 1024 * 1024
    doc = vault.documents.add_bytes(person.uuid, data, "zipbomb.docx")
    assert doc.text_status == "failed" and "zip bomb" in doc.text_error

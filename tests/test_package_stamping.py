"""The permission stamp on shared PDFs and the cover sheet.

Every valid corpus resume stamps; page count and sizes are unchanged; every page yields the
authorisation id and the recipient's name by text extraction; nothing of the original content
lies in the band (checked from the text positions pypdf reports); rotation, passwords, metadata.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, NumberObject
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from tests.conftest import corpus_file, corpus_files
from vault.errors import StampFailed
from vault.sharing.stamping import SCALE, CoverSheet, StampText, cover_sheet_pdf, stamp_pdf, unicode_fonts

AUTH_ID = "0f8c2a1e-7d3b-4c55-9a61-2b7e1d9c4f00"
PACKAGE_ID = "5b9e0c7a-1f2d-4e3b-8a6c-9d0e1f2a3b4c"
STAMP = StampText(
    sender="Rita Recruiter (Northwind Talent)", recipient="Bob Client (Acme Corp)", shared_on="2026-03-01",
    purpose="Staff Engineer, platform team", authorisation_id=AUTH_ID, method="email", obtained_on="2026-02-01",
    valid_until="2026-06-30", package_id=PACKAGE_ID,
)
RESUMES = corpus_files("resumes", "*.pdf")


def positions(page) -> list[tuple[float, float, str]]:
    """(x, y, text) of every text fragment, in page space."""
    found: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font, size) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((x, y, text.strip()))

    page.extract_text(visitor_text=visit)
    return found


def band_text() -> str:
    return " ".join(STAMP.lines())


def test_corpus_has_resumes():
    assert len(RESUMES) >= 10


@pytest.mark.parametrize("source", RESUMES, ids=lambda p: p.name)
def test_every_corpus_resume_stamps_on_every_page(source):
    original = PdfReader(source)
    stamped = PdfReader(io.BytesIO(stamp_pdf(source.read_bytes(), STAMP, file_name=source.name)))
    assert len(stamped.pages) == len(original.pages)
    band = band_text()
    for before, after in zip(original.pages, stamped.pages, strict=True):
        assert list(after.mediabox) == list(before.mediabox)
        assert list(after.cropbox) == list(before.cropbox)
        assert after.rotation == before.rotation
        text = after.extract_text()
        assert AUTH_ID in text and "Bob Client (Acme Corp)" in text and PACKAGE_ID in text
        assert "NOT FOR ONWARD DISTRIBUTION" in text
        box = after.cropbox
        band_top = float(box.bottom) + (1 - SCALE) * float(box.height)
        for x, y, fragment in positions(after):
            if y < band_top - 0.5 and float(box.left) <= x <= float(box.right):
                assert fragment in band, f"original content {fragment!r} lies in the band on {source.name}"
    assert stamped.metadata["/ContactVaultPackage"] == PACKAGE_ID
    assert stamped.metadata["/ContactVaultAuthorisation"] == AUTH_ID


def _sample_pdf(rotate: int = 0, size: tuple[float, float] = A4) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=size)
    for n in range(2):
        pdf.drawString(72, 40, f"Footer line at the very bottom {n}")
        pdf.drawString(72, size[1] - 60, f"Header line {n}")
        pdf.showPage()
    pdf.save()
    if not rotate:
        return out.getvalue()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    for page in writer.pages:
        page[NameObject("/Rotate")] = NumberObject(rotate)
    result = io.BytesIO()
    writer.write(result)
    return result.getvalue()


def test_content_near_the_bottom_edge_moves_above_the_band():
    stamped = PdfReader(io.BytesIO(stamp_pdf(_sample_pdf(), STAMP)))
    band_top = (1 - SCALE) * A4[1]
    footer = [y for _, y, t in positions(stamped.pages[0]) if t.startswith("Footer")]
    assert footer and footer[0] > band_top
    assert footer[0] == pytest.approx(band_top + 40 * SCALE, abs=0.5)


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_rotated_pages_get_the_band_at_the_bottom_as_displayed(rotate):
    source = _sample_pdf(rotate, landscape(A4) if rotate in (90, 270) else A4)
    stamped = PdfReader(io.BytesIO(stamp_pdf(source, STAMP)))
    page = stamped.pages[0]
    assert page.rotation == rotate and list(page.mediabox) == list(PdfReader(io.BytesIO(source)).pages[0].mediabox)
    text = page.extract_text()
    assert AUTH_ID in text and "Bob Client" in text
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    band = [(x, y) for x, y, t in positions(page) if t.startswith("Authorisation")]
    assert band
    x, y = band[0]
    # Where the displayed bottom edge lies in page space for each rotation.
    if rotate == 90:
        assert x > w * (SCALE - 0.01)
    elif rotate == 180:
        assert y > h * (SCALE - 0.01)
    else:
        assert x < w * (1 - SCALE + 0.01)


def test_password_protects_with_aes_256():
    data = stamp_pdf(_sample_pdf(), STAMP, password="s3cret-for-bob")
    reader = PdfReader(io.BytesIO(data))
    assert reader.is_encrypted
    assert reader.trailer["/Encrypt"]["/V"] == 5  # AES-256 (PDF 2.0 / R6)
    assert not reader.decrypt("wrong")
    assert reader.decrypt("s3cret-for-bob")
    assert AUTH_ID in reader.pages[0].extract_text()


def test_unreadable_and_protected_pdfs_raise_a_typed_error():
    with pytest.raises(StampFailed, match="password-protected"):
        stamp_pdf(corpus_file("pdf-malformed/qpdf__encrypted-40-bit-R3.pdf").read_bytes(), STAMP, file_name="x.pdf")
    with pytest.raises(StampFailed, match="could not be read"):
        stamp_pdf(b"%PDF-1.7\nthis is not really a pdf", STAMP, file_name="x.pdf")


@pytest.mark.parametrize("source", corpus_files("pdf-malformed", "*.pdf"), ids=lambda p: p.name)
def test_malformed_pdfs_stamp_or_fail_cleanly(source):
    try:
        stamp_pdf(source.read_bytes(), STAMP, file_name=source.name)
    except StampFailed as exc:
        assert source.name in str(exc)


def test_cover_sheet_states_the_authorisation():
    pdf = cover_sheet_pdf(CoverSheet(
        person="Jane Doe", sender="Rita Recruiter (Northwind Talent)", sender_fingerprint="ab" * 16,
        recipient="Bob Client (Acme Corp)", items=["resume cv.pdf", "email"], purpose="Staff Engineer",
        method="email", obtained_on="2026-02-01", valid_until="2026-06-30", max_uses="no limit",
        authorisation_id=AUTH_ID, package_id=PACKAGE_ID, created_at="2026-03-01T09:30:00.000Z", evidence="note",
    ))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    for words in ("Jane Doe", "Bob Client", AUTH_ID, PACKAGE_ID, "2026-06-30", "Not for onward distribution"):
        assert words in text


def test_isolated_child_stamps_the_same_way_and_reports_failures():
    from vault.sharing.stamping import stamp_pdf_isolated

    source = RESUMES[0]
    stamped = PdfReader(io.BytesIO(stamp_pdf_isolated(source.read_bytes(), STAMP, file_name=source.name,
                                                      password="pw")))
    assert stamped.decrypt("pw")
    assert AUTH_ID in stamped.pages[0].extract_text()
    with pytest.raises(StampFailed, match="broken.pdf cannot be stamped"):
        stamp_pdf_isolated(b"%PDF-1.7\nbroken", STAMP, file_name="broken.pdf")


def _cover_text(*, person: str, sender: str, recipient: str, purpose: str) -> str:
    """The text of a cover sheet for these names (the other fields fixed)."""
    sheet = CoverSheet(person=person, sender=sender, sender_fingerprint="ab" * 16, recipient=recipient,
                       items=["resume"], purpose=purpose, method="email", obtained_on="2026-02-01",
                       valid_until="2026-06-30", max_uses="no limit", authorisation_id=AUTH_ID,
                       package_id=PACKAGE_ID, created_at="2026-03-01T09:30:00.000Z", evidence="note")
    return PdfReader(io.BytesIO(cover_sheet_pdf(sheet))).pages[0].extract_text()


UNICODE_STAMP = StampText(
    sender="Zoë Recruiter (Северный Талант)", recipient="Юлия Петрова (Ωmega Σystems)", shared_on="2026-03-01",
    purpose="Ведущий инженер", authorisation_id=AUTH_ID, method="email", obtained_on="2026-02-01",
    valid_until="2026-06-30", package_id=PACKAGE_ID,
)


@pytest.mark.skipif(not unicode_fonts(),
                    reason="no Unicode TrueType font on this system (the band falls back to '?')")
def test_non_latin_names_are_stamped_readably_with_a_unicode_font():
    source = corpus_file("resumes/rendercv__John_Doe_ModerncvTheme_CV.pdf")
    original = PdfReader(source)
    stamped = PdfReader(io.BytesIO(stamp_pdf(source.read_bytes(), UNICODE_STAMP, file_name=source.name)))
    assert len(stamped.pages) == len(original.pages)
    for before, after in zip(original.pages, stamped.pages, strict=True):
        assert list(after.mediabox) == list(before.mediabox)
        text = after.extract_text()
        assert AUTH_ID in text and "Юлия Петрова (Ωmega Σystems)" in text and "Zoë Recruiter" in text
    cover = _cover_text(person="Алексей Смирнов", sender="Zoë", recipient="Юлия Петрова", purpose="Ведущий инженер")
    assert "Алексей Смирнов" in cover


def _has_cjk_fonts() -> bool:
    return all(any(ord(ch) in glyphs for _, glyphs in unicode_fonts()) for ch in "王や김")


CJK_STAMP = StampText(
    sender="Zoë Recruiter", recipient="王小明 (北方科技 Ωmega)", shared_on="2026-03-01",
    purpose="高级工程师 / やまだ / 김민준 / " + "这是一个非常长的中文职位描述" * 8, authorisation_id=AUTH_ID, method="email",
    obtained_on="2026-02-01", valid_until="2026-06-30", package_id=PACKAGE_ID,
)


@pytest.mark.skipif(not _has_cjk_fonts(), reason="no TrueType fonts with Chinese, Japanese and Korean on this "
                                                 "system (scripts/system-deps.sh installs them); '?' instead")
def test_chinese_japanese_and_korean_names_are_stamped_beside_latin_ones():
    """A CJK fallback face has no Latin letters and a Latin face no CJK: each run of the band
    is drawn in the first font that has it, and a line of CJK (no spaces) still wraps."""
    source = corpus_file("resumes/rendercv__John_Doe_ModerncvTheme_CV.pdf")
    stamped = PdfReader(io.BytesIO(stamp_pdf(source.read_bytes(), CJK_STAMP, file_name=source.name)))
    text = stamped.pages[0].extract_text()
    for expected in ("王小明 (北方科技 Ωmega)", "高级工程师 / やまだ / 김민준", "Zoë Recruiter", AUTH_ID, "这是一个非常长的"):
        assert expected in text
    assert "?" not in text.split("Shared by")[-1].split("Authorisation")[0]
    cover = _cover_text(person="山田太郎 (Yamada)", sender="Zoë", recipient="王小明", purpose="高级工程师")
    assert "山田太郎 (Yamada) authorised Zoë" in cover


def test_a_word_wider_than_the_band_is_cut_to_fit():
    from vault.sharing.stamping import _helvetica_width, _wrap

    long_link = "https://example.com/" + "x" * 400
    lines = _wrap(f"see {long_link} now", 7.0, 300.0)
    assert "".join(lines).replace(" ", "") == f"see{long_link}now"
    assert all(_helvetica_width(line, 7.0) <= 300.0 for line in lines)
    assert _wrap("short words only", 7.0, 300.0) == ["short words only"]

"""What leaves is exactly what was authorised (design rule 6): shared PDFs sanitised and truly redacted.

Proof by independent reading: pypdf, pdfminer.six and PDFium text, plus a walk of every decoded
object and string (tests/helpers/leaks.py, separate from the code under test); in-scope text and the
page count survive; the pixels under each box are opaque (rendered with PDFium).
"""

from __future__ import annotations

import io
import re

import phonenumbers
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from tests.conftest import corpus_files
from tests.helpers.leaks import is_opaque, raw_strings, texts_of, where_found
from tests.helpers.resumes import (
    EMAIL,
    KEPT,
    NAME,
    OTHER_EMAIL,
    OTHER_PHONE,
    PHONE,
    PHONE_FORMS,
    PROFILE,
    contact_resume_pdf,
)
from vault.sharing.redaction import RedactionRules, find_spans
from vault.sharing.stamping import SCALE, StampText, share_pdf, share_pdf_isolated, stamp_pdf

STAMP = StampText(
    sender="Rita Recruiter (Northwind Talent)", recipient="Bob Client (Acme Corp)", shared_on="2026-03-01",
    purpose="Staff Engineer", authorisation_id="0f8c2a1e-7d3b-4c55-9a61-2b7e1d9c4f00", method="email",
    obtained_on="2026-02-01", valid_until="2026-06-30", package_id="5b9e0c7a-1f2d-4e3b-8a6c-9d0e1f2a3b4c",
)
PERSON_POINTS = [("email", EMAIL), ("phone", "+442079460958"), ("link", f"https://{PROFILE}")]


def rules_for(scope: set[str], **extra) -> RedactionRules:
    """The rules plan_share makes for a person with PERSON_POINTS and this scope."""
    keep = {kind: [value] for kind, value in PERSON_POINTS if kind in scope}
    remove = [(kind, value) for kind, value in PERSON_POINTS if kind not in scope]
    return RedactionRules(remove=remove, keep=keep, region="GB", **extra)


@pytest.fixture(scope="module")
def hostile() -> bytes:
    return contact_resume_pdf()


def value_boxes(pdf: bytes, value: str) -> list[tuple[int, tuple[float, float, float, float]]]:
    """Where ``value`` is drawn in the original, mapped to the stamped page (content scaled to
    SCALE about the top centre): (page index, box from the top-left in points)."""
    doc = pdfium.PdfDocument(pdf)
    found = []
    try:
        for index in range(len(doc)):
            page = doc[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            searcher = textpage.search(value, match_case=False)
            while (hit := searcher.get_next()) is not None:
                start, count = hit
                boxes = [textpage.get_charbox(i) for i in range(start, start + count)]
                left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
                bottom, top = min(b[1] for b in boxes), max(b[3] for b in boxes)
                shift = (1 - SCALE) * width / 2
                found.append((index, (left * SCALE + shift, (height - top) * SCALE,
                                      right * SCALE + shift, (height - bottom) * SCALE)))
    finally:
        doc.close()
    return found


# --- sanitising (every shared PDF, redaction or not) ------------------------------------------------


def test_shared_pdf_keeps_no_metadata_scripts_attachments_forms_or_links(hostile):
    out = stamp_pdf(hostile, STAMP)
    reader = PdfReader(io.BytesIO(out))
    root = reader.trailer["/Root"]
    for key in ("/Metadata", "/OpenAction", "/Names", "/AcroForm", "/Outlines", "/AA"):
        assert key not in root, key
    info = reader.metadata
    assert set(info) <= {"/ContactVaultPackage", "/ContactVaultAuthorisation", "/Subject", "/Producer"}
    assert NAME not in str(dict(info)) and EMAIL not in str(dict(info))
    for page in reader.pages:
        assert "/Annots" not in page and "/AA" not in page
    everything = "\n".join(raw_strings(out))
    for gone in ("app.alert", "app.beep", "contact.txt", "/EmbeddedFile", "/JavaScript", "/URI", "mailto:",
                 "tel:", "<x:xmpmeta", "/ActualText"):
        assert gone not in everything, gone
    assert out.count(b"%%EOF") == 1  # written fresh: no incremental revision keeps the old objects
    assert len(reader.pages) == 3


def test_form_fields_are_flattened_into_the_page(hostile):
    text = texts_of(stamp_pdf(hostile, STAMP))["pdfium"]
    assert "+44 20 7946 0958" in text  # no redaction asked for: the field's value is now page content


# --- redaction ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", [set(), {"email"}, {"phone"}, {"email", "phone", "link"}],
                         ids=["resume-only", "email", "phone", "all"])
def test_out_of_scope_values_are_gone_in_every_form(hostile, scope):
    out, report = share_pdf(hostile, STAMP, rules=rules_for(scope))
    if "email" not in scope:
        assert where_found(out, "email", EMAIL) == []
    else:
        assert EMAIL in texts_of(out)["pdfium"]
    if "phone" not in scope:
        assert where_found(out, "phone", PHONE) == []
        for form in PHONE_FORMS:
            assert where_found(out, "phone", form) == [], form
    else:
        assert "7946 0958" in texts_of(out)["pypdf"]
    if "link" not in scope:
        assert where_found(out, "link", PROFILE) == []
    # Details of other people in the text are never in scope.
    assert where_found(out, "email", OTHER_EMAIL) == []
    assert where_found(out, "phone", OTHER_PHONE) == []
    texts = texts_of(out)
    for kept in KEPT:
        for name, text in texts.items():
            assert kept in " ".join(text.split()), (kept, name)
    assert len(PdfReader(io.BytesIO(out)).pages) == 3
    assert report.counts.get("email", 0) >= (1 if scope != {"email", "phone", "link"} else 1)
    assert STAMP.authorisation_id in texts["pypdf"]


def test_redaction_boxes_are_opaque_and_labelled(hostile):
    out, report = share_pdf(hostile, STAMP, rules=rules_for(set()))
    boxes = value_boxes(hostile, EMAIL) + value_boxes(hostile, "7946-0958") + value_boxes(hostile, OTHER_PHONE)
    assert len(boxes) >= 4
    for page, box in boxes:
        assert is_opaque(out, page, box), (page, box)
    text = texts_of(out)["pdfium"]
    assert "[e-mail removed]" in text and "[phone removed]" in text
    assert report.summary()["phone"] >= 6 and report.summary()["email"] >= 2
    assert report.rasterised[:2] == [1, 2]  # page 3 held the e-mail only in an /ActualText


def test_redaction_runs_in_the_limited_child(hostile):
    out, report = share_pdf_isolated(hostile, STAMP, rules=rules_for({"email"}))
    assert where_found(out, "phone", PHONE) == []
    assert EMAIL in texts_of(out)["pdfium"]
    assert report.summary().get("phone", 0) >= 5 and "email" in report.summary()  # the referee's


def test_blind_cv_replaces_the_name_and_drops_the_photo(hostile):
    rules = rules_for({"email"}, names=[NAME, "Jane", "Harrow"], candidate="Candidate 7F3K")
    out, report = share_pdf(hostile, STAMP, rules=rules)
    assert where_found(out, "name", NAME) == []
    assert where_found(out, "name", "Jane") == []
    for text in texts_of(out).values():
        assert "Candidate 7F3K" in text
    assert report.images_removed >= 1 and report.summary()["image"] >= 1
    doc = pdfium.PdfDocument(out)
    try:
        image = doc[0].render(scale=1).to_pil().convert("RGB")
    finally:
        doc.close()
    green = sum(1 for r, g, b in image.get_flattened_data() if g > 150 and r < 80 and b < 80)
    assert green == 0


def test_manual_words_are_removed_the_same_way(hostile):
    out, report = share_pdf(hostile, STAMP, rules=rules_for(set(), words=["95000 GBP", "Acme Widgets"]))
    assert where_found(out, "manual", "95000") == []
    assert where_found(out, "manual", "Acme Widgets") == []
    assert report.counts["manual"] == 2
    assert "Staff Engineer at" in texts_of(out)["pypdf"]


def test_protection_fails_without_redaction(hostile):
    """The checks above can fail: without rules every value is still found."""
    out = stamp_pdf(hostile, STAMP)
    assert where_found(out, "email", EMAIL)
    assert where_found(out, "phone", PHONE)


# --- every corpus resume -------------------------------------------------------------------------------

CORPUS_PDFS = corpus_files("resumes", "*.pdf")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _contacts(text: str) -> list[tuple[str, str]]:
    found = [("email", m.group(0).rstrip(".")) for m in _EMAIL.finditer(text)]
    found += [("phone", m.raw_string) for m in phonenumbers.PhoneNumberMatcher(text, "US")]
    return found


@pytest.mark.parametrize("source", CORPUS_PDFS, ids=lambda p: p.name)
def test_every_corpus_resume_loses_every_contact_detail(source):
    original = source.read_bytes()
    before = texts_of(original)["pdfium"]
    contacts = _contacts(before)
    out, report = share_pdf(original, STAMP, rules=RedactionRules(region="US"))
    assert len(PdfReader(io.BytesIO(out)).pages) == len(PdfReader(io.BytesIO(original)).pages)
    for kind, value in contacts:
        assert where_found(out, kind, value, "US") == [], (kind, value)
    words = {w for w in before.split() if re.fullmatch(r"[A-Za-z]{7,}", w)}  # not parts of links
    after = texts_of(out)["pdfium"]
    kept = sum(1 for w in words if w in after)
    assert kept >= 0.85 * len(words), f"only {kept} of {len(words)} words survived"
    if contacts:
        assert report.rasterised


def test_spans_cover_each_phone_format():
    text = " / ".join(PHONE_FORMS) + " and jane@x.org, https://github.com/jane, 2019 - 2024"
    spans = find_spans(text, RedactionRules(region="GB"))
    kinds = [s.kind for s in spans]
    assert kinds.count("phone") == len(PHONE_FORMS) and "email" in kinds and "link" in kinds
    assert "2019" not in " ".join(s.text for s in spans)


def test_blind_cv_removes_a_photo_nested_in_a_form_xobject():
    from PIL import Image
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.beginForm("photo")
    pdf.drawInlineImage(Image.new("RGB", (20, 20), (0, 200, 0)), 400, 700, 80, 80)
    pdf.endForm()
    pdf.doForm("photo")
    pdf.drawString(72, 780, NAME)
    pdf.save()
    shared, report = share_pdf(out.getvalue(), STAMP, rules=RedactionRules(names=[NAME], candidate="Candidate X"))
    assert report.images_removed == 1
    doc = pdfium.PdfDocument(shared)
    try:
        image = doc[0].render(scale=1).to_pil().convert("RGB")
    finally:
        doc.close()
    assert not [p for p in image.get_flattened_data() if p[1] > 150 and p[0] < 80 and p[2] < 80]

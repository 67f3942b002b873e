"""Resume PDFs made for the redaction tests and the benchmark, with every place a contact detail
hides: page text in several phone formats, link annotations (mailto:, tel:, a profile), a filled
form field, an attachment, JavaScript, Info and XMP metadata, marked-content /ActualText, a photo."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

NAME = "Jane Harrow"
EMAIL = "jane.harrow@example.org"
PHONE = "+44 20 7946 0958"
PHONE_FORMS = ("+44 20 7946 0958", "(020) 7946-0958", "020-7946-0958", "+44 (0)20 7946 0958", "02079460958")
OTHER_EMAIL = "bob.referee@acme.example"
OTHER_PHONE = "07700 900123"
PROFILE = "linkedin.com/in/janeharrow"
KEPT = ("Staff Engineer at Acme Widgets", "Built distributed systems", "Python and Rust")
RED = (0.85, 0.0, 0.0)


def contact_resume_pdf(pages: int = 3, *, photo: bool = True) -> bytes:
    """A ``pages``-page resume carrying the person's details everywhere a PDF can hold them.

    The contact lines are drawn in red: a red pixel under a redaction box is a leak."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"{NAME} CV")
    pdf.setAuthor(NAME)
    pdf.setSubject(EMAIL)
    if photo:
        pdf.setFillColorRGB(0, 0.8, 0)  # the "photo": a green square image
        from PIL import Image

        pdf.drawInlineImage(Image.new("RGB", (40, 40), (0, 200, 0)), 460, 730, 80, 80)
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont("Helvetica-Bold", 20)
    pdf.drawString(72, 780, NAME)
    pdf.setFont("Helvetica", 10.5)
    pdf.setFillColorRGB(*RED)
    pdf.drawString(72, 755, f"Email: {EMAIL}   Phone: {PHONE_FORMS[0]}")
    pdf.drawString(72, 740, f"Also {PHONE_FORMS[1]} or {PHONE_FORMS[2]} or {PHONE_FORMS[3]}")
    pdf.drawString(72, 725, f"Mobile {PHONE_FORMS[4]}   Profile: {PROFILE}")
    pdf.drawString(72, 710, f"Referee: {OTHER_EMAIL}, tel. {OTHER_PHONE}")
    pdf.linkURL(f"mailto:{EMAIL}", (100, 752, 260, 766))
    pdf.linkURL("tel:+442079460958", (300, 752, 420, 766))
    pdf.linkURL(f"https://www.{PROFILE}", (200, 722, 380, 736))
    pdf.setFillColorRGB(0, 0, 0)
    pdf.drawString(72, 680, f"Experience: {KEPT[0]}, 2019 - 2024. Salary 95000 GBP.")
    pdf.acroForm.textfield(name="phone", value=PHONE, x=72, y=640, width=200, height=18, borderWidth=0)
    for n in range(1, pages):
        pdf.showPage()
        pdf.setFont("Helvetica", 10.5)
        pdf.drawString(72, 780, f"Page {n + 1}: {KEPT[1]}. {KEPT[2]}.")
        for line in range(30):
            pdf.drawString(72, 750 - line * 20, f"Project {line}: shipped a service used by many teams, on time.")
        if n == 1:
            pdf.drawString(72, 80, f"Call me on {OTHER_PHONE} any time.")
        if n == 2:
            # Marked content whose /ActualText holds the e-mail: invisible on the page, read by
            # screen readers and some extractors.
            pdf._code.append(  # type: ignore[attr-defined]  # reportlab's raw page content
                f"/Span <</ActualText ({EMAIL})>> BDC BT /F1 10 Tf 72 100 Td (Contact) Tj ET EMC")
    pdf.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject(f"app.alert('{EMAIL}');")})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(script)
    writer.add_attachment("contact.txt", f"{EMAIL} {PHONE}".encode())
    xmp = DecodedStreamObject()
    xmp.set_data(f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{NAME} {EMAIL}</dc:creator>'
                 "</x:xmpmeta>".encode())
    xmp.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    writer.add_metadata({"/Keywords": f"{EMAIL} {PHONE}"})
    writer.add_outline_item(title=f"{NAME} {PHONE}", page_number=0)
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.beep(0);")}))})
    assert isinstance(page.get("/Annots"), ArrayObject) or page.get("/Annots") is not None
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def contact_resume_docx(pages: int = 3) -> bytes:
    """A Word resume with the same details, plus document properties, a comment-like note in the
    properties and a header: what agencies receive most."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    doc = Document()
    props = doc.core_properties
    props.author = NAME
    props.last_modified_by = NAME
    props.comments = f"Call {PHONE}"
    props.title = f"{NAME} CV"
    doc.sections[0].header.paragraphs[0].text = f"{NAME} - {EMAIL}"
    doc.add_heading(NAME, level=0)
    doc.add_paragraph(f"Email: {EMAIL}   Phone: {PHONE_FORMS[0]}")
    doc.add_paragraph(f"Also {PHONE_FORMS[1]} or {PHONE_FORMS[2]} or {PHONE_FORMS[3]}")
    doc.add_paragraph(f"Mobile {PHONE_FORMS[4]}   Profile: {PROFILE}")
    doc.add_paragraph(f"Referee: {OTHER_EMAIL}, tel. {OTHER_PHONE}")
    doc.add_paragraph(f"Experience: {KEPT[0]}, 2019 - 2024. Salary 95000 GBP.")
    for n in range(1, pages):
        doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
        doc.add_paragraph(f"Page {n + 1}: {KEPT[1]}. {KEPT[2]}.")
        for line in range(12):
            doc.add_paragraph(f"Project {line}: shipped a service used by many teams, on time.")
        if n == pages - 1:
            doc.add_paragraph(f"Call me on {OTHER_PHONE} any time.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

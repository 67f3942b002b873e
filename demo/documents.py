"""The demo's fictional people and their documents, read from resources/demo/.

The tables are data, not code: people.json names the owner, the partner recruiter and the
candidates whose one-page resumes are drawn here; conference-contacts.vcf is the vCard the demo
imports. Every name, e-mail (``.example``) and number (555) is made up.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


def demo_data_dir() -> Path:
    """resources/demo: beside this package in a checkout, under _MEIPASS in the frozen bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    root = Path(frozen) if frozen else Path(__file__).resolve().parent.parent
    return root / "resources" / "demo"


@dataclass(frozen=True)
class Party:
    name: str
    organisation: str
    email: str


@dataclass(frozen=True)
class Resume:
    name: str
    headline: str
    email: str
    phone: str
    city: str
    summary: str
    jobs: tuple[tuple[str, str, str, str], ...]  # years, title, company, one line of what they did
    education: str
    skills: str


def resume_pdf(resume: Resume, *, version_note: str = "") -> bytes:
    """A one-page resume drawn with reportlab: real text, so search and preview work on it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{resume.name} — resume")
    pdf.setAuthor(resume.name)
    width, height = A4
    left, y = 22 * mm, height - 28 * mm
    pdf.setFillColorRGB(0.12, 0.27, 0.45)
    pdf.setFont("Helvetica-Bold", 22)
    pdf.drawString(left, y, resume.name)
    y -= 8 * mm
    pdf.setFont("Helvetica", 12)
    pdf.drawString(left, y, resume.headline)
    y -= 6 * mm
    pdf.setFillColorRGB(0.3, 0.3, 0.3)
    pdf.setFont("Helvetica", 9.5)
    pdf.drawString(left, y, f"{resume.email}  |  {resume.phone}  |  {resume.city}")
    y -= 4 * mm
    pdf.setStrokeColorRGB(0.12, 0.27, 0.45)
    pdf.setLineWidth(1.2)
    pdf.line(left, y, width - left, y)
    y -= 9 * mm

    def heading(text: str) -> None:
        nonlocal y
        pdf.setFillColorRGB(0.12, 0.27, 0.45)
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(left, y, text.upper())
        y -= 6 * mm
        pdf.setFillColorRGB(0.1, 0.1, 0.1)

    def paragraph(text: str, size: float = 10, indent: float = 0) -> None:
        nonlocal y
        pdf.setFont("Helvetica", size)
        line = ""
        for word in text.split():
            trial = f"{line} {word}".strip()
            if pdf.stringWidth(trial, "Helvetica", size) > width - 2 * left - indent:
                pdf.drawString(left + indent, y, line)
                y -= size * 0.5 * mm
                line = word
            else:
                line = trial
        if line:
            pdf.drawString(left + indent, y, line)
            y -= size * 0.5 * mm
        y -= 2 * mm

    heading("Summary")
    paragraph(resume.summary)
    heading("Experience")
    for years, title, company, what in resume.jobs:
        pdf.setFont("Helvetica-Bold", 10.5)
        pdf.drawString(left, y, f"{title}, {company}")
        pdf.setFont("Helvetica", 9.5)
        pdf.drawRightString(width - left, y, years)
        y -= 5 * mm
        paragraph(what, 9.5, indent=4 * mm)
    heading("Education")
    paragraph(resume.education)
    heading("Skills")
    paragraph(resume.skills)
    if version_note:
        pdf.setFont("Helvetica-Oblique", 8)
        pdf.setFillColorRGB(0.45, 0.45, 0.45)
        pdf.drawString(left, 15 * mm, version_note)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def resume_docx(resume: Resume) -> bytes:
    """The same resume as a Word file (some candidates send DOCX)."""
    import docx

    document = docx.Document()
    document.add_heading(resume.name, level=0)
    document.add_paragraph(resume.headline)
    document.add_paragraph(f"{resume.email} | {resume.phone} | {resume.city}")
    document.add_heading("Summary", level=1)
    document.add_paragraph(resume.summary)
    document.add_heading("Experience", level=1)
    for years, title, company, what in resume.jobs:
        document.add_paragraph(f"{title}, {company} ({years})", style="List Bullet")
        document.add_paragraph(what)
    document.add_heading("Education", level=1)
    document.add_paragraph(resume.education)
    document.add_heading("Skills", level=1)
    document.add_paragraph(resume.skills)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def evidence_pdf(title: str, lines: Iterable[str]) -> bytes:
    """A printed consent e-mail, kept as evidence for an authorisation."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(title)
    y = A4[1] - 30 * mm
    pdf.setFont("Helvetica-Bold", 13)
    pdf.drawString(25 * mm, y, title)
    y -= 10 * mm
    pdf.setFont("Courier", 9.5)
    for line in lines:
        pdf.drawString(25 * mm, y, line)
        y -= 5 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@cache
def _people() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((demo_data_dir() / "people.json").read_text("utf-8"))
    return data


def _party(key: str) -> Party:
    entry = _people()[key]
    return Party(entry["name"], entry["organisation"], entry["email"])


def _resume(entry: dict[str, Any]) -> Resume:
    jobs = tuple((str(a), str(b), str(c), str(d)) for a, b, c, d in entry["jobs"])
    return Resume(entry["name"], entry["headline"], entry["email"], entry["phone"], entry["city"],
                  entry["summary"], jobs, entry["education"], entry["skills"])


OWNER = _party("owner")
PARTNER = _party("partner")
RESUMES: dict[str, Resume] = {entry["name"]: _resume(entry) for entry in _people()["resumes"]}


def imported_vcard() -> bytes:
    """The cards the demo imports as network contacts met at a conference."""
    return (demo_data_dir() / "conference-contacts.vcf").read_bytes()

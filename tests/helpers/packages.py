"""Real share packages for tests and the benchmark: made by the app, read back, rewritten."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from demo import RESUMES, resume_pdf
from vault import sharing
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault


def make_package(vault: Vault, out: Path, *, valid_until: str = "2099-12-31", pdf: bytes | None = None) -> Path:
    vault.recipients.add("Bob Client", email="bob@acme.example", organisation="Acme")
    person = vault.people.add(PersonFields(full_name="Jane Q. Doe", given_name="Jane", family_name="Doe"),
                              [NewContactPoint("email", "jane@example.com")])
    doc = vault.documents.add_bytes(person.id, pdf or resume_pdf(RESUMES["Amara Okafor"]), "jane-doe-resume.pdf")
    vault.authorisations.log(person.id, recipient="Bob Client", scope=["resume", "email"],
                             purpose="Staff Engineer at Acme", method="email", obtained_at="2026-01-15",
                             valid_until=valid_until)
    return sharing.build_share(vault, person.id, "Bob Client", [f"document:{doc.uuid}", "email"], out).path


def entries_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_zip(target: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return target


def noise_pdf(size: int) -> bytes:
    """A one-page PDF whose image is ``size`` bytes of noise: incompressible, like scanned pages."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    side = int(size ** 0.5)
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    image = DecodedStreamObject()
    image.set_data(hashlib.shake_256(b"noise").digest(side * side))
    image.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
                  NameObject("/Width"): NumberObject(side), NameObject("/Height"): NumberObject(side),
                  NameObject("/ColorSpace"): NameObject("/DeviceGray"),
                  NameObject("/BitsPerComponent"): NumberObject(8)})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(image)})})
    content = DecodedStreamObject()
    content.set_data(b"q 612 0 0 792 0 0 cm /Im0 Do Q")
    page[NameObject("/Contents")] = writer._add_object(content)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()

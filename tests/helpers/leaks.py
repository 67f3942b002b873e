"""Independent checks that a value is gone from a PDF: three extractors and a walk of every object.

Deliberately separate from vault/sharing/redaction.py: the proof must not reuse the code it proves.
"""

from __future__ import annotations

import io
import re
import zlib
from typing import Any

import phonenumbers


def value_patterns(kind: str, value: str, region: str = "GB") -> list[re.Pattern[str]]:
    """Every written form of ``value`` we look for: phones spaced, dashed, bracketed, with or
    without the country code; e-mails and links case-insensitively (mailto: and tel: included)."""
    if kind == "phone":
        parsed = phonenumbers.parse(value, region)
        national = phonenumbers.national_significant_number(parsed)
        gap = r"[^0-9A-Za-z]{0,3}"
        return [re.compile(gap.join(national)), re.compile(gap.join(national[-7:]))]
    if kind == "link":
        value = re.sub(r"^https?://", "", value).removeprefix("www.")
    return [re.compile(r"\s*".join(re.escape(part) for part in value.split()), re.I)]


def texts_of(pdf: bytes) -> dict[str, str]:
    """The text as pypdf, pdfminer.six and PDFium each extract it."""
    import pypdfium2 as pdfium
    from pdfminer.high_level import extract_text
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    doc = pdfium.PdfDocument(pdf)
    try:
        pdfium_text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    return {
        "pypdf": "\n".join(page.extract_text() or "" for page in reader.pages),
        "pdfminer": extract_text(io.BytesIO(pdf)),
        "pdfium": pdfium_text,
    }


def raw_strings(pdf: bytes) -> list[str]:
    """Every decoded object of the file: streams (decompressed with pypdf, and raw zlib runs as a
    fallback), strings in UTF-16 and Latin-1, names; plus the raw file itself."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    out = [pdf.decode("latin-1")]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            out.append(zlib.decompressobj().decompress(pdf[match.end():match.end() + 5_000_000]).decode("latin-1"))
        except zlib.error:
            pass
    reader = PdfReader(io.BytesIO(pdf))
    numbers = [(num, gen) for gen, table in reader.xref.items() for num in table]
    numbers += [(num, 0) for num in reader.xref_objStm]
    stack: list[Any] = [reader.trailer]
    for num, gen in numbers:
        try:
            stack.append(reader.get_object(IndirectObject(num, gen, reader)))
        except Exception:
            continue
    while stack:
        item = stack.pop()
        if isinstance(item, StreamObject):
            try:
                out.append(item.get_data().decode("latin-1"))
            except Exception:
                pass
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                out.append(str(key))
                if not isinstance(value, IndirectObject):
                    stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(v for v in item if not isinstance(v, IndirectObject))
        elif isinstance(item, bytes):
            out.append(item.decode("latin-1"))
            try:
                out.append(item.decode("utf-16"))
            except UnicodeDecodeError:
                pass
        elif isinstance(item, str):
            out.append(item)
    return out


def where_found(pdf: bytes, kind: str, value: str, region: str = "GB") -> list[str]:
    """Where any form of ``value`` is still found ([] when it is gone everywhere)."""
    patterns = value_patterns(kind, value, region)
    found = [name for name, text in texts_of(pdf).items() if any(p.search(text) for p in patterns)]
    if any(p.search(text) for text in raw_strings(pdf) for p in patterns):
        found.append("objects")
    return found


def is_opaque(pdf: bytes, page_index: int, box: tuple[float, float, float, float], *, dpi: int = 100) -> bool:
    """True when the region (points, from the top-left) renders as the redaction box: mostly black,
    with at most the white label, and none of the original's coloured text."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[page_index].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        doc.close()
    scale = dpi / 72
    x0, y0, x1, y1 = (int(v * scale) for v in box)
    pixels = list(image.crop((x0 + 1, y0 + 1, x1 - 1, y1 - 1)).get_flattened_data())
    if not pixels:
        return False
    coloured = sum(1 for r, g, b in pixels if abs(r - g) > 40 or abs(g - b) > 40)
    dark = sum(1 for r, g, b in pixels if r + g + b < 150)
    # The white label covers part of the box; what is not label is black.
    return coloured == 0 and dark / len(pixels) > 0.35

"""Permission stamps on shared PDFs, and the authorisation cover sheet.

Every page keeps its boxes (so page count and page sizes are unchanged). Its content is
scaled to ``SCALE`` about the top centre of the visible page and clipped to the area above a
band drawn in the freed strip at the bottom, so the band never covers anything. The band is
plain text in a standard font, so it is readable and extractable (pypdf, pdftotext, copy and
paste). Page rotation is honoured: the band sits at the bottom as the reader sees the page.

The page's content streams are wrapped, never parsed, so odd but valid content stamps the
same way as clean content. Fonts: Helvetica with WinAnsi encoding when every character fits it;
otherwise (Cyrillic, Greek, Chinese, Japanese, Korean … names) the band is drawn as a form
XObject with the system's Unicode TrueType fonts, each character in the first that has it
(DejaVu Sans, Droid Sans Fallback, Nanum Gothic …); characters no font has are shown as '?'
(the manifest always carries the exact text).
"""

from __future__ import annotations

import functools
import io
import json
import os
import struct
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, cast
from xml.sax.saxutils import escape

from vault.errors import StampFailed

from .redaction import Prepared, RedactionReport, RedactionRules

# pypdf and reportlab are imported where they are used: importing them costs ~0.6 s, which
# every app launch (the share wizard imports this module) and every stamping child would pay.
if TYPE_CHECKING:
    from pypdf import PageObject, PdfWriter
    from pypdf.generic import DictionaryObject, IndirectObject

SCALE = 0.93
#: Limits of the stamping child (a resume PDF comes from a stranger; pypdf must not hang the app).
CPU_SECONDS = 30
WALL_SECONDS = 60
MEMORY_BYTES = 1024 * 1024 * 1024
FONT_NAME = "/CVStampFont"
MAX_FONT = 7.5
MIN_FONT = 3.5
Matrix = tuple[float, float, float, float, float, float]
Measure = Callable[[str, float], float]  # width of a text at a font size, in points


@dataclass(frozen=True)
class StampText:
    """What the band says; every page carries all of it."""

    sender: str
    recipient: str
    shared_on: str
    purpose: str
    authorisation_id: str
    method: str
    obtained_on: str
    valid_until: str
    package_id: str

    def lines(self) -> list[str]:
        purpose = self.purpose if len(self.purpose) <= 90 else self.purpose[:89] + "…"
        return [
            f"Shared by {self.sender} with {self.recipient} on {self.shared_on}. Purpose: {purpose}",
            f"Authorisation {self.authorisation_id} - method: {self.method} - obtained {self.obtained_on}"
            f" - valid until {self.valid_until}",
            f"Package {self.package_id} - NOT FOR ONWARD DISTRIBUTION: do not forward or copy without"
            " the person's consent.",
        ]


# --- affine helpers (PDF convention: x' = a x + c y + e, y' = b x + d y + f) ----------------------


def _then(first: Matrix, second: Matrix) -> Matrix:
    """The matrix that applies ``first`` and then ``second``."""
    a1, b1, c1, d1, e1, f1 = first
    a2, b2, c2, d2, e2, f2 = second
    return (a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2)


def _inverse(m: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return (ia, ib, ic, id_, -(e * ia + f * ic), -(e * ib + f * id_))


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _page_to_visual(rotation: int, x0: float, y0: float, w: float, h: float) -> tuple[Matrix, float, float]:
    """Page space to 'as seen' space (origin bottom-left of the displayed page), and the seen size."""
    if rotation == 90:
        return (0.0, -1.0, 1.0, 0.0, -y0, w + x0), h, w
    if rotation == 180:
        return (-1.0, 0.0, 0.0, -1.0, w + x0, h + y0), w, h
    if rotation == 270:
        return (0.0, 1.0, -1.0, 0.0, h + y0, -x0), h, w
    return (1.0, 0.0, 0.0, 1.0, -x0, -y0), w, h


def _num(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _cm(m: Matrix) -> str:
    return " ".join(_num(v) for v in m) + " cm"


def _pdf_string(text: str) -> str:
    data = text.encode("cp1252", errors="replace")
    out = []
    for byte in data:
        ch = chr(byte)
        if ch in "\\()":
            out.append("\\" + ch)
        elif 32 <= byte < 127:
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    return "(" + "".join(out) + ")"


def _helvetica_width(text: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, "Helvetica", size)


def _wrap(text: str, size: float, width: float, measure: Measure = _helvetica_width) -> list[str]:
    """Lines of at most ``width``: broken at spaces, and inside a word only when it is wider
    than a line by itself (a long link, or Chinese and Japanese, written without spaces)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        trial = f"{current} {word}" if current else word
        if measure(trial, size) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        pieces = _cut(word, size, width, measure)
        lines.extend(pieces[:-1])
        current = pieces[-1]
    if current:
        lines.append(current)
    return lines


def _cut(word: str, size: float, width: float, measure: Measure) -> list[str]:
    """``word`` in pieces that each fit ``width`` (a piece holds at least one character)."""
    pieces: list[str] = []
    while len(word) > 1 and measure(word, size) > width:
        cut = len(word) - 1
        while cut > 1 and measure(word[:cut], size) > width:
            cut -= 1
        pieces.append(word[:cut])
        word = word[cut:]
    pieces.append(word)
    return pieces


def _layout(texts: Sequence[str], width: float, height: float,
            measure: Measure = _helvetica_width) -> tuple[float, list[str]]:
    """The largest font size (≤ MAX_FONT) at which the wrapped lines fit the band."""
    size = MAX_FONT
    while True:
        lines = [line for text in texts for line in _wrap(text, size, width, measure)]
        if len(lines) * size * 1.22 <= height or size <= MIN_FONT:
            return size, lines
        size -= 0.25


def _band_stream(width: float, band: float, texts: Sequence[str]) -> str:
    pad_x = max(4.0, width * 0.02)
    pad_y = max(1.5, band * 0.08)
    size, lines = _layout(texts, width - 2 * pad_x, band - 2 * pad_y)
    leading = size * 1.22
    block = leading * len(lines)
    top = pad_y + (band - 2 * pad_y + block) / 2 - size
    ops = [
        "0.93 0.95 0.98 rg", f"0 0 {_num(width)} {_num(band)} re f",
        "0.35 0.42 0.55 RG 0.6 w", f"0 {_num(band)} m {_num(width)} {_num(band)} l S",
        "BT", f"{FONT_NAME} {_num(size)} Tf", "0.08 0.1 0.16 rg", f"{_num(leading)} TL",
        f"{_num(pad_x)} {_num(top)} Td",
    ]
    for index, line in enumerate(lines):
        ops.append(f"{_pdf_string(line)} Tj" if index == 0 else f"T* {_pdf_string(line)} Tj")
    ops.append("ET")
    return "\n".join(ops)


UNICODE_FONT = "CVStampUnicode"
#: TrueType fonts for text outside WinAnsi, in the order they are tried: each character is drawn
#: in the first of them that has its glyph. Broad Latin, Greek and Cyrillic faces first, then
#: faces with Chinese and Japanese (Droid Sans Fallback) and Korean (Nanum Gothic); reportlab
#: embeds only TrueType outlines, so the OpenType-CFF Noto CJK fonts cannot serve.
UNICODE_FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/nanum-gothic-fonts/NanumGothic.ttf",
)
#: The fonts that draw a text: each character in the first of them that has its glyph, as
#: (reportlab name, code points with a glyph).
FontChain = tuple[tuple[str, frozenset[int]], ...]


@functools.cache
def unicode_fonts() -> FontChain:
    """Every font of ``UNICODE_FONT_FILES`` on this system, registered with reportlab (once)."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    found: list[tuple[str, frozenset[int]]] = []
    for path in UNICODE_FONT_FILES:
        if not os.path.isfile(path):
            continue
        name = f"{UNICODE_FONT}{len(found) or ''}"
        try:
            font = TTFont(name, path)
            pdfmetrics.registerFont(font)
        except Exception:  # an unreadable or CFF-only font file: try the next one
            continue
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(name, bold, italic, name)
        found.append((name, frozenset(font.face.charToGlyph)))
    return tuple(found)


def needs_unicode(texts: Sequence[str]) -> bool:
    """True when some character cannot be written in WinAnsi (Helvetica's encoding)."""
    try:
        "".join(texts).encode("cp1252")
    except UnicodeEncodeError:
        return True
    return False


def font_chain(texts: Sequence[str]) -> tuple[FontChain | None, list[str]]:
    """The Unicode fonts to draw ``texts`` with (None: Helvetica will do, or no Unicode font
    exists), and the texts with '?' for any character none of those fonts has (the manifest
    always carries the exact text). Mixed scripts take several fonts: CJK fallback faces lack
    Latin letters, and Latin faces lack CJK."""
    if not needs_unicode(texts):
        return None, list(texts)
    fonts = unicode_fonts()  # only now: reading the font files costs a tenth of a second
    if not fonts:
        return None, list(texts)
    return fonts, [_drawable(text, fonts) for text in texts]


def _drawable(text: str, chain: FontChain) -> str:
    return "".join(ch if ord(ch) < 32 or any(ord(ch) in glyphs for _, glyphs in chain) else "?" for ch in text)


def _runs(text: str, chain: FontChain) -> list[tuple[str, str]]:
    """``text`` as (font, piece) runs: every character in the first font of ``chain`` that has
    it (characters none has were made '?' by ``font_chain``)."""
    runs: list[tuple[str, str]] = []
    for ch in text:
        font = next((name for name, glyphs in chain if ord(ch) in glyphs), chain[0][0])
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return runs


def _chain_width(chain: FontChain) -> Measure:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def measure(text: str, size: float) -> float:
        return sum(stringWidth(piece, font, size) for font, piece in _runs(text, chain))

    return measure


def _band_xobject(writer: PdfWriter, width: float, band: float, texts: Sequence[str],
                  chain: FontChain) -> IndirectObject:
    """The band drawn by reportlab with embedded TrueType subsets, as a form XObject."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DecodedStreamObject, FloatObject, NameObject
    from reportlab.pdfgen import canvas

    pad_x = max(4.0, width * 0.02)
    pad_y = max(1.5, band * 0.08)
    size, lines = _layout(texts, width - 2 * pad_x, band - 2 * pad_y, _chain_width(chain))
    leading = size * 1.22
    top = pad_y + (band - 2 * pad_y + leading * len(lines)) / 2 - size
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width, band), invariant=1)
    pdf.setFillColorRGB(0.93, 0.95, 0.98)
    pdf.rect(0, 0, width, band, stroke=0, fill=1)
    pdf.setStrokeColorRGB(0.35, 0.42, 0.55)
    pdf.setLineWidth(0.6)
    pdf.line(0, band, width, band)
    pdf.setFillColorRGB(0.08, 0.1, 0.16)
    text = pdf.beginText(pad_x, top)
    for line in lines:
        for font, piece in _runs(line, chain):
            text.setFont(font, size, leading)
            text.textOut(piece)
        text.textLine("")
    pdf.drawText(text)
    pdf.showPage()
    pdf.save()
    drawn = PdfReader(io.BytesIO(out.getvalue())).pages[0]
    form = DecodedStreamObject()
    form.set_data(drawn.get_contents().get_data())  # type: ignore[union-attr]  # drawn just above: never empty
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(width), FloatObject(band)])
    form[NameObject("/Resources")] = drawn["/Resources"].clone(writer)
    return writer._add_object(form)


def _font_dict() -> DictionaryObject:
    from pypdf.generic import DictionaryObject, NameObject

    font = DictionaryObject()
    font[NameObject("/Type")] = NameObject("/Font")
    font[NameObject("/Subtype")] = NameObject("/Type1")
    font[NameObject("/BaseFont")] = NameObject("/Helvetica")
    font[NameObject("/Encoding")] = NameObject("/WinAnsiEncoding")
    return font


def _stream(writer: PdfWriter, text: str) -> IndirectObject:
    from pypdf.generic import DecodedStreamObject

    stream = DecodedStreamObject()
    stream.set_data(text.encode("latin-1"))
    return writer._add_object(stream)


def _inherited(page: DictionaryObject, key: str) -> object | None:
    node: DictionaryObject | None = page
    while node is not None:
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


@dataclass
class _UnicodeBands:
    """The TrueType band of one stamping, drawn once per page size."""

    chain: FontChain
    by_size: dict[tuple[float, float], IndirectObject] = field(default_factory=dict)


def _stamp_page(writer: PdfWriter, page: PageObject, texts: Sequence[str], font_ref: IndirectObject,
                unicode: _UnicodeBands | None = None) -> None:
    """Stamp one page; with ``unicode`` the band is the TrueType one, else Helvetica."""
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        IndirectObject,
        NameObject,
        RectangleObject,
    )

    box = page.cropbox if "/CropBox" in page or _inherited(page, "/CropBox") is not None else page.mediabox
    x0, y0 = float(box.left), float(box.bottom)
    w, h = float(box.width), float(box.height)
    rotation = int(page.get("/Rotate", _inherited(page, "/Rotate") or 0) or 0) % 360
    if rotation not in (0, 90, 180, 270):
        rotation = 0
    to_visual, vw, vh = _page_to_visual(rotation, x0, y0, w, h)
    to_page = _inverse(to_visual)
    band = (1 - SCALE) * vh
    shrink: Matrix = (SCALE, 0.0, 0.0, SCALE, (1 - SCALE) * vw / 2, (1 - SCALE) * vh)
    content_matrix = _then(_then(to_visual, shrink), to_page)

    # Resources: a private copy per page, so shared resource dictionaries are left alone.
    resources_obj = page.get("/Resources", _inherited(page, "/Resources"))
    resources = DictionaryObject()
    if resources_obj is not None:
        resources.update(cast("DictionaryObject", resources_obj.get_object()))
    fonts = DictionaryObject()
    if "/Font" in resources:
        fonts.update(cast("DictionaryObject", resources["/Font"].get_object()))
    fonts[NameObject(FONT_NAME)] = font_ref
    resources[NameObject("/Font")] = fonts
    if unicode is not None:
        key = (round(vw, 3), round(band, 3))
        if key not in unicode.by_size:
            unicode.by_size[key] = _band_xobject(writer, vw, band, texts, unicode.chain)
        xobjects = DictionaryObject()
        if "/XObject" in resources:
            xobjects.update(cast("DictionaryObject", resources["/XObject"].get_object()))
        xobjects[NameObject("/CVStampBand")] = unicode.by_size[key]
        resources[NameObject("/XObject")] = xobjects
        band_ops = "/CVStampBand Do"
    else:
        band_ops = _band_stream(vw, band, texts)
    page[NameObject("/Resources")] = resources

    before = (f"q {_cm(to_page)} 0 {_num(band)} {_num(vw)} {_num(vh - band)} re W n "
              f"{_cm(_then(to_visual, shrink))}\n")
    after = f"\nQ\nq {_cm(to_page)}\n{band_ops}\nQ\n"
    contents = ArrayObject([_stream(writer, before)])
    raw = page.raw_get("/Contents") if "/Contents" in page else None
    if raw is not None:
        resolved = raw.get_object()
        if isinstance(resolved, ArrayObject):
            contents.extend(resolved)
        else:
            contents.append(raw if isinstance(raw, IndirectObject) else writer._add_object(resolved))
    contents.append(_stream(writer, after))
    page[NameObject("/Contents")] = contents

    # Annotations (links, form fields) follow the content they sit on.
    annots = page.get("/Annots")
    if annots is not None:
        for ref in annots.get_object():
            annot = ref.get_object()
            rect = annot.get("/Rect") if isinstance(annot, DictionaryObject) else None
            if rect is None or len(rect) != 4:
                continue
            corners = [_apply(content_matrix, float(rect[i]), float(rect[j])) for i, j in ((0, 1), (2, 3), (0, 3),
                                                                                            (2, 1))]
            xs, ys = [c[0] for c in corners], [c[1] for c in corners]
            annot[NameObject("/Rect")] = RectangleObject([FloatObject(min(xs)), FloatObject(min(ys)),
                                                          FloatObject(max(xs)), FloatObject(max(ys))])


#: Page keys kept when a page is copied into a shared PDF; everything else (annotations, page
#: actions, thumbnails, piece info, structure links, metadata) is left behind.
_PAGE_KEEP = frozenset({"/Type", "/Parent", "/MediaBox", "/CropBox", "/Rotate", "/Resources", "/Contents",
                        "/UserUnit", "/Group"})
_INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
#: Keys removed from every object of a shared PDF: scripts, actions, attachments, metadata,
#: alternate texts a reader or extractor could show.
_DROP_KEYS = frozenset({"/Metadata", "/PieceInfo", "/AA", "/OpenAction", "/JS", "/JavaScript", "/URI",
                        "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/ActualText", "/Alt", "/Annots",
                        "/StructParents", "/StructParent", "/AcroForm", "/Names", "/Outlines", "/Threads",
                        "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/Thumb", "/RichMedia"})


def _sanitised_pdf(data: bytes, prepared: Prepared) -> bytes:
    """A fresh PDF (no incremental revisions) of the pages alone: no Info, XMP, outlines, forms,
    attachments, scripts, actions or annotations of the original; flattened and rasterised pages
    swapped in, the others taken as they are (their boxes keep their exact numbers)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    flat = PdfReader(io.BytesIO(prepared.pdf), strict=False) if prepared.flattened else None
    replaced = PdfReader(io.BytesIO(prepared.rebuilt_pdf), strict=False) if prepared.rebuilt_pdf else None
    writer = PdfWriter()
    for index, page in enumerate(reader.pages):
        source = page
        if replaced is not None and index in prepared.rebuilt:
            source = replaced.pages[prepared.rebuilt[index]]
        elif flat is not None and index in prepared.flattened:
            source = flat.pages[index]
            for key in ("/MediaBox", "/CropBox"):  # PDFium rounds (and adds) them when it saves
                value = page.get(key, _inherited(page, key))
                if value is not None:
                    source[NameObject(key)] = value
                elif key in source:
                    del source[key]
        for key in _INHERITABLE:
            if key not in source:
                value = _inherited(source, key)
                if value is not None:
                    source[NameObject(key)] = value
        for key in [k for k in source if k not in _PAGE_KEEP]:
            del source[key]
        writer.add_page(source)
    for page in writer.pages:
        _scrub_marked_content(writer, page)
    for obj in writer._objects:
        target = obj.get_object() if obj is not None else None
        if isinstance(target, (DictionaryObject, StreamObject)):
            for key in [k for k in target if k in _DROP_KEYS]:
                del target[key]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_ALTERNATE_TEXT = (b"/ActualText", b"/Alt", b"/E")


def _scrub_marked_content(writer: PdfWriter, page: PageObject) -> None:
    """Drop /ActualText, /Alt and /E from inline marked-content properties (BDC) of the page and
    its form XObjects: text a screen reader or extractor shows instead of what is drawn. Streams
    are parsed only when one of those keys occurs in them (parsing is slow and fussy)."""
    from pypdf.generic import ContentStream, DictionaryObject, NameObject, StreamObject

    def scrub(stream: ContentStream) -> bool:
        changed = False
        for operands, operator in stream.operations:
            if operator == b"BDC" and len(operands) == 2 and isinstance(operands[1], DictionaryObject):
                for key in ("/ActualText", "/Alt", "/E"):
                    if key in operands[1]:
                        del operands[1][key]
                        changed = True
        return changed

    contents = page.get_contents()
    if contents is not None and any(key in contents.get_data() for key in _ALTERNATE_TEXT):
        parsed = ContentStream(contents, writer)
        if scrub(parsed):
            page.replace_contents(parsed)
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    for ref in (xobjects.get_object().values() if xobjects is not None else []):
        form = ref.get_object()
        if not (isinstance(form, StreamObject) and form.get("/Subtype") == "/Form"):
            continue
        data = form.get_data()
        if any(key in data for key in _ALTERNATE_TEXT):
            parsed = ContentStream(form, writer)
            if scrub(parsed):
                form.set_data(parsed.get_data())
                if "/Filter" in form:
                    del form[NameObject("/Filter")]


def _open_check(data: bytes, file_name: str) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:
            opened = bool(reader.decrypt(""))
        except Exception:  # any failure here means we cannot open it
            opened = False
        if not opened:
            raise StampFailed(file_name, "it is password-protected; store an unprotected copy to share it")
    if len(reader.pages) == 0:
        raise StampFailed(file_name, "it has no pages")


def clean_pdf(data: bytes, rules: RedactionRules | None, file_name: str = "resume.pdf") -> tuple[bytes, RedactionReport]:
    """Flattened, redacted (when ``rules`` are given) and sanitised; no stamp yet.

    After redaction the result is searched once more, by PDFium's text and by every decoded
    object and string: a page still holding a removed value is rasterised, and a value left
    anywhere else stops the share (StampFailed) rather than let it leave.
    """
    from .redaction import find_leaks, leak_patterns, prepare

    _open_check(data, file_name)
    prepared = prepare(data, rules)
    clean = _sanitised_pdf(data, prepared)
    if rules is None:
        return clean, prepared.report
    patterns = leak_patterns(rules, prepared.report)
    pages, document_level = find_leaks(clean, patterns)
    if pages - set(prepared.rebuilt):
        forced = pages | set(prepared.rebuilt)
        again = prepare(data, rules, force_raster=forced)
        clean = _sanitised_pdf(data, again)
        prepared = again
        pages, document_level = find_leaks(clean, patterns)
    if pages or document_level:
        raise StampFailed(file_name, "a detail that must not leave could not be removed from it")
    return clean, prepared.report


def stamp_pdf(data: bytes, stamp: StampText, *, file_name: str = "resume.pdf", password: str | None = None,
              metadata: dict[str, str] | None = None) -> bytes:
    """The stamped, sanitised copy of a PDF (optionally AES-256 encrypted); raises StampFailed."""
    return share_pdf(data, stamp, file_name=file_name, password=password, metadata=metadata)[0]


def share_pdf(data: bytes, stamp: StampText, *, file_name: str = "resume.pdf", password: str | None = None,
              metadata: dict[str, str] | None = None,
              rules: RedactionRules | None = None) -> tuple[bytes, RedactionReport]:
    """Redacted (``rules``), sanitised and stamped, with what was removed; raises StampFailed."""
    from pypdf import PdfReader, PdfWriter

    try:
        clean, report = clean_pdf(data, rules, file_name)
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(clean)))
        font_ref = writer._add_object(_font_dict())
        chain, texts = font_chain(stamp.lines())
        unicode = _UnicodeBands(chain) if chain else None
        for page in writer.pages:
            _stamp_page(writer, page, texts, font_ref, unicode)
        info = {
            "/ContactVaultPackage": stamp.package_id,
            "/ContactVaultAuthorisation": stamp.authorisation_id,
            "/Subject": f"Shared under authorisation {stamp.authorisation_id}, package {stamp.package_id}; "
                        "not for onward distribution",
        }
        info.update(metadata or {})
        writer.add_metadata(info)
        if password:
            writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue(), report
    except StampFailed:
        raise
    except RecursionError as exc:
        raise StampFailed(file_name, "its structure is too deeply nested") from exc
    except Exception as exc:  # pypdf and PDFium raise many types on damaged files
        raise StampFailed(file_name, f"it could not be read as a PDF ({type(exc).__name__})") from exc


# --- the same, in a limited child process ------------------------------------------------------


def _limit_child() -> None:  # pragma: no cover - runs in the child before exec
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # the child never writes files


#: The child's entry: this module without ``vault/sharing/__init__.py``, which would import the
#: whole sharing package (building, verifying, importing packages) that stamping never uses: a
#: third of a second on every share. Same code as ``python -I -B -m vault.sharing.stamping``.
_CHILD_BOOTSTRAP = (
    "import os, sys, types, vault; "
    "package = types.ModuleType('vault.sharing'); "
    "package.__path__ = [os.path.join(vault.__path__[0], 'sharing')]; "
    "sys.modules['vault.sharing'] = package; "
    "from vault.sharing.stamping import child_main; "
    "raise SystemExit(child_main())"
)


def stamp_pdf_isolated(data: bytes, stamp: StampText, *, file_name: str = "resume.pdf",
                       password: str | None = None) -> bytes:
    """``stamp_pdf`` in a limited child (see ``share_pdf_isolated``)."""
    return share_pdf_isolated(data, stamp, file_name=file_name, password=password)[0]


def share_pdf_isolated(data: bytes, stamp: StampText, *, file_name: str = "resume.pdf",
                       password: str | None = None,
                       rules: RedactionRules | None = None) -> tuple[bytes, RedactionReport]:
    """``share_pdf`` in a child with CPU, memory and wall-clock limits (bytes over pipes only).

    Redaction parses and renders a stranger's PDF, so it runs there too, never in the app.
    A frozen bundle has no ``-m``: there the child is the app itself, ``contact-vault --stamp-worker``.
    """
    frozen = getattr(sys, "frozen", False)
    command = [sys.executable, "--stamp-worker"] if frozen else [sys.executable, "-I", "-B", "-c", _CHILD_BOOTSTRAP]
    header = json.dumps({"stamp": asdict(stamp), "file_name": file_name, "password": password,
                         "rules": rules.to_json() if rules is not None else None}).encode("utf-8")
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "PYTHONPATH", "SYSTEMROOT")}
    try:
        proc = subprocess.run(
            command,
            input=struct.pack(">I", len(header)) + header + data, capture_output=True, timeout=WALL_SECONDS,
            preexec_fn=_limit_child if os.name == "posix" else None, env=env, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise StampFailed(file_name, f"stamping took longer than {WALL_SECONDS} s and was stopped") from exc
    except OSError as exc:
        raise StampFailed(file_name, f"the stamping process could not start ({exc.strerror})") from exc
    if proc.returncode == 0 and proc.stdout.startswith(b"OK"):
        (size,) = struct.unpack(">I", proc.stdout[2:6])
        report = RedactionReport.from_json(json.loads(proc.stdout[6:6 + size]))
        return proc.stdout[6 + size:], report
    if proc.returncode == 0 and proc.stdout.startswith(b"ER"):
        raise StampFailed(file_name, proc.stdout[2:].decode("utf-8", "replace")[:300])
    if proc.returncode < 0:
        raise StampFailed(file_name, "stamping hit its CPU-time or memory limit and was stopped")
    detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    reason = "stamping ran out of memory" if detail and "MemoryError" in detail[-1] else "stamping failed"
    raise StampFailed(file_name, reason)


def child_main() -> int:  # pragma: no cover - exercised through stamp_pdf_isolated
    raw = sys.stdin.buffer.read()
    (size,) = struct.unpack(">I", raw[:4])
    request = json.loads(raw[4:4 + size])
    rules = RedactionRules.from_json(request["rules"]) if request.get("rules") else None
    try:
        out, report = share_pdf(raw[4 + size:], StampText(**request["stamp"]), file_name=request["file_name"],
                                password=request["password"], rules=rules)
    except StampFailed as exc:
        sys.stdout.buffer.write(b"ER" + exc.reason.encode("utf-8"))
        return 0
    answer = json.dumps(report.to_json()).encode("utf-8")
    sys.stdout.buffer.write(b"OK" + struct.pack(">I", len(answer)) + answer + out)
    return 0


# --- the cover sheet ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverSheet:
    person: str
    sender: str
    sender_fingerprint: str
    recipient: str
    items: Sequence[str]
    purpose: str
    method: str
    obtained_on: str
    valid_until: str
    max_uses: str
    authorisation_id: str
    package_id: str
    created_at: str
    evidence: str


def cover_sheet_pdf(sheet: CoverSheet) -> bytes:
    """``authorisation.pdf``: the authorisation in plain words, one page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title="Authorisation to share",
                            subject=f"Package {sheet.package_id}", author=sheet.sender, invariant=1)
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10.5, leading=14)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor="#333333")  # type: ignore[arg-type]  # a colour string is fine (toColor)
    chain, _ = font_chain([sheet.person, sheet.sender, sheet.recipient, sheet.purpose, *sheet.items,
                           sheet.evidence])
    if chain:
        for style in (styles["Title"], body, small):
            style.fontName = chain[0][0]

    def e(text: str) -> str:
        """Escaped for a Paragraph, each run of another script in the font that has it."""
        if not chain:
            return escape(text)
        return "".join(escape(piece) if font == chain[0][0] else f'<font face="{font}">{escape(piece)}</font>'
                       for font, piece in _runs(_drawable(text, chain), chain))

    story = [
        Paragraph("Authorisation to share", styles["Title"]),
        Paragraph(
            f"<b>{e(sheet.person)}</b> authorised <b>{e(sheet.sender)}</b> to share "
            f"<b>{e(', '.join(sheet.items))}</b> with <b>{e(sheet.recipient)}</b> for this purpose: "
            f"<i>{e(sheet.purpose)}</i>.", body),
        Spacer(1, 6 * mm),
    ]
    rows = [
        ["Authorisation id", sheet.authorisation_id],
        ["How consent was given", sheet.method],
        ["Consent obtained on", sheet.obtained_on],
        ["Valid until", sheet.valid_until],
        ["Use limit", sheet.max_uses],
        ["Evidence held by the sender", sheet.evidence],
        ["Package id", sheet.package_id],
        ["Package created at", sheet.created_at],
        ["Sender key fingerprint", sheet.sender_fingerprint],
    ]
    table = Table([[Paragraph(e(k), small), Paragraph(e(v), body)] for k, v in rows], colWidths=[50 * mm, 120 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, "#bbbbbb"),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    story += [
        table,
        Spacer(1, 8 * mm),
        Paragraph("<b>Not for onward distribution.</b> This authorisation covers the recipient named above only. "
                  "Do not forward, copy or pass on these documents or details to anyone else without the "
                  "person's own consent.", body),
        Spacer(1, 4 * mm),
        Paragraph("To check that this package is authentic and unchanged, read README.txt: it explains how to "
                  "verify the signature of manifest.json with minisign and every file's SHA-256 checksum.", small),
    ]
    doc.build(story)
    return out.getvalue()


if __name__ == "__main__":  # the stamping child: python -I -B -m vault.sharing.stamping
    raise SystemExit(child_main())

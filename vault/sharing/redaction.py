"""True redaction of shared PDFs: what the authorisation does not cover leaves the document.

Design rule 6 (docs/design.md §2): every contact detail of the person outside the share's
scope, every do-not-contact or old-document value, and every other e-mail address, phone
number and profile/contact link in the text is removed from the content itself; a blind CV
also loses the person's name (replaced by a candidate reference) and the images of page 1.

How: a page with anything to remove is *rasterised*. PDFium (pypdfium2, Apache-2.0/BSD; the
AGPL PyMuPDF is not used, docs/design.md §10) finds the text and each character's box, renders
the page, opaque boxes are painted into the picture where the values were, and the page is
rebuilt from that picture plus an invisible text layer made only from the characters that
remain (so it stays searchable and copyable). Rewriting content streams in place is the other
way, but it has to get every font encoding, kerned ``TJ`` array, form XObject, pattern and
``/ActualText`` right, and one slip leaves the value in the file; a rebuilt page cannot keep
what it was never given. Pages with nothing to remove stay vector and untouched.

Boxes are widened to a multiple of ``BOX_QUANTUM`` points so their size says less about the
length of what was removed (Bland et al., PETS 2023). Scanned pages (pictures of text) have no
text to search: they are reported, not guessed at.

This module runs inside the limited stamping child (stamping.py); it never touches the disk.
"""

from __future__ import annotations

import ctypes
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import phonenumbers

#: Raster resolution of a redacted page (dots per inch): readable print, ~1 MB per page.
DPI = 150
BOX_QUANTUM = 8.0  # points
BOX_PAD = 1.2  # points around the removed characters
LABELS = {
    "email": "[e-mail removed]", "phone": "[phone removed]", "link": "[link removed]",
    "address": "[address removed]", "manual": "[removed]",
}
KINDS = ("name", "manual", "email", "phone", "link", "address")
#: Hosts whose links lead to a person (profiles, messengers, booking pages) even without a scheme.
PROFILE_HOSTS = (
    "linkedin.com", "github.com", "gitlab.com", "bitbucket.org", "twitter.com", "x.com", "facebook.com",
    "fb.com", "instagram.com", "t.me", "telegram.me", "wa.me", "stackoverflow.com", "medium.com",
    "behance.net", "dribbble.com", "calendly.com", "about.me", "xing.com", "mastodon.social",
    "youtube.com", "tiktok.com", "keybase.io", "angel.co", "wellfound.com",
)
_EMAIL = re.compile(r"(?:mailto:)?[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", re.I)
_URL = re.compile(
    r"(?:(?:https?://|www\.)[^\s<>()\"'|,;]+|\b(?:[a-z0-9-]+\.)*(?:"
    + "|".join(re.escape(h) for h in PROFILE_HOSTS) + r")/[^\s<>()\"'|,;]+)", re.I)
_TEL = re.compile(r"tel:\+?[\d\s().-]{6,}\d", re.I)
#: Phone-shaped runs PhoneNumberMatcher may reject as invalid (fictional 555 numbers …).
_PHONE_SHAPE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{6,}\d(?!\w)")


@dataclass(frozen=True)
class RedactionRules:
    """What must leave a document, sent to the stamping child as JSON."""

    #: (kind, value) of the person that may not leave: out of scope, do-not-contact, old document.
    remove: Sequence[tuple[str, str]] = ()
    #: In-scope values by kind: the only e-mails, phones and links that stay.
    keep: dict[str, list[str]] = field(default_factory=dict)
    region: str = "US"
    #: Blind CV: the person's name (full, given, family) and what replaces it.
    names: Sequence[str] = ()
    candidate: str = ""
    #: Words the user marked in the preview.
    words: Sequence[str] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RedactionRules:
        return cls(remove=[tuple(x) for x in data.get("remove", [])], keep=dict(data.get("keep", {})),
                   region=str(data.get("region", "US")), names=list(data.get("names", [])),
                   candidate=str(data.get("candidate", "")), words=list(data.get("words", [])))

    @property
    def anonymise(self) -> bool:
        return bool(self.candidate)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    text: str


@dataclass
class RedactionReport:
    """What was removed: counts by kind (for the manifest and audit) and the values (preview only)."""

    counts: dict[str, int] = field(default_factory=dict)
    removed: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, page number, text)
    rasterised: list[int] = field(default_factory=list)  # page numbers (1-based)
    images_removed: int = 0
    pages_without_text: list[int] = field(default_factory=list)

    def add(self, kind: str, page: int, text: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.removed.append((kind, page, " ".join(text.split())))  # one line, as it reads

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RedactionReport:
        return cls(dict(data.get("counts", {})), [tuple(x) for x in data.get("removed", [])],
                   list(data.get("rasterised", [])), int(data.get("images_removed", 0)),
                   list(data.get("pages_without_text", [])))

    def summary(self) -> dict[str, int]:
        """Counts only (never values): what the manifest and the audit event record."""
        out = {kind: self.counts.get(kind, 0) for kind in KINDS if self.counts.get(kind)}
        if self.images_removed:
            out["image"] = self.images_removed
        return out


# --- finding what to remove in a page's text ---------------------------------------------------


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _link_key(value: str) -> str:
    text = value.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).removeprefix("www.")
    return text.rstrip("/.")


def _flexible(value: str) -> re.Pattern[str] | None:
    """``value`` case-insensitively, any run of spaces matching any whitespace."""
    words = value.split()
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)", re.I)


def phone_pattern(value: str, region: str = "US") -> re.Pattern[str] | None:
    """A phone number in any written form: +44 20 7946 0958, (020) 7946-0958, 02079460958 …"""
    try:
        parsed = phonenumbers.parse(value, region)
        national = phonenumbers.national_significant_number(parsed)
        country = str(parsed.country_code)
    except phonenumbers.NumberParseException:
        national, country = _digits(value), ""
    if len(national) < 6:
        return None
    sep = r"[\s().\-/]{0,3}"
    body = sep.join(re.escape(d) for d in national)
    prefix = rf"(?:(?:\+|00){sep}{sep.join(country)}{sep})?(?:0{sep})?" if country else r"(?:0\s*)?"
    return re.compile(rf"(?<!\d){prefix}{body}(?!\d)")


def _phone_keys(values: Iterable[str], region: str) -> set[str]:
    keys: set[str] = set()
    for value in values:
        try:
            keys.add(phonenumbers.format_number(phonenumbers.parse(value, region), phonenumbers.PhoneNumberFormat.E164))
        except phonenumbers.NumberParseException:
            pass
        keys.add(_digits(value)[-9:])
    return keys


def _phone_in(text: str, keys: set[str], region: str) -> bool:
    try:
        e164 = phonenumbers.format_number(phonenumbers.parse(text, region), phonenumbers.PhoneNumberFormat.E164)
        if e164 in keys:
            return True
    except phonenumbers.NumberParseException:
        pass
    return _digits(text)[-9:] in keys


def find_spans(text: str, rules: RedactionRules) -> list[Span]:
    """Every stretch of ``text`` to remove, merged where they overlap (first kind wins)."""
    found: list[Span] = []

    def add(start: int, end: int, kind: str) -> None:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            found.append(Span(start, end, kind, text[start:end]))

    if rules.anonymise:
        # A name inside an e-mail address or link (jane.harrow@…) takes the whole address with
        # it, even one in scope: a blind CV must not spell the name, and half an address is no use.
        addresses = [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
        addresses += [(m.start(), m.end(), "link") for m in _URL.finditer(text)]
        for name in sorted({n for n in rules.names if n and len(n.strip()) > 1}, key=len, reverse=True):
            pattern = _flexible(name)
            if pattern:
                for m in pattern.finditer(text):
                    inside = next((a for a in addresses if a[0] <= m.start() and m.end() <= a[1]), None)
                    add(*(inside or (m.start(), m.end(), "name")))
    for word in rules.words:
        pattern = _flexible(word)
        if pattern:
            for m in pattern.finditer(text):
                add(m.start(), m.end(), "manual")
    for kind, value in rules.remove:
        pattern = phone_pattern(value, rules.region) if kind == "phone" else _flexible(
            _link_key(value) if kind == "link" else value)
        if pattern:
            for m in pattern.finditer(text):
                add(m.start(), m.end(), kind if kind in LABELS else "manual")
    keep_emails = {v.lower() for v in rules.keep.get("email", [])}
    keep_phones = _phone_keys(rules.keep.get("phone", []), rules.region)
    keep_links = {_link_key(v) for v in rules.keep.get("link", [])}
    for m in _EMAIL.finditer(text):
        if m.group(0).lower().removeprefix("mailto:") not in keep_emails:
            add(m.start(), m.end(), "email")
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".")
        if "@" in url and _EMAIL.search(url):
            continue
        if _link_key(url) not in keep_links:
            add(m.start(), m.start() + len(url), "link")
    for m in _TEL.finditer(text):
        if not _phone_in(m.group(0)[4:], keep_phones, rules.region):
            add(m.start(), m.end(), "phone")
    for match in phonenumbers.PhoneNumberMatcher(text, rules.region, leniency=phonenumbers.Leniency.VALID):
        if not _phone_in(match.raw_string, keep_phones, rules.region):
            add(match.start, match.end, "phone")
    for m in _PHONE_SHAPE.finditer(text):
        raw = m.group(0)
        digits = _digits(raw)
        if not (9 <= len(digits) <= 15 or (raw.startswith("+") and 7 <= len(digits) <= 15)):
            continue
        if re.fullmatch(r"[\d\s]*(?:19|20)\d\d\s*[-–]\s*(?:19|20)\d\d[\d\s]*", raw):
            continue  # a range of years
        if not _phone_in(raw, keep_phones, rules.region):
            add(m.start(), m.end(), "phone")
    return _merge(found)


def _merge(spans: list[Span]) -> list[Span]:
    order = {kind: n for n, kind in enumerate(KINDS)}
    spans.sort(key=lambda s: (s.start, order.get(s.kind, 99), -s.end))
    merged: list[Span] = []
    for span in spans:
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            if span.end > last.end:
                # The longer find names the whole (a name inside an e-mail address is an e-mail).
                kind = span.kind if span.end - span.start > last.end - last.start else last.kind
                merged[-1] = Span(last.start, span.end, kind, last.text + span.text[last.end - span.start:])
            continue
        merged.append(span)
    return merged


# --- the PDF side (PDFium) ------------------------------------------------------------------------


@dataclass
class _Char:
    ch: str
    box: tuple[float, float, float, float]  # left, top, right, bottom in points from the top-left
    generated: bool


def _page_chars(page: Any, textpage: Any, width: float, height: float) -> list[_Char]:
    import pypdfium2.raw as pdfium_c

    count = pdfium_c.FPDFText_CountChars(textpage.raw)
    chars: list[_Char] = []
    rect = pdfium_c.FS_RECTF()
    dx, dy = ctypes.c_int(), ctypes.c_int()
    scale = 20.0  # device units per point: enough precision for integer device coordinates
    size_x, size_y = int(round(width * scale)), int(round(height * scale))
    for index in range(count):
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, index)
        ch = chr(code) if 0 < code < 0x110000 else " "
        generated = bool(pdfium_c.FPDFText_IsGenerated(textpage.raw, index) == 1)
        # The loose box spans the font's ascent to descent: whole lines, accents and all.
        if generated or not pdfium_c.FPDFText_GetLooseCharBox(textpage.raw, index, rect):
            chars.append(_Char(ch, (0, 0, 0, 0), generated))
            continue
        xs, ys = [], []
        for px, py in ((rect.left, rect.bottom), (rect.right, rect.top), (rect.left, rect.top),
                       (rect.right, rect.bottom)):
            pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, size_x, size_y, 0, px, py, dx, dy)
            xs.append(dx.value / scale)
            ys.append(dy.value / scale)
        chars.append(_Char(ch, (min(xs), min(ys), max(xs), max(ys)), generated))
    return chars


def _remove_images(page: Any) -> int:
    """Remove every image object from ``page``, inside form XObjects too (a blind CV's photo)."""
    import pypdfium2.raw as pdfium_c

    removed = 0

    def walk_form(form: Any) -> None:
        nonlocal removed
        for i in reversed(range(pdfium_c.FPDFFormObj_CountObjects(form))):
            obj = pdfium_c.FPDFFormObj_GetObject(form, i)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                if pdfium_c.FPDFFormObj_RemoveObject(form, obj):
                    pdfium_c.FPDFPageObj_Destroy(obj)  # removed objects belong to the caller
                    removed += 1
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
                walk_form(obj)

    for i in reversed(range(pdfium_c.FPDFPage_CountObjects(page.raw))):
        obj = pdfium_c.FPDFPage_GetObject(page.raw, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            if pdfium_c.FPDFPage_RemoveObject(page.raw, obj):
                pdfium_c.FPDFPageObj_Destroy(obj)
                removed += 1
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            walk_form(obj)
    return removed


def _boxes(chars: Sequence[_Char], span: Span) -> list[tuple[float, float, float, float]]:
    """The span's characters as one box per line, padded and widened to a multiple of BOX_QUANTUM."""
    lines: list[list[float]] = []
    for c in chars[span.start:span.end]:
        if c.box == (0, 0, 0, 0) or c.ch.isspace():
            continue
        x0, y0, x1, y1 = c.box
        if lines and min(lines[-1][3], y1) - max(lines[-1][1], y0) > 0.5 * min(lines[-1][3] - lines[-1][1], y1 - y0):
            box = lines[-1]
            box[0], box[1], box[2], box[3] = min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1)
        else:
            lines.append([x0, y0, x1, y1])
    out = []
    for x0, y0, x1, y1 in lines:
        # Neighbours on the same line limit the widening: a box never covers text that stays.
        low, high = x0 - 4 * BOX_QUANTUM, x1 + 4 * BOX_QUANTUM
        for i, c in enumerate(chars):
            if span.start <= i < span.end or c.box == (0, 0, 0, 0) or c.ch.isspace():
                continue
            cx0, cy0, cx1, cy1 = c.box
            if min(cy1, y1) - max(cy0, y0) <= 0.5 * min(cy1 - cy0, y1 - y0):
                continue
            if cx1 <= x0 + 0.5:
                low = max(low, cx1 + 0.3)
            elif cx0 >= x1 - 0.5:
                high = min(high, cx0 - 0.3)
        x0, x1 = max(low, x0 - BOX_PAD), min(high, x1 + BOX_PAD)
        extra = BOX_QUANTUM * max(1, -(-(x1 - x0) // BOX_QUANTUM)) - (x1 - x0)
        grow_left = min(extra / 2, x0 - low)
        grow_right = min(extra - grow_left, high - x1)
        grow_left = min(extra - grow_right, x0 - low)
        out.append((x0 - grow_left, y0 - BOX_PAD / 2, x1 + grow_right, y1 + BOX_PAD / 2))
    return out


def _label_for(kind: str, rules: RedactionRules) -> str:
    return rules.candidate if kind == "name" else LABELS.get(kind, "[removed]")


@dataclass
class RebuiltPage:
    """A rasterised page: the picture (boxes painted in), its size, the text left, the labels."""

    width: float
    height: float
    png: Any  # PIL image
    runs: list[tuple[float, float, float, float, str]]  # x, baseline y (from top), width, size, text
    boxes: list[tuple[float, float, float, float, str]]  # x0, y0, x1, y1 (from top), label


def _rebuild(page: Any, chars: Sequence[_Char], spans: Sequence[Span], rules: RedactionRules,
             width: float, height: float) -> RebuiltPage:
    from PIL import ImageDraw

    scale = DPI / 72.0
    image = page.render(scale=scale, may_draw_forms=True).to_pil().convert("RGB")
    draw = ImageDraw.Draw(image)
    removed = [False] * len(chars)
    boxes: list[tuple[float, float, float, float, str]] = []
    for span in spans:
        for i in range(span.start, span.end):
            removed[i] = True
        for x0, y0, x1, y1 in _boxes(chars, span):
            draw.rectangle([int(x0 * scale) - 1, int(y0 * scale) - 1, int(x1 * scale + 1.999),
                            int(y1 * scale + 1.999)], fill=(0, 0, 0))
            boxes.append((x0, y0, x1, y1, _label_for(span.kind, rules)))
    runs: list[tuple[float, float, float, float, str]] = []
    current: list[_Char] = []

    def flush() -> None:
        visible = [c for c in current if c.box != (0, 0, 0, 0)]
        if visible:
            text = "".join(c.ch for c in current).rstrip()
            x0 = visible[0].box[0]
            x1 = max(c.box[2] for c in visible)
            size = max(c.box[3] - c.box[1] for c in visible) or 1.0
            bottom = max(c.box[3] for c in visible)
            if text.strip():
                runs.append((x0, bottom, max(x1 - x0, 0.5), size, text))
        current.clear()

    for i, c in enumerate(chars):
        if removed[i] or c.ch in "\r\n":
            flush()
            continue
        if current and not c.generated and current[-1].box != (0, 0, 0, 0) and c.box != (0, 0, 0, 0) and (
                abs(c.box[3] - current[-1].box[3]) > max(1.5, (c.box[3] - c.box[1]) * 0.5)
                or c.box[0] < current[-1].box[0] - 1):
            flush()
        current.append(c)
    flush()
    return RebuiltPage(width, height, image, runs, boxes)


def _text_font(pages: Sequence[RebuiltPage]) -> str:
    """A font for the invisible text layer: Helvetica when WinAnsi holds every character, else
    the first Unicode TrueType face found (registered only then: reading it costs time)."""
    from .stamping import UNICODE_FONT_FILES, needs_unicode

    if not needs_unicode([text for page in pages for *_, text in page.runs]):
        return "Helvetica"
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for path in UNICODE_FONT_FILES:
        try:
            pdfmetrics.registerFont(TTFont("CVTextLayer", path))
            return "CVTextLayer"
        except Exception:  # missing or unreadable: the next one
            continue
    return "Helvetica"


def _rebuilt_pdf(pages: Sequence[RebuiltPage]) -> bytes:
    """The rasterised pages as a PDF of their own: picture, invisible text, opaque labelled boxes."""
    from reportlab import rl_config
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    font = _text_font(pages)
    out = io.BytesIO()
    # reportlab would ASCII85-encode the pictures in pure Python (a second per page): binary.
    saved_a85, rl_config.useA85 = rl_config.useA85, 0
    pdf = canvas.Canvas(out, invariant=1, pageCompression=1)
    for page in pages:
        w, h = page.width, page.height
        pdf.setPageSize((w, h))
        pdf.drawImage(ImageReader(page.png), 0, 0, width=w, height=h)
        for x, bottom, width, size, text in page.runs:
            size = max(1.0, min(size, 72.0))
            natural = stringWidth(text, font, size) or 1.0
            pdf.saveState()
            layer = pdf.beginText()
            layer.setTextRenderMode(3)  # invisible: searchable and copyable, the picture shows it
            layer.setFont(font, size)
            layer.setHorizScale(max(1.0, min(1000.0, 100.0 * width / natural)))
            layer.setTextOrigin(x, h - bottom + size * 0.2)
            layer.textOut(text)
            pdf.drawText(layer)
            pdf.restoreState()  # the invisible render mode must not reach the labels
        for x0, y0, x1, y1, label in page.boxes:
            box_w, box_h = x1 - x0, y1 - y0
            size = min(box_h * 0.72, 9.0)
            while size > 3.0 and stringWidth(label, "Helvetica", size) > box_w - 2:
                size -= 0.25
            if size <= 3.0 and label.startswith("["):
                label, size = "[removed]", min(box_h * 0.72, 9.0)
                while size > 3.0 and stringWidth(label, "Helvetica", size) > box_w - 2:
                    size -= 0.25
            if size > 3.0:
                pdf.setFillColorRGB(1, 1, 1)
                pdf.setFont("Helvetica", size)
                pdf.drawString(x0 + 1, h - y1 + (box_h - size) / 2 + size * 0.2, label)
        pdf.showPage()
    try:
        pdf.save()
    finally:
        rl_config.useA85 = saved_a85
    return out.getvalue()


@dataclass
class Prepared:
    """The document after flattening and redaction, before stamping."""

    pdf: bytes  # the PDFium copy (forms flattened), for the flattened pages (empty: none was)
    flattened: set[int]  # page indexes whose annotations and fields became content
    rebuilt: dict[int, int]  # page index -> index into ``rebuilt_pdf``
    rebuilt_pdf: bytes
    report: RedactionReport


def prepare(data: bytes, rules: RedactionRules | None, *, force_raster: Iterable[int] = ()) -> Prepared:
    """Flatten form fields and annotations into the pages, and redact what ``rules`` say.

    ``force_raster`` names pages (0-based) to rebuild even when their text shows nothing to
    remove: the final check found a value somewhere text extraction does not look.
    """
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    forced = set(force_raster)
    report = RedactionReport()
    doc = pdfium.PdfDocument(data, password="")
    try:
        doc.init_forms()  # so form fields flatten with their appearance (this PDFium runs no scripts)
        count = len(doc)
        flattened: set[int] = set()
        for index in range(count):
            page = doc[index]
            if pdfium_c.FPDFPage_GetAnnotCount(page.raw) > 0:
                flattened.add(index)
                # Appearance streams become page content; the annotations (links too) go away.
                pdfium_c.FPDFPage_Flatten(page.raw, pdfium_c.FLAT_PRINT)
            page.close()
        rebuilt: list[RebuiltPage] = []
        rebuilt_index: dict[int, int] = {}
        for index in range(count):
            page = doc[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            chars = _page_chars(page, textpage, width, height)
            text = "".join(c.ch for c in chars)
            spans = find_spans(text, rules) if rules is not None else []
            if not text.strip():
                report.pages_without_text.append(index + 1)
            removed_images = 0
            if rules is not None and rules.anonymise and index == 0:
                removed_images = _remove_images(page)
                report.images_removed += removed_images
            if spans or index in forced or (rules is not None and rules.anonymise and index == 0):
                for span in spans:
                    report.add(span.kind, index + 1, span.text)
                rebuilt_index[index] = len(rebuilt)
                rebuilt.append(_rebuild(page, chars, spans, rules or RedactionRules(), width, height))
                report.rasterised.append(index + 1)
            textpage.close()
            page.close()
        out = io.BytesIO()
        if flattened - set(rebuilt_index):
            doc.save(out)
        return Prepared(out.getvalue(), flattened - set(rebuilt_index), rebuilt_index,
                        _rebuilt_pdf(rebuilt) if rebuilt else b"", report)
    finally:
        doc.close()


# --- the last check: is anything that was removed still in the file? ----------------------------


def leak_patterns(rules: RedactionRules, report: RedactionReport) -> list[tuple[str, re.Pattern[str]]]:
    """Patterns for every removed value and every out-of-scope value of the person, in any form."""
    patterns: list[tuple[str, re.Pattern[str]]] = []
    values = [(kind, text) for kind, _, text in report.removed] + list(rules.remove)
    seen: set[tuple[str, str]] = set()
    label_words = set(rules.candidate.lower().split())
    for kind, value in values:
        if (kind, value) in seen or (kind == "name" and value.lower() in label_words):
            continue
        seen.add((kind, value))
        if kind == "phone":
            pattern = phone_pattern(value, rules.region)
        elif kind == "email":
            pattern = _flexible(value.lower().removeprefix("mailto:"))
        elif kind == "link":
            pattern = _flexible(_link_key(value))
        else:
            pattern = _flexible(value)
        if pattern is not None:
            patterns.append((kind, pattern))
    return patterns


def normalised_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def find_leaks(pdf: bytes, patterns: Sequence[tuple[str, re.Pattern[str]]]) -> tuple[set[int], bool]:
    """Pages (0-based) whose text or objects still hold a pattern, and whether any document-level
    object does. Reads with PDFium (text) and pypdf (every decoded object and string)."""
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    if not patterns:
        return set(), False
    pages: set[int] = set()
    doc = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            text = normalised_text(textpage.get_text_range())
            if any(p.search(text) for _, p in patterns):
                pages.add(index)
            textpage.close()
            page.close()
    finally:
        doc.close()
    reader = PdfReader(io.BytesIO(pdf))
    owner: dict[int, int] = {}
    for index, page in enumerate(reader.pages):
        for obj_num in _reachable(page):
            owner.setdefault(obj_num, index)
    document_level = False
    for obj_num, text in _object_texts(reader):
        if any(p.search(text) for _, p in patterns):
            if obj_num in owner:
                pages.add(owner[obj_num])
            else:
                document_level = True
    return pages, document_level


def _reachable(page: Any) -> set[int]:
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[int] = set()
    stack: list[Any] = [page]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            stack.append(obj.get_object())
        elif isinstance(obj, DictionaryObject):
            stack.extend(v for k, v in obj.items() if k != "/Parent")
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return seen


def object_strings(obj: Any) -> Iterable[str]:
    """Every string, name and decoded stream inside one object, as text."""
    from pypdf.generic import (
        ArrayObject,
        ByteStringObject,
        DictionaryObject,
        NameObject,
        StreamObject,
        TextStringObject,
    )

    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, StreamObject):
            if item.get("/Subtype") == "/Image":  # pixels, not text (its dictionary is still read)
                stack.extend(v for v in item.values() if not hasattr(v, "idnum"))
                continue
            try:
                data = item.get_data()
            except Exception:  # an undecodable stream: its raw bytes
                data = item._data if isinstance(item._data, bytes) else b""
            yield data.decode("latin-1")
            stack.extend(v for v in item.values() if not hasattr(v, "idnum"))
        elif isinstance(item, DictionaryObject):
            stack.extend(v for v in item.values() if not hasattr(v, "idnum"))
            yield " ".join(str(k) for k in item)
        elif isinstance(item, ArrayObject):
            stack.extend(v for v in item if not hasattr(v, "idnum"))
        elif isinstance(item, TextStringObject):
            yield str(item)
        elif isinstance(item, ByteStringObject):
            yield bytes(item).decode("latin-1")
            try:
                yield bytes(item).decode("utf-16")
            except UnicodeDecodeError:
                pass
        elif isinstance(item, NameObject):
            yield str(item)


def _object_texts(pdf: Any) -> Iterable[tuple[int, str]]:
    """(object number, text) for every object in the file (the trailer's as number -1)."""
    from pypdf.generic import IndirectObject

    for num, generation in _object_numbers(pdf):
        try:
            obj = pdf.get_object(IndirectObject(num, generation, pdf))
        except Exception:  # a damaged object: nothing to read
            continue
        for text in object_strings(obj):
            yield num, normalised_text(text)
    for text in object_strings(pdf.trailer):
        yield -1, normalised_text(text)


def _object_numbers(pdf: Any) -> list[tuple[int, int]]:
    numbers: list[tuple[int, int]] = []
    for generation, table in pdf.xref.items():
        numbers.extend((num, generation) for num in table)
    numbers.extend((num, 0) for num in pdf.xref_objStm)
    return numbers

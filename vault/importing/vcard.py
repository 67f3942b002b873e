"""vCard 2.1, 3.0 and 4.0 reading, card by card, tolerant of the dialects found in the wild.

The file is split into cards first, so one bad card never stops the others. Each card is read
by a small content-line parser working on bytes: that lets it unfold lines that split a UTF-8
character, join quoted-printable soft line breaks (even onto unindented lines), honour a
per-property CHARSET, accept bare 2.1 parameters (``TEL;CELL;PREF``) and grouped properties
(``item1.EMAIL`` with ``item1.X-ABLabel``). vobject 0.9.9 was tried first and rejected 17 of
the 58 corpus files outright (QP soft breaks, bare parameters, UTF-16, a ``PROFILE`` line), so
it is used only to check our exports in the tests. A ``PHOTO`` URI is never fetched.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re

from vault.text_decoding import UTF8_BOM, utf16_variant

from .records import (
    MAX_FILE_BYTES,
    MAX_PHOTO_BYTES,
    MAX_RECORD_BYTES,
    MAX_RECORDS,
    ParsedFile,
    ParsedItem,
    Photo,
    SourceRecord,
)

_LINE_SPLIT = re.compile(rb"\r\n|\r|\n")
_NAME_OK = re.compile(r"^[A-Za-z0-9-]+$")
_BARE_ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"}
_IGNORED_QUIETLY = {"VERSION", "PRODID", "UID", "REV", "LABEL", "X-ABLABEL", "SORT-STRING", "CLASS", "KIND",
                    "SOURCE", "NAME", "PROFILE", "MAILER", "X-ABSHOWAS", "X-ABUID", "XML", "CLIENTPIDMAP"}
_LABEL_NOISE = {"INTERNET", "PREF", "X400", "VOICE", "TEXT", "URI", "X-INTERNET"}


class CardError(Exception):
    """A card that cannot be read at all; the message is the reason shown in the report."""


def decode_file_bytes(data: bytes) -> tuple[bytes, str]:
    """UTF-16 becomes UTF-8 bytes; everything else stays bytes, since each property may name
    its own charset (vCard 2.1) and is decoded on its own."""
    variant = utf16_variant(data)
    if variant is not None:
        return data.decode(variant, errors="replace").encode("utf-8"), variant
    if data.startswith(UTF8_BOM):
        return data[len(UTF8_BOM):], "utf-8-sig"
    return data, "utf-8"


def parse_vcards(data: bytes) -> ParsedFile:
    """Every card of the file as a record or a failure; never raises for bad content."""
    if len(data) > MAX_FILE_BYTES:
        raise CardError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    text, encoding = decode_file_bytes(data)
    lines = _LINE_SPLIT.split(text)
    items: list[ParsedItem] = []
    current: list[bytes] | None = None
    start = 0
    stray_start: int | None = None
    card_no = 0

    def add(item: ParsedItem) -> None:
        items.append(item)

    for number, raw in enumerate(lines, start=1):
        marker = raw.strip().upper()
        if current is None:
            if marker == b"BEGIN:VCARD":
                current, start, stray_start = [], number, None
            elif marker == b"END:VCARD":
                card_no += 1
                where = f"lines {stray_start}–{number}" if stray_start else f"line {number}"
                add(ParsedItem(card_no, f"card {card_no}", None,
                               f"has no BEGIN:VCARD line ({where}); the card was not read"))
                stray_start = None
            elif marker and stray_start is None:
                stray_start = number
            continue
        if marker == b"END:VCARD":
            card_no += 1
            add(_card_item(card_no, current, start))
            current = None
        elif marker == b"BEGIN:VCARD":
            card_no += 1
            add(ParsedItem(card_no, f"card {card_no}", None,
                           f"starting at line {start} has no END:VCARD before the next card; it was not read",
                           name=formatted_name(current)))
            current, start = [], number
        else:
            current.append(raw)
        if len(items) > MAX_RECORDS:
            break
    if current is not None:
        card_no += 1
        add(ParsedItem(card_no, f"card {card_no}", None,
                       f"starting at line {start} ends without END:VCARD (file cut short?); it was not read",
                       name=formatted_name(current)))
    elif stray_start is not None:
        card_no += 1
        add(ParsedItem(card_no, f"card {card_no}", None,
                       f"text from line {stray_start} is outside any BEGIN:VCARD … END:VCARD; it was not read"))
    notes = [] if items else ["the file holds no vCard (no BEGIN:VCARD line)"]
    return ParsedFile("vcard", items, encoding, notes)


def formatted_name(lines: list[bytes]) -> str:
    """The FN of a card that cannot be imported, for the report only (never stored)."""
    for index, raw in enumerate(lines[:200]):
        head, sep, value = raw.partition(b":")
        if not sep or head.split(b";")[0].rpartition(b".")[2].strip().upper() != b"FN":
            continue
        for more in lines[index + 1:index + 20]:  # folded continuation lines
            if more[:1] not in (b" ", b"\t"):
                break
            value += more[1:]
        text = value.decode("utf-8", errors="replace").replace("\\,", ",").replace("\\;", ";")
        return " ".join(text.replace("\\\\", "\\").split())[:200]
    return ""


def _card_item(card_no: int, lines: list[bytes], start: int) -> ParsedItem:
    label = f"card {card_no}"
    if sum(len(line) + 1 for line in lines) > MAX_RECORD_BYTES:
        return ParsedItem(card_no, label, None,
                          f"starting at line {start} is larger than {MAX_RECORD_BYTES // 1024} KB; it was not read")
    try:
        record = card_to_record(lines)
    except CardError as exc:
        return ParsedItem(card_no, label, None, str(exc))
    return ParsedItem(card_no, label, record, warnings=list(record.warnings))


# --- content lines ---------------------------------------------------------------------------


class Property:
    __slots__ = ("group", "name", "params", "raw")

    def __init__(self, group: str, name: str, params: dict[str, list[str]], raw: bytes) -> None:
        self.group = group
        self.name = name
        self.params = params
        self.raw = raw

    def param(self, key: str) -> list[str]:
        return self.params.get(key, [])

    @property
    def encoding(self) -> str:
        values = self.param("ENCODING")
        return values[0].upper() if values else ""


def _head(line: bytes) -> bytes:
    colon = _split_index(line, ord(":"))
    return line[:colon] if colon >= 0 else line


def _split_index(line: bytes, sep: int) -> int:
    quoted = False
    for index, byte in enumerate(line):
        if byte == 0x22:
            quoted = not quoted
        elif byte == sep and not quoted:
            return index
    return -1


def _qp_pending(line: bytes) -> bool:
    return line.endswith(b"=") and b"QUOTED-PRINTABLE" in _head(line).upper()


def unfold(lines: list[bytes]) -> list[bytes]:
    """Join folded lines (leading space/tab) and quoted-printable soft breaks, at byte level."""
    logical: list[bytes] = []
    for raw in lines:
        if logical and _qp_pending(logical[-1]):
            logical[-1] = logical[-1][:-1] + raw.lstrip(b" \t")
        elif raw[:1] in (b" ", b"\t") and logical:
            logical[-1] += raw[1:]
        elif raw.strip():
            logical.append(raw)
    return logical


def _split_unquoted(text: str, sep: str) -> list[str]:
    buf: list[str]
    parts, buf, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
            continue
        if ch == sep and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def _adr_colon(line: bytes, colon: int) -> int:
    """An ADR whose unquoted LABEL parameter holds colons (an iOS habit, ez-vcard issue 114):
    the value starts after the last colon that still leaves the seven ADR components."""
    if b"LABEL=" not in line[:colon].upper() or not line[:colon].upper().lstrip().startswith(
            (b"ADR", b"ITEM")):
        return colon
    best = colon
    for index in range(colon + 1, len(line)):
        if line[index] == 0x3A and len(re.findall(rb"(?<!\\);", line[index + 1:])) == 6:
            best = index
    return best


def parse_property(line: bytes) -> Property | None:
    colon = _split_index(line, ord(":"))
    if colon < 0:
        return None
    colon = _adr_colon(line, colon)
    head = line[:colon].decode("utf-8", errors="replace")
    pieces = _split_unquoted(head, ";")
    name = pieces[0].strip()
    group = ""
    if "." in name:
        group, _, name = name.rpartition(".")
    if not _NAME_OK.match(name):
        return None
    params: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        piece = piece.strip()
        if not piece:
            continue
        if "=" in piece:
            key, _, value = piece.partition("=")
            key = key.strip().upper()
            values = [v.strip() for v in value.split(",") if v.strip()]
        else:
            key = "ENCODING" if piece.upper() in _BARE_ENCODINGS else "TYPE"
            values = [v.strip() for v in piece.split(",") if v.strip()]
        params.setdefault(key, []).extend(values)
    return Property(group.lower(), name.upper(), params, line[colon + 1:])


def property_text(prop: Property, warnings: list[str]) -> str:
    """The value as text: quoted-printable undone, then the declared charset (UTF-8 if none)."""
    raw = prop.raw
    if prop.encoding == "QUOTED-PRINTABLE":
        raw = quopri.decodestring(raw)
    charsets = prop.param("CHARSET")
    charset = charsets[0] if charsets else "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    try:
        return raw.decode(charset)
    except UnicodeDecodeError:
        note = f"{prop.name} was not valid {charset}; read as Windows-1252"
        if note not in warnings:
            warnings.append(note)
        return raw.decode("cp1252", errors="replace")


def unescape(text: str) -> str:
    out: list[str] = []
    chars = iter(text)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            out.append("\n" if nxt in ("n", "N") else nxt)
        else:
            out.append(ch)
    return "".join(out)


def split_escaped(text: str, sep: str) -> list[str]:
    """Split on ``sep`` not preceded by a backslash, then unescape each part."""
    parts, buf = [], []
    chars = iter(text)
    for ch in chars:
        if ch == "\\":
            buf.append(ch)
            buf.append(next(chars, ""))
        elif ch == sep:
            parts.append(unescape("".join(buf)))
            buf = []
        else:
            buf.append(ch)
    parts.append(unescape("".join(buf)))
    return parts


def _label(prop: Property, group_labels: dict[str, str]) -> str:
    if prop.group and prop.group in group_labels:
        return group_labels[prop.group]
    types = [t.strip().strip('"').lower() for t in prop.param("TYPE")]
    types = [t for t in types if t and t.upper() not in _LABEL_NOISE]
    return ",".join(dict.fromkeys(types))


def _clean_ablabel(text: str) -> str:
    match = re.fullmatch(r"_\$!<(.*)>!\$_", text.strip())
    return (match.group(1) if match else text.strip()).lower()


_IMAGE_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"GIF8", "image/gif"))


def image_type(data: bytes) -> str | None:
    for magic, mime in _IMAGE_MAGIC:
        if data.startswith(magic):
            return mime
    return None


def _photo(prop: Property, record: SourceRecord) -> None:
    if record.photo is not None:
        return
    raw = prop.raw.strip()
    data: bytes | None = None
    try:
        if raw[:5].lower() == b"data:":
            header, _, payload = raw.partition(b",")
            if b";base64" not in header.lower():
                record.warnings.append("PHOTO data URI is not base64; dropped")
                return
            data = base64.b64decode(re.sub(rb"\s+", b"", payload), validate=False)
        elif prop.encoding in ("B", "BASE64"):
            data = base64.b64decode(re.sub(rb"\s+", b"", raw), validate=False)
        elif re.fullmatch(rb"[A-Za-z0-9+/=\s]{16,}", raw) and b"://" not in raw:
            data = base64.b64decode(re.sub(rb"\s+", b"", raw), validate=False)  # base64 without ENCODING
        else:
            record.warnings.append("PHOTO is a link; it was not fetched (dropped)")
            return
    except (binascii.Error, ValueError):
        record.warnings.append("PHOTO data is damaged; dropped")
        return
    if not data:
        return
    if len(data) > MAX_PHOTO_BYTES:
        record.warnings.append(f"PHOTO is larger than {MAX_PHOTO_BYTES // 1024} KB; dropped")
        return
    mime = image_type(data)
    if mime is None:
        record.warnings.append("PHOTO is not a JPEG, PNG or GIF image; dropped")
        return
    record.photo = Photo(data, mime)


def _restriction(prop: Property, record: SourceRecord, kind: str, value: str) -> None:
    """The source and outreach flag our own export writes as parameters (vault.vcard_export)."""
    source = [v.strip().strip('"').lower() for v in prop.param("X-CONTACT-VAULT-SOURCE")]
    outreach = [v.strip().strip('"').lower() for v in prop.param("X-CONTACT-VAULT-OUTREACH")]
    if source or outreach:
        record.restrictions[(kind, value)] = (source[0] if source else "", outreach[0] if outreach else "")


def card_to_record(lines: list[bytes]) -> SourceRecord:
    """Map one card's properties onto a ``SourceRecord``."""
    record = SourceRecord()
    warnings = record.warnings
    props: list[Property] = []
    unreadable = 0
    for line in unfold(lines):
        prop = parse_property(line)
        if prop is None:
            unreadable += 1
            continue
        props.append(prop)
    if unreadable:
        warnings.append(f"{unreadable} unreadable line(s) skipped")
    if not props:
        raise CardError("is empty")
    group_labels = {p.group: _clean_ablabel(property_text(p, warnings)) for p in props
                    if p.group and p.name == "X-ABLABEL"}
    name_parts: list[str] = []
    nickname = ""
    notes: list[str] = []
    ignored: list[str] = []
    for prop in props:
        name = prop.name
        if name == "PHOTO":
            _photo(prop, record)
            continue
        if name in ("LOGO", "SOUND", "KEY") and prop.encoding in ("B", "BASE64"):
            ignored.append(name)
            continue
        text = property_text(prop, warnings)
        if name == "FN":
            if not record.full_name:
                record.full_name = _one_line(unescape(text))
        elif name == "N":
            parts = [_one_line(p) for p in split_escaped(text, ";")] + [""] * 5
            if not record.family_name and not record.given_name:
                record.family_name, record.given_name = parts[0], parts[1]
                name_parts = [parts[3], parts[1], parts[2], parts[0], parts[4]]
        elif name == "NICKNAME":
            nickname = nickname or _one_line(unescape(text))
        elif name == "ORG":
            parts = [p.strip() for p in split_escaped(text, ";") if p.strip()]
            if parts and not record.organisation:
                record.organisation = _one_line(parts[0])
        elif name == "TITLE":
            record.title = record.title or _one_line(unescape(text))
        elif name == "ROLE":
            record.headline = record.headline or _one_line(unescape(text))
        elif name == "EMAIL":
            value = unescape(text).strip()
            if value.lower().startswith("mailto:"):
                value = value[7:]
            if value:
                record.emails.append((value, _label(prop, group_labels)))
                _restriction(prop, record, "email", value)
        elif name == "TEL":
            value = unescape(text).strip()
            if value.lower().startswith("tel:"):
                value = value[4:]
            if value:
                record.phones.append((value, _label(prop, group_labels)))
                _restriction(prop, record, "phone", value)
        elif name == "ADR":
            parts = [" ".join(p.split()) for p in split_escaped(text, ";")]
            value = ", ".join(p for p in parts if p)
            if value:
                record.addresses.append((value, _label(prop, group_labels)))
                _restriction(prop, record, "address", value)
        elif name in ("URL", "X-SOCIALPROFILE"):
            value = unescape(text).strip()
            if value:
                record.links.append((value, _label(prop, group_labels)))
                _restriction(prop, record, "link", value)
        elif name == "CATEGORIES":
            record.tags.extend(t.strip() for t in split_escaped(text, ",") if t.strip())
        elif name == "NOTE":
            note = unescape(text)
            if note.strip():
                notes.append(note)
        elif name == "X-CONTACT-VAULT-KIND":
            record.kind = unescape(text).strip().lower()
        elif name == "X-CONTACT-VAULT-SHARING":
            record.sharing_policy = unescape(text).strip().lower()
        elif name not in _IGNORED_QUIETLY and name not in ignored:
            ignored.append(name)
    if not record.full_name:
        record.full_name = " ".join(p for p in name_parts if p) or nickname
    record.notes = "\n\n".join(notes)
    shown = [n for n in dict.fromkeys(ignored) if not n.startswith("X-")]
    if shown:
        warnings.append("not imported: " + ", ".join(shown[:12]))
    return record


def _one_line(text: str) -> str:
    return " ".join(text.split())

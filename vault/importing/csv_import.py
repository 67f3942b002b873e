"""CSV contact exports: LinkedIn Connections, Google Contacts, Outlook, Thunderbird, or any CSV.

Encoding: UTF-16 by BOM (or by its NUL pattern), then UTF-8 with or without BOM, then
Windows-1252. Delimiter: comma, semicolon or tab, chosen by which one splits the lines into
the most consistent number of fields. LinkedIn's "Notes:" preamble is skipped up to the real
header. Columns are recognised by name (English and German headers of the common exporters);
``--map COLUMN=FIELD`` overrides or completes that for any other CSV. A file without a header
row gets numbered columns, and e-mail columns are recognised by their values.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

from vault.errors import ValidationError
from vault.text_decoding import decode_text

from .records import MAX_FILE_BYTES, MAX_RECORD_BYTES, MAX_RECORDS, ParsedFile, ParsedItem, SourceRecord

FIELDS = (
    "full_name", "given_name", "middle_name", "family_name", "prefix", "suffix", "organisation", "title",
    "headline", "notes", "tags", "email", "phone", "address", "address.street", "address.city",
    "address.region", "address.postcode", "address.country", "link", "kind", "ignore",
)
FORMATS = ("linkedin", "google", "outlook", "csv")
_EMAIL_VALUE = re.compile(r"^[^@\s,;]+@[^@\s,;]+$")
_MULTI = " ::: "


@dataclass(frozen=True)
class Column:
    field: str
    group: str = ""
    label: str = ""


def _strip_preamble(lines: list[str]) -> tuple[int, list[str]]:
    """LinkedIn exports start with 'Notes:', a quoted sentence and a blank line before the header."""
    if not lines or not lines[0].strip().lower().startswith("notes:"):
        return 0, lines
    for index, line in enumerate(lines):
        lowered = line.lower()
        if "first name" in lowered and "last name" in lowered:
            return index, lines[index:]
    return 0, lines


def sniff_delimiter(text: str) -> str:
    """The delimiter whose records (quoted line breaks included) most often share one field count."""
    best, best_score = ",", -1.0
    for delim in (",", ";", "\t"):
        try:
            counts = [len(r) for _, r in zip(range(50), csv.reader(io.StringIO(text), delimiter=delim), strict=False) if r]
        except csv.Error:
            continue
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        if common < 2:
            continue
        score = counts.count(common) + (0.5 if counts[0] == common else 0) + min(common, 50) / 100
        if score > best_score:
            best, best_score = delim, score
    return best


def _resplit(rows: list[list[str]], delim: str) -> list[list[str]]:
    """Lines written with another delimiter than the rest of the file (seen in the wild)."""
    counts = [len(r) for r in rows if r]
    if not counts:
        return rows
    common = max(set(counts), key=counts.count)
    if common < 2:
        return rows
    out = []
    for row in rows:
        if len(row) == 1 and row[0]:
            for other in (",", ";", "\t"):
                if other != delim:
                    fields = next(csv.reader([row[0]], delimiter=other), [])
                    if len(fields) >= common:
                        row = fields
                        break
        out.append(row)
    return out


def _norm(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").strip().strip('"').lower().split())


_GROUP_WORDS = {
    "home": "home", "privat": "home", "private": "home", "work": "work", "business": "work",
    "geschäftlich": "work", "other": "other", "weitere": "other", "weiterer": "other", "weiteres": "other",
    "weiteres/r": "other", "weiteres/e": "other", "mobile": "mobile", "mobil": "mobile", "cell": "mobile",
    "mobiltelefon": "mobile", "haupttelefon": "main", "primary": "", "secondary": "", "main": "main",
}


def _group(h: str) -> str:
    google = re.match(r"^(e-mail|phone|address|website|organization|relation|im|event)\s+(\d+)\b", h)
    if google:
        return f"{google.group(1)} {google.group(2)}"
    for word in re.split(r"[\s()]+", h):
        if word in _GROUP_WORDS and _GROUP_WORDS[word]:
            return _GROUP_WORDS[word]
    return ""


def classify(header: str, has_job_title: bool) -> Column:
    """Best guess of what a column holds, from its header (English and German exports)."""
    h = _norm(header)
    group = _group(h)
    label = group if group and not group[-1].isdigit() else ""
    if not h:
        return Column("ignore")
    if any(w in h for w in ("yomi", "phonetic", "display name", "angezeigter name", "initials", "initialen")):
        return Column("full_name") if h in ("display name", "anzeigename") else Column("ignore")
    if h.endswith((" - type", " - label", "-typ", ": typ", " type")) or h in ("e-mail-typ", "e-mail type"):
        return Column("label", group)
    exact = {
        "first name": "given_name", "given name": "given_name", "vorname": "given_name", "firstname": "given_name",
        "last name": "family_name", "family name": "family_name", "nachname": "family_name",
        "surname": "family_name", "lastname": "family_name",
        "middle name": "middle_name", "additional name": "middle_name", "weitere vornamen": "middle_name",
        "name": "full_name", "full name": "full_name", "fullname": "full_name",
        "name prefix": "prefix", "anrede": "prefix", "prefix": "prefix",
        "suffix": "suffix", "name suffix": "suffix",
        "company": "organisation", "organization": "organisation", "organisation": "organisation",
        "organization name": "organisation", "organization 1 - name": "organisation", "firma": "organisation",
        "employer": "organisation", "company name": "organisation",
        "job title": "title", "position": "title", "organization title": "title",
        "organization 1 - title": "title", "beruf": "title",
        "title": "prefix" if has_job_title else "title",
        "headline": "headline",
        "notes": "notes", "note": "notes", "notizen": "notes", "description": "notes",
        "labels": "tags", "group membership": "tags", "categories": "tags", "kategorien": "tags", "tags": "tags",
        "stichwörter": "tags",
        "url": "link", "profile url": "link", "linkedin": "link", "linkedin url": "link", "webseite": "link",
        "web page": "link", "website": "link", "homepage": "link",
        "kind": "kind",
    }
    if h in exact:
        return Column(exact[h], group, label)
    if "mail" in h and "display" not in h:
        return Column("email", group, label)
    if "fax" in h or "pager" in h or "telex" in h or "isdn" in h or "hörbehinderte" in h:
        return Column("ignore")
    if "phone" in h or "telefon" in h or h.startswith(("mobile", "mobil")) or "mobile number" in h:
        return Column("phone", group, label)
    if "formatted" in h or re.fullmatch(r"(home|work|other) address", h):
        return Column("address" if "formatted" in h else "address.street", group, label)
    if any(w in h for w in ("street", "straße", "address")):
        return Column("address.street", group, label)
    if any(w in h for w in ("city", "ort ", "ort", "weiterer ort")) and not h.startswith("ortsnetz"):
        if h.split()[0] in ("city", "ort", "weiterer") or h.endswith((" city", " ort")) or "city" in h:
            return Column("address.city", group, label)
    if any(w in h for w in ("zip", "postal", "postleitzahl")):
        return Column("address.postcode", group, label)
    if "country" in h or "land/region" in h:
        return Column("address.country", group, label)
    if h.endswith((" state", " region")) or "bundesland" in h or h in ("state", "region"):
        return Column("address.region", group, label)
    if any(w in h for w in ("web", "url", "homepage", "blog", "profile")):
        return Column("link", group, label)
    return Column("ignore")


def _parse_map(mapping: Mapping[str, str], headers: list[str]) -> dict[int, Column]:
    out: dict[int, Column] = {}
    lowered = [_norm(h) for h in headers]
    for column, target in mapping.items():
        target = target.strip().lower().replace("-", "_").replace("organization", "organisation")
        if target.startswith("address_"):
            target = "address." + target[len("address_"):]
        if target not in FIELDS:
            raise ValidationError("--map", f"'{target}' is not a field; use one of {', '.join(FIELDS)}")
        key = column.strip()
        if key.isdigit() and 1 <= int(key) <= len(headers):
            index = int(key) - 1
        elif _norm(key) in lowered:
            index = lowered.index(_norm(key))
        else:
            raise ValidationError("--map", f"the file has no column '{column}'")
        out[index] = Column(target, f"map{index}" if target.startswith("address") else "",
                            "" if target != "email" else "")
    return out


@dataclass
class Table:
    """The file as headers and rows, with the columns recognised so far."""

    headers: list[str]
    rows: list[list[str]]
    columns: dict[int, Column]
    headerless: bool
    encoding: str
    delimiter: str
    notes: list[str]


def read_table(data: bytes) -> Table:
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError("file", f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    text, encoding = decode_text(data)
    lines = text.splitlines()
    skipped, lines = _strip_preamble(lines)
    notes: list[str] = []
    if skipped:
        notes.append(f"skipped the {skipped}-line 'Notes:' preamble")
    body = "\n".join(lines)
    delim = sniff_delimiter(body)
    try:
        rows = _resplit(list(csv.reader(io.StringIO(body), delimiter=delim)), delim)
    except csv.Error as exc:
        raise ValidationError("file", f"is not readable as CSV ({exc})") from exc
    if not rows:
        return Table([], [], {}, False, encoding, delim, [*notes, "the file is empty"])
    first = rows[0]
    headerless = any(_EMAIL_VALUE.match(cell.strip()) for cell in first) or (
        len(first) == 1 and "@" in first[0])
    if headerless:
        headers = [f"column {i + 1}" for i in range(max(len(r) for r in rows))]
        data_rows = rows
        notes.append("the first line holds data, not column names; columns were recognised by their content")
        columns = _guess_by_content(headers, data_rows)
    else:
        headers = [h.replace("\ufeff", "") for h in first]
        data_rows = rows[1:]
        has_job_title = any(_norm(h) in ("job title", "position", "organization title") for h in headers)
        columns = {i: classify(h, has_job_title) for i, h in enumerate(headers)}
    return Table(headers, data_rows, columns, headerless, encoding, delim, notes)


def column_guesses(data: bytes) -> list[tuple[str, str, str]]:
    """(header, recognised field, first value) per column: what a mapping form starts from."""
    table = read_table(data)
    sample = table.rows[0] if table.rows else []
    return [(h, table.columns.get(i, Column("ignore")).field, sample[i] if i < len(sample) else "")
            for i, h in enumerate(table.headers)]


def parse_csv(data: bytes, fmt: str = "csv", mapping: Mapping[str, str] | None = None) -> ParsedFile:
    """Every data row as a record or a failure with its reason."""
    table = read_table(data)
    headers, data_rows, columns, headerless = table.headers, table.rows, table.columns, table.headerless
    encoding, delim, notes = table.encoding, table.delimiter, table.notes
    if not headers:
        return ParsedFile(fmt, [], encoding, notes)
    if mapping:
        columns.update(_parse_map(mapping, headers))
    used = [c for c in columns.values() if c.field not in ("ignore", "label")]
    if not used:
        notes.append("no column could be recognised; map them with --map COLUMN=FIELD")
    ignored = [headers[i] for i, c in columns.items() if c.field == "ignore" and headers[i].strip()]
    if ignored and not headerless:
        notes.append(f"{len(ignored)} column(s) not imported: " + ", ".join(ignored[:15])
                     + (" …" if len(ignored) > 15 else ""))
    notes.append(f"delimiter {'tab' if delim == chr(9) else repr(delim)}, encoding {encoding}")
    items: list[ParsedItem] = []
    for offset, row in enumerate(data_rows[:MAX_RECORDS]):
        label = f"row {offset + 1}"
        if not any(cell.strip() for cell in row):
            continue
        if sum(len(c) for c in row) > MAX_RECORD_BYTES:
            items.append(ParsedItem(offset + 1, label, None, "is larger than 1 MB; it was not read"))
            continue
        record = _row_to_record(row, columns, headers)
        if len(row) > len(headers) and any(c.strip() for c in row[len(headers):]) and not headerless:
            record.warnings.append(f"has {len(row)} fields where the header has {len(headers)}")
        items.append(ParsedItem(offset + 1, label, record, warnings=list(record.warnings)))
    return ParsedFile(fmt, items, encoding, notes)


def _guess_by_content(headers: list[str], rows: list[list[str]]) -> dict[int, Column]:
    columns: dict[int, Column] = {}
    name_taken = False
    for index in range(len(headers)):
        values = [r[index].strip() for r in rows if index < len(r) and r[index].strip()]
        if values and all(_EMAIL_VALUE.match(v) for v in values):
            columns[index] = Column("email")
        elif values and not name_taken and any(re.search(r"[^\W\d_]", v) for v in values):
            columns[index] = Column("full_name")
            name_taken = True
        else:
            columns[index] = Column("ignore")
    return columns


def _split_values(cell: str) -> list[str]:
    return [v.strip() for v in cell.split(_MULTI) if v.strip()]


def _clean_label(text: str) -> str:
    label = text.replace("*", "").strip().lower()
    return "" if label in ("smtp", "internet", "ex", "other") else label


def _row_to_record(row: list[str], columns: dict[int, Column], headers: list[str]) -> SourceRecord:
    record = SourceRecord()
    labels: dict[str, str] = {}
    for index, column in columns.items():
        if column.field == "label" and index < len(row) and row[index].strip():
            labels[column.group] = _clean_label(row[index].split(_MULTI)[0])
    parts: dict[str, str] = {}
    addresses: dict[str, dict[str, list[str]]] = {}
    notes: list[str] = []
    for index, column in columns.items():
        if index >= len(row):
            continue
        cell = row[index].strip()
        if not cell or column.field in ("ignore", "label"):
            continue
        label = labels.get(column.group, column.label)
        field = column.field
        if field in ("full_name", "given_name", "middle_name", "family_name", "prefix", "suffix"):
            parts.setdefault(field, " ".join(cell.split()))
        elif field == "organisation":
            record.organisation = record.organisation or " ".join(cell.split())
        elif field == "title":
            record.title = record.title or " ".join(cell.split())
        elif field == "headline":
            record.headline = record.headline or " ".join(cell.split())
        elif field == "notes":
            notes.append(cell)
        elif field == "kind":
            record.kind = cell.lower()
        elif field == "tags":
            for tag in re.split(r" ::: |;|,", cell):
                tag = tag.replace("*", "").strip()
                if tag and tag.lower() not in ("mycontacts", "my contacts", "starred"):
                    record.tags.append(tag)
        elif field == "email":
            record.emails.extend((v, label) for v in _split_values(cell))
        elif field == "phone":
            record.phones.extend((v, label) for v in _split_values(cell))
        elif field == "link":
            record.links.extend((v, label) for v in _split_values(cell))
        elif field.startswith("address"):
            part = field.partition(".")[2] or "formatted"
            addresses.setdefault(column.group, {}).setdefault(part, []).append(cell)
    for group, comps in addresses.items():
        if "formatted" in comps:
            value = ", ".join(" ".join(v.split()) for v in comps["formatted"])
        else:
            ordered = [*comps.get("street", []), *comps.get("city", []), *comps.get("region", []),
                       *comps.get("postcode", []), *comps.get("country", [])]
            # A city, region or country alone is not an address worth keeping.
            value = ", ".join(" ".join(v.split()) for v in ordered) if comps.get("street") else ""
        if value:
            record.addresses.append((value, labels.get(group, group if group and not group[-1].isdigit() else "")))
    record.given_name = parts.get("given_name", "")
    record.family_name = parts.get("family_name", "")
    record.full_name = parts.get("full_name", "") or " ".join(
        p for p in (parts.get("given_name", ""), parts.get("middle_name", ""),
                    parts.get("family_name", ""), parts.get("suffix", "")) if p)
    record.notes = "\n\n".join(notes)
    return record

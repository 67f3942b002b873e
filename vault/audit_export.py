"""Audit exports (JSON Lines, CSV, PDF) and the verification of a JSON Lines export.

The JSON Lines file is the verifiable one; docs/audit-format.md is its specification and
scripts/verify_audit.py an independent verifier. Every seq from 1 to the head is accounted
for, either by an event line or by a ``gap`` line, so a filtered export (one person, a date
range, some actions) still links up: deleted, swapped or reordered lines are caught, and
the events in the run that ends at the signed checkpoint are covered by its signature.

Names are annotations outside the hashed body, looked up at export time: a person who is no
longer in the vault shows as ``[erased]``, so an export never carries an erased person's name.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from . import audit, checkpoints
from .atomic import atomic_output
from .checkpoints import Checkpoint
from .clock import user_instant
from .errors import AuditExportInvalid, ValidationError, VaultReadOnly
from .identity import PublicIdentity

if TYPE_CHECKING:
    from .store import Vault

FORMAT_TYPE = "contact-vault-audit-export"
FORMAT_VERSION = 1
FORMATS = ("jsonl", "csv", "pdf")
ERASED = "[erased]"
REMOVED = "[removed]"
#: A PDF is for reading; beyond this many rows it says so and points to the JSON Lines export.
PDF_MAX_ROWS = 5000
#: Cells a spreadsheet would read as a formula (OWASP CSV injection).
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
CSV_COLUMNS = ("kind", "seq", "at", "actor", "action", "subject_type", "subject_id", "subject_name",
               "details", "prev", "hash")
_EVENT_KEYS = frozenset({"seq", "at", "actor", "action", "subject", "details", "prev", "hash", "annotations"})
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")

Progress = Callable[[int, int], None]


# --- scope ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportScope:
    """What an export covers; ``None`` means 'no filter'. ``until`` is exclusive."""

    person: str | None = None
    since: str | None = None
    until: str | None = None
    actions: tuple[str, ...] | None = None
    #: With a person: also events that only mention them in their details (a scan of the whole
    #: trail). A person's Activity tab turns it off to stay an index lookup at a million events.
    mentions: bool = True

    @property
    def is_whole(self) -> bool:
        return self.person is None and self.since is None and self.until is None and self.actions is None

    def field_names(self) -> list[str]:
        return [name for name in ("person", "since", "until", "actions") if getattr(self, name) is not None]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"person": self.person, "since": self.since, "until": self.until,
                                "actions": list(self.actions) if self.actions is not None else None}
        if not self.mentions:
            data["mentions"] = False
        return data

    def describe(self) -> str:
        if self.is_whole:
            return "the whole vault"
        parts = []
        if self.person:
            parts.append(f"person {self.person}")
        if self.since:
            parts.append(f"from {self.since}")
        if self.until:
            parts.append(f"before {self.until}")
        if self.actions is not None:
            parts.append("actions " + ", ".join(self.actions))
        return "; ".join(parts)


def _normalise_time(text: str, name: str, *, end: bool) -> str:
    """A date means the whole day: ``since`` from its start, ``until`` up to the next day's start."""
    return user_instant(name, text, bare_date_offset=timedelta(days=1) if end else timedelta(0))


def make_scope(
    vault: Vault,
    *,
    person: str | None = None,
    since: str | None = None,
    until: str | None = None,
    actions: list[str] | tuple[str, ...] | None = None,
) -> ExportScope:
    """Validate user input into a scope. A person may be given by id prefix while they exist,
    or by full UUID after they were erased (their events stay, under that id)."""
    person_uuid = None
    if person:
        from .errors import NotFound

        try:
            person_uuid = vault.people.uuid_of(vault.people.resolve(person))
        except NotFound:
            text = person.strip().lower()
            if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text):
                raise
            person_uuid = text
    since_n = _normalise_time(since, "since", end=False) if since else None
    until_n = _normalise_time(until, "until", end=True) if until else None
    if since_n and until_n and until_n <= since_n:
        raise ValidationError("until", "must be after --since")
    chosen = None
    if actions:
        unknown = sorted(set(actions) - audit.ACTIONS)
        if unknown:
            raise ValidationError("action", f"unknown action {unknown[0]!r} (known: {', '.join(sorted(audit.ACTIONS))})")
        chosen = tuple(sorted(set(actions)))
    return ExportScope(person_uuid, since_n, until_n, chosen)


def _scope_filters(scope: ExportScope) -> tuple[str, list[Any]]:
    if scope.person and not scope.mentions:
        where, params = audit._filters(None, scope.actions, scope.since, scope.until)
        where = f"{where} AND subject_id = ?" if where else "WHERE subject_id = ?"
        return where, [*params, scope.person]
    return audit._filters([scope.person] if scope.person else None, scope.actions, scope.since, scope.until)


def _where(scope: ExportScope, head: int) -> tuple[str, list[Any]]:
    where, params = _scope_filters(scope)
    where = f"{where} AND seq <= ?" if where else "WHERE seq <= ?"
    return where, [*params, head]


def count_selected(conn: Any, scope: ExportScope, head: int) -> int:
    where, params = _where(scope, head)
    return conn.execute(f"SELECT count(*) FROM audit {where}", params).fetchone()[0]


def iter_selected(conn: Any, scope: ExportScope, head: int, batch: int = 1000) -> Iterator[tuple[Any, ...]]:
    """Raw rows of the selected events, in seq order, streamed batch by batch."""
    where, params = _where(scope, head)
    last = 0
    while True:
        rows = conn.execute(
            f"SELECT {audit._COLUMNS} FROM audit {where} AND seq > ? ORDER BY seq LIMIT ?",
            (*params, last, batch),
        ).fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


# --- names (annotations) --------------------------------------------------------------------


class NameBook:
    """Looks up display names for subjects at export time, with a small cache."""

    _TABLES = {"person": ("people", "full_name", ERASED),
               "recipient": ("recipients", "name", REMOVED),
               "organisation": ("organisations", "name", REMOVED)}

    def __init__(self, conn: Any, limit: int = 50_000) -> None:
        self._conn = conn
        self._cache: dict[tuple[str, str], str] = {}
        self._limit = limit

    def name(self, subject_type: str, subject_id: str) -> str | None:
        spec = self._TABLES.get(subject_type)
        if spec is None:
            return None
        key = (subject_type, subject_id)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        table, column, missing = spec
        row = self._conn.execute(f"SELECT {column} FROM {table} WHERE uuid = ?", (subject_id,)).fetchone()
        value = row[0] if row else missing
        if len(self._cache) >= self._limit:
            self._cache.clear()
        self._cache[key] = value
        return value

    def annotations(self, subject_type: str, subject_id: str) -> dict[str, str]:
        name = self.name(subject_type, subject_id)
        return {"subject_name": name} if name is not None else {}


# --- writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    scope: ExportScope
    events: int
    head_seq: int
    checkpoint: Checkpoint
    truncated: bool = False


def header_for(vault: Vault, scope: ExportScope, checkpoint: Checkpoint, head: int, events: int,
               exported_at: str) -> dict[str, Any]:
    ident = vault.owner.identity
    return {
        "type": FORMAT_TYPE,
        "format_version": FORMAT_VERSION,
        "exported_at": exported_at,
        "vault": vault.uuid,
        "owner": {"name": vault.owner.name, "organisation": vault.owner.organisation,
                  "public_key": ident.minisign_base64(), "fingerprint": ident.fingerprint,
                  "key_id": ident.key_id[::-1].hex().upper()},
        "scope": scope.to_json(),
        "head_seq": head,
        "events": events,
        "checkpoint": {"type": checkpoints.CHECKPOINT_TYPE, **checkpoint.to_json()},
    }


def _line(obj: dict[str, Any]) -> bytes:
    return audit.canonical_json(obj) + b"\n"


class _Ticker:
    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0
        if progress:
            progress(0, total)

    def step(self) -> None:
        self.done += 1
        if self.progress and self.done % 1000 == 0:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        if self.progress:
            self.progress(self.done, self.total)


def _write_jsonl(vault: Vault, handle: BinaryIO, scope: ExportScope, checkpoint: Checkpoint, head: int,
                 total: int, exported_at: str, ticker: _Ticker) -> int:
    conn = vault.conn
    names = NameBook(conn)
    boundaries = sorted(
        {row[0] for row in conn.execute("SELECT seq FROM checkpoints WHERE seq <= ?", (head,))} | {checkpoint.seq}
    )
    handle.write(_line(header_for(vault, scope, checkpoint, head, total, exported_at)))

    def gap(first: int, last: int) -> None:
        """Lines for seqs first..last, split so that every checkpoint seq ends a gap line."""
        start = first
        index = bisect.bisect_left(boundaries, first)
        while start <= last:
            end = last
            if index < len(boundaries) and boundaries[index] < last:
                end = boundaries[index]
                index += 1
            digest = conn.execute("SELECT hash FROM audit WHERE seq = ?", (end,)).fetchone()
            handle.write(_line({"gap": {"first_seq": start, "last_seq": end,
                                        "last_hash": digest[0] if digest else ""}}))
            start = end + 1

    expected, count = 1, 0
    for seq, at, actor, action, subject_type, subject_id, details, prev, digest in iter_selected(conn, scope, head):
        if seq > expected:
            gap(expected, seq - 1)
        event: dict[str, Any] = {
            "seq": seq, "at": at, "actor": actor, "action": action,
            "subject": {"type": subject_type, "id": subject_id},
            "details": json.loads(details), "prev": prev, "hash": digest,
        }
        annotations = names.annotations(subject_type, subject_id)
        if annotations:
            event["annotations"] = annotations
        handle.write(_line(event))
        expected, count = seq + 1, count + 1
        ticker.step()
    if expected <= head:
        gap(expected, head)
    return count


def neutralise_cell(value: str) -> str:
    """OWASP: a cell starting with a formula trigger is prefixed with ' so it stays text."""
    return "'" + value if value.startswith(CSV_TRIGGERS) else value


def write_csv_rows(handle: BinaryIO, rows: Iterator[list[Any]] | list[list[Any]]) -> None:
    """RFC 4180 (CRLF, quotes doubled) via the csv module, UTF-8 with BOM so spreadsheets read it."""
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text, dialect="excel", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow([neutralise_cell("" if cell is None else str(cell)) for cell in row])
        text.flush()
    finally:
        text.detach()


def _csv_rows(vault: Vault, scope: ExportScope, checkpoint: Checkpoint, head: int,
              ticker: _Ticker) -> Iterator[list[Any]]:
    ident = vault.owner.identity
    yield ["checkpoint", checkpoint.seq, checkpoint.at, vault.actor, "", "vault", vault.uuid, vault.owner.name,
           json.dumps({"signature": checkpoint.signature, "public_key": ident.minisign_base64(),
                       "scope": scope.to_json(), "head_seq": head}, sort_keys=True, separators=(",", ":")),
           "", checkpoint.hash]
    names = NameBook(vault.conn)
    for seq, at, actor, action, subject_type, subject_id, details, prev, digest in iter_selected(
            vault.conn, scope, head):
        yield ["event", seq, at, actor, action, subject_type, subject_id,
               names.name(subject_type, subject_id) or "", details, prev, digest]
        ticker.step()


def _pdf_font() -> tuple[str, str]:
    """DejaVu covers far more scripts than Helvetica; fall back to Helvetica when absent."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    bold = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    if regular.exists() and bold.exists():
        try:
            if "CV-Sans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("CV-Sans", str(regular)))
                pdfmetrics.registerFont(TTFont("CV-Sans-Bold", str(bold)))
            return "CV-Sans", "CV-Sans-Bold"
        except Exception:
            pass
    return "Helvetica", "Helvetica-Bold"


def _write_pdf(vault: Vault, handle: BinaryIO, scope: ExportScope, checkpoint: Checkpoint, head: int,
               total: int, exported_at: str, ticker: _Ticker) -> tuple[int, bool]:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    regular, bold = _pdf_font()
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=11)
    small = ParagraphStyle("small", fontName=regular, fontSize=7.5, leading=9)
    title = ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3)
    status = audit.verify_chain(vault.conn)
    ident = vault.owner.identity
    owner = vault.owner
    story: list[Any] = [
        Paragraph("Audit trail report", title),
        Paragraph(f"Exported {escape(exported_at)} from vault {escape(vault.uuid)}", body),
        Paragraph("Owner", heading),
        Paragraph(escape(owner.name) + (f", {escape(owner.organisation)}" if owner.organisation else ""), body),
        Paragraph(f"Key fingerprint: {ident.fingerprint}", body),
        Paragraph(f"Public key (minisign): {ident.minisign_base64()}", body),
        Paragraph("Scope", heading),
        Paragraph(escape(scope.describe()) + f" — {total} of {head} events", body),
        Paragraph("Chain status", heading),
        Paragraph(escape(f"Verified up to #{status.verified_up_to} ({status.count} events)") if status.ok
                  else "<b>BROKEN</b> " + escape(status.describe()), body),
        Paragraph("Signed checkpoint", heading),
        Paragraph(f"Event #{checkpoint.seq}, hash {checkpoint.hash}, signed {escape(checkpoint.at)}", body),
        Paragraph(f"Ed25519 signature: {escape(checkpoint.signature)}", small),
        Paragraph("Verify the JSON Lines export of the same scope with 'contact-vault audit verify FILE' "
                  "or scripts/verify_audit.py; this report is for reading.", small),
        Spacer(1, 4 * mm),
    ]
    names = NameBook(vault.conn)
    data: list[list[Any]] = [[Paragraph(f"<b>{h}</b>", small) for h in ("#", "When (UTC)", "Action", "Subject",
                                                                         "Details", "Hash")]]
    shown = 0
    truncated = False
    for seq, at, _actor, action, subject_type, subject_id, details, _prev, digest in iter_selected(
            vault.conn, scope, head):
        if shown >= PDF_MAX_ROWS:
            truncated = True
            break
        name = names.name(subject_type, subject_id)
        subject = f"{subject_type} {subject_id[:8]}" + (f"<br/>{escape(name)}" if name else "")
        detail_text = details if len(details) <= 160 else details[:157] + "..."
        data.append([str(seq), at[:19].replace("T", " "), escape(action),
                     Paragraph(subject, small), Paragraph(escape(detail_text), small), digest[:12]])
        shown += 1
        ticker.step()
    if truncated:
        story.append(Paragraph(f"The table shows the first {PDF_MAX_ROWS} of {total} events; the JSON Lines "
                               "export holds them all.", body))
    table = LongTable(data, colWidths=[14 * mm, 32 * mm, 44 * mm, 55 * mm, 104 * mm, 24 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), regular),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f8fa")]),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.HexColor("#8a96a3")),
    ]))
    story.append(table)

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.drawString(12 * mm, 7 * mm, f"Contact Vault audit report · {owner.name} · checkpoint #{checkpoint.seq}")
        canvas.drawRightString(landscape(A4)[0] - 12 * mm, 7 * mm, f"page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(handle, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=14 * mm, title="Audit trail report",
                            author=owner.name, creator="Contact Vault")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return shown, truncated


def export_audit(vault: Vault, out: str | Path, fmt: str, scope: ExportScope | None = None,
                 progress: Progress | None = None) -> ExportResult:
    """Write one export atomically, carrying a fresh checkpoint, and audit it.

    ``progress(done, total)`` is called every thousand events; raising from it (e.g.
    ``Cancelled``) abandons the export and leaves nothing behind.
    """
    if fmt not in FORMATS:
        raise ValidationError("format", f"must be one of {', '.join(FORMATS)}")
    if vault.readonly:
        # Every export is audited (DESIGN §2 rule 3), and a read-only vault cannot record one.
        raise VaultReadOnly(str(vault.path), "record the export in its audit trail")
    scope = scope or ExportScope()
    out = Path(out).absolute()
    if out == vault.path:
        raise ValidationError("out", "choose a file other than the vault itself")
    checkpoint = checkpoints.create(vault)
    last = audit.last_event(vault.conn)
    head = last.seq if last else 0
    total = count_selected(vault.conn, scope, head)
    exported_at = vault.now()
    ticker = _Ticker(progress, total)
    truncated = False
    with atomic_output(out) as handle:
        if fmt == "jsonl":
            events = _write_jsonl(vault, handle, scope, checkpoint, head, total, exported_at, ticker)
        elif fmt == "csv":
            write_csv_rows(handle, _csv_rows(vault, scope, checkpoint, head, ticker))
            events = ticker.done
        else:
            events, truncated = _write_pdf(vault, handle, scope, checkpoint, head, total, exported_at, ticker)
        ticker.finish()
        details: dict[str, Any] = {"format": fmt, "scope": scope.field_names(), "events": events,
                                   "checkpoint": checkpoint.seq}
        if scope.person:
            details["person"] = scope.person
        with vault.transaction():
            vault.record("audit.exported", "vault", vault.uuid, details)
    return ExportResult(out, fmt, scope, events, head, checkpoint, truncated)


def save_checkpoint(vault: Vault, out: str | Path | None = None) -> tuple[Checkpoint, dict[str, Any]]:
    """The current signed checkpoint as a self-describing JSON object, optionally saved to a file."""
    checkpoint = checkpoints.create(vault)
    ident = vault.owner.identity
    data = {"type": checkpoints.CHECKPOINT_TYPE, **checkpoint.to_json(), "vault": vault.uuid,
            "public_key": ident.minisign_base64(), "fingerprint": ident.fingerprint}
    if out is not None:
        with atomic_output(Path(out)) as handle:
            handle.write(json.dumps(data, indent=2, sort_keys=True).encode("utf-8") + b"\n")
    return checkpoint, data


# --- verification ---------------------------------------------------------------------------


@dataclass
class ExportVerification:
    """The outcome of checking a JSON Lines export; ``ok`` False names ``line`` and ``reason``."""

    ok: bool = True
    reason: str = ""
    line: int | None = None
    lines: int = 0
    events: int = 0
    gaps: int = 0
    head_seq: int = 0
    fingerprint: str = ""
    key_pinned: bool = False
    checkpoint: Checkpoint | None = None
    signed_from: int | None = None
    earlier_checkpoint: Checkpoint | None = None
    scope: dict[str, Any] = field(default_factory=dict)

    def fail(self, line: int | None, reason: str) -> ExportVerification:
        self.ok, self.line, self.reason = False, line, reason
        return self

    def describe(self) -> str:
        if not self.ok:
            return str(AuditExportInvalid(self.line, self.reason))
        assert self.checkpoint is not None
        key = "the key given with --key" if self.key_pinned else "the key in the file's header (pin it with --key)"
        text = (f"The audit export verifies: {self.events} events and {self.gaps} omitted ranges account for "
                f"events #1-#{self.head_seq}; checkpoint #{self.checkpoint.seq} is signed by {key}, fingerprint "
                f"{self.fingerprint}; ")
        if self.signed_from is not None and self.signed_from <= self.checkpoint.seq:
            text += f"events #{self.signed_from}-#{self.checkpoint.seq} are covered by that signature"
        else:
            text += "no event line of this filtered export is covered by that signature (its event is omitted)"
        if self.earlier_checkpoint is not None:
            text += f"; the earlier checkpoint #{self.earlier_checkpoint.seq} is contained in this history"
        return text + "."

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "line": self.line, "reason": self.reason, "lines": self.lines, "events": self.events,
            "gaps": self.gaps, "head_seq": self.head_seq, "fingerprint": self.fingerprint,
            "key_pinned": self.key_pinned, "checkpoint": self.checkpoint.to_json() if self.checkpoint else None,
            "signed_from": self.signed_from,
            "earlier_checkpoint": self.earlier_checkpoint.to_json() if self.earlier_checkpoint else None,
            "scope": self.scope,
        }


class _Strict(Exception):
    pass


def _no_float(text: str) -> Any:
    raise _Strict("numbers must be integers")


def _no_constant(text: str) -> Any:
    raise _Strict(f"{text} is not allowed")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Strict("an object repeats a key")
    return result


def _strict_loads(text: str) -> Any:
    return json.loads(text, parse_float=_no_float, parse_constant=_no_constant, object_pairs_hook=_pairs)


def _load_line(text: str) -> Any:
    """Parse one line. A line that re-serialises to itself in the exporter's compact sorted form
    cannot hide a repeated key, so it skips the slower strict parse (floats are still refused
    later by the value checks); any other line gets the strict parse."""
    try:
        obj = json.loads(text)
    except ValueError:
        return _strict_loads(text)
    if isinstance(obj, dict) and audit.canonical_json(obj) == text.rstrip("\r\n").encode("utf-8"):
        return obj
    return _strict_loads(text)


def _value_problem(value: Any) -> str | None:
    """The audit value space: strings, integers within 2^53, booleans, null, lists, ASCII-keyed objects."""
    if value is None or isinstance(value, bool | str):
        return None
    if isinstance(value, int):
        return None if abs(value) < 2**53 else "an integer is outside ±(2^53 - 1)"
    if isinstance(value, list):
        for item in value:
            problem = _value_problem(item)
            if problem:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not key.isascii():
                return "an object key is not ASCII"
            problem = _value_problem(item)
            if problem:
                return problem
        return None
    return "it holds a value outside the audit value space"


def _event_problem(obj: dict[str, Any], fingerprint: str) -> str | None:
    extra = set(obj) - _EVENT_KEYS
    if extra:
        return f"unexpected field {sorted(extra)[0]!r}"
    for name in ("seq", "at", "actor", "action", "subject", "details", "prev", "hash"):
        if name not in obj:
            return f"the field {name!r} is missing"
    if type(obj["seq"]) is not int:
        return "seq is not an integer"
    for name in ("at", "actor", "action", "prev", "hash"):
        if not isinstance(obj[name], str):
            return f"{name} is not a string"
    subject = obj["subject"]
    if not isinstance(subject, dict) or set(subject) != {"type", "id"} or not all(
            isinstance(v, str) for v in subject.values()):
        return "subject must be an object with string 'type' and 'id'"
    if not isinstance(obj["details"], dict):
        return "details is not an object"
    if "annotations" in obj and not isinstance(obj["annotations"], dict):
        return "annotations is not an object"
    problem = _value_problem(obj["details"])
    if problem:
        return f"details: {problem}"
    if obj["actor"] != fingerprint:
        return f"it was recorded by key {obj['actor']}, not by the key that signed this export ({fingerprint})"
    return None


def _body_hash(obj: dict[str, Any]) -> str | None:
    body = {k: v for k, v in obj.items() if k not in ("hash", "annotations")}
    try:
        return audit.event_hash(body)
    except UnicodeEncodeError:
        return None


def read_public_key(text_or_path: str) -> PublicIdentity:
    """``--key``: a minisign public key file, or its base64 line given directly."""
    candidate = Path(text_or_path)
    try:
        if candidate.is_file():
            return PublicIdentity.from_minisign(candidate.read_text("utf-8"))
    except OSError as exc:
        raise ValidationError("key", f"{text_or_path} cannot be read ({exc.strerror})") from exc
    return PublicIdentity.from_minisign(text_or_path)


def _find_checkpoint(obj: Any, depth: int = 0) -> dict[str, Any] | None:
    if not isinstance(obj, dict) or depth > 5:
        return None
    if {"seq", "hash", "at", "signature"} <= set(obj):
        return obj
    preferred = [obj[k] for k in ("checkpoint", "audit_checkpoint") if k in obj]
    for value in [*preferred, *obj.values()]:
        found = _find_checkpoint(value, depth + 1)
        if found is not None:
            return found
    return None


_SOURCE_LIMIT = 4_000_000
#: Members of a zip (share package, subject-access export) that may hold a checkpoint.
_ZIP_MEMBERS = ("manifest.json", "checkpoint.json")


def _checkpoint_source(path: Path) -> str:
    """The text to look in: a zip's manifest/checkpoint member, a small JSON file, or the first
    line of a (possibly huge) export. Reads are bounded."""
    import zipfile

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for member in _ZIP_MEMBERS:
                if member in names:
                    with archive.open(member) as handle:
                        return handle.read(_SOURCE_LIMIT).decode("utf-8-sig")
        raise ValidationError("checkpoint", f"{path} is a zip without manifest.json or checkpoint.json")
    with open(path, "rb") as handle:
        data = handle.read(_SOURCE_LIMIT + 1)
    if len(data) > _SOURCE_LIMIT:
        data = data.split(b"\n", 1)[0]
    return data.decode("utf-8-sig")


def load_checkpoint(path: str | Path) -> Checkpoint:
    """An earlier checkpoint from a saved checkpoint file, an export (or its header line), a
    share package (the zip or its manifest.json) or a subject-access export: the first object
    holding seq, hash, at and signature."""
    path = Path(path)
    try:
        text = _checkpoint_source(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError("checkpoint", f"{path} cannot be read") from exc
    candidates: list[Any] = []
    try:
        candidates.append(json.loads(text))
    except ValueError:
        first = text.split("\n", 1)[0]
        try:
            candidates.append(json.loads(first))
        except ValueError:
            pass
    for candidate in candidates:
        found = _find_checkpoint(candidate)
        if found is not None:
            try:
                seq = found["seq"]
                if type(seq) is not int or not _HEX64.match(str(found["hash"])):
                    raise ValueError
                return Checkpoint(seq, str(found["hash"]), str(found["at"]), str(found["signature"]))
            except (KeyError, ValueError) as exc:
                raise ValidationError("checkpoint", f"{path} holds a malformed checkpoint") from exc
    raise ValidationError("checkpoint", f"{path} holds no checkpoint (seq, hash, at, signature)")


def _checkpoint_from(data: Any) -> Checkpoint | None:
    if not isinstance(data, dict):
        return None
    if data.get("type", checkpoints.CHECKPOINT_TYPE) != checkpoints.CHECKPOINT_TYPE:
        return None
    seq, digest, at, signature = (data.get(k) for k in ("seq", "hash", "at", "signature"))
    if type(seq) is not int or not isinstance(digest, str) or not isinstance(at, str) or not isinstance(
            signature, str):
        return None
    return Checkpoint(seq, digest, at, signature)


def verify_export(path: str | Path, key: PublicIdentity | None = None,
                  earlier: Checkpoint | None = None) -> ExportVerification:
    """Check a JSON Lines export as docs/audit-format.md §4 says, stopping at the first problem."""
    result = ExportVerification()
    path = Path(path)
    try:
        handle = open(path, "rb")
    except OSError as exc:
        return result.fail(None, f"{path} cannot be read ({exc.strerror})")
    with handle:
        return _verify_stream(handle, result, key, earlier)


def _verify_stream(handle: BinaryIO, result: ExportVerification, key: PublicIdentity | None,
                   earlier: Checkpoint | None) -> ExportVerification:
    raw_header = handle.readline()
    try:
        header = _strict_loads(raw_header.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, _Strict):
        return result.fail(1, "the first line is not a JSON header object")
    if not isinstance(header, dict) or header.get("type") != FORMAT_TYPE:
        return result.fail(1, f"the first line is not a {FORMAT_TYPE} header")
    if header.get("format_version") != FORMAT_VERSION:
        return result.fail(1, f"format_version {header.get('format_version')!r} is not supported (expected 1)")
    owner = header.get("owner")
    if not isinstance(owner, dict) or not isinstance(owner.get("public_key"), str):
        return result.fail(1, "the header has no owner public key")
    try:
        header_key = PublicIdentity.from_minisign(owner["public_key"])
    except ValidationError:
        return result.fail(1, "the owner public key in the header is not a minisign Ed25519 key")
    if owner.get("fingerprint") not in (None, header_key.fingerprint):
        return result.fail(1, "the header's fingerprint does not belong to its public key")
    if key is not None and key.public_key != header_key.public_key:
        return result.fail(1, f"the export is signed by key {header_key.fingerprint}, not by the expected key "
                              f"{key.fingerprint}")
    identity = key or header_key
    result.key_pinned = key is not None
    result.fingerprint = identity.fingerprint
    result.scope = header.get("scope") if isinstance(header.get("scope"), dict) else {}
    checkpoint = _checkpoint_from(header.get("checkpoint"))
    if checkpoint is None:
        return result.fail(1, "the header has no well-formed checkpoint")
    if not checkpoint.verify(identity):
        return result.fail(1, "the checkpoint's signature is not valid for the owner key")
    result.checkpoint = checkpoint
    if earlier is not None and not earlier.verify(identity):
        return result.fail(None, f"the earlier checkpoint #{earlier.seq} is not signed by the owner key")
    head_seq = header.get("head_seq")
    if type(head_seq) is not int or head_seq < 1:
        return result.fail(1, "the header has no valid head_seq")
    result.head_seq = head_seq

    targets = {checkpoint.seq: checkpoint}
    if earlier is not None:
        targets.setdefault(earlier.seq, earlier)
    found: dict[int, tuple[int, str | None]] = {}  # seq -> (line, hash or None when omitted)
    expected, prev, fingerprint = 1, audit.GENESIS, identity.fingerprint
    run_start: int | None = None  # first seq of the current run of event lines
    signed_from: int | None = None
    lineno = 1
    for raw in handle:
        lineno += 1
        if raw in (b"\n", b"\r\n"):
            return result.fail(lineno, "the line is empty")
        try:
            obj = _load_line(raw.decode("utf-8"))
        except UnicodeDecodeError:
            return result.fail(lineno, "the line is not UTF-8")
        except (ValueError, _Strict) as exc:
            return result.fail(lineno, f"the line is not valid JSON ({exc})")
        if not isinstance(obj, dict):
            return result.fail(lineno, "the line is not a JSON object")
        if "gap" in obj:
            gap = obj["gap"]
            if set(obj) != {"gap"} or not isinstance(gap, dict) or set(gap) != {"first_seq", "last_seq", "last_hash"}:
                return result.fail(lineno, "a gap line must hold exactly gap.first_seq, gap.last_seq, gap.last_hash")
            first, last, last_hash = gap["first_seq"], gap["last_seq"], gap["last_hash"]
            if type(first) is not int or type(last) is not int or not isinstance(last_hash, str) or not _HEX64.match(
                    last_hash):
                return result.fail(lineno, "the gap line's fields are malformed")
            if first != expected:
                return result.fail(lineno, f"expected event #{expected} here, found an omitted range from #{first}")
            if last < first:
                return result.fail(lineno, "the omitted range ends before it starts")
            for seq in targets:
                if first <= seq < last:
                    found[seq] = (lineno, None)
                elif seq == last:
                    found[seq] = (lineno, last_hash)
            expected, prev, run_start = last + 1, last_hash, None
            result.gaps += 1
            continue
        problem = _event_problem(obj, fingerprint)
        if problem:
            return result.fail(lineno, problem)
        seq = obj["seq"]
        if seq != expected:
            return result.fail(lineno, f"expected event #{expected} here, found event #{seq}")
        if obj["prev"] != prev:
            return result.fail(lineno, f"event #{seq}: its prev does not match the hash of event #{seq - 1}")
        digest = _body_hash(obj)
        if digest is None:
            return result.fail(lineno, f"event #{seq}: it holds text that is not valid Unicode")
        if digest != obj["hash"]:
            return result.fail(lineno, f"event #{seq}: its content does not match its hash")
        if run_start is None:
            run_start = seq
        if seq in targets:
            found[seq] = (lineno, digest)
            if seq == checkpoint.seq:
                signed_from = run_start
        expected, prev = seq + 1, digest
        result.events += 1
    result.lines = lineno
    covered = expected - 1
    if covered != head_seq:
        return result.fail(lineno if covered < head_seq else None,
                           f"the file accounts for events up to #{covered} but its header says #{head_seq}"
                           + (" (lines are missing at the end)" if covered < head_seq else ""))
    line_hash = found.get(checkpoint.seq)
    if line_hash is None:
        return result.fail(None, f"the checkpoint's event #{checkpoint.seq} is beyond the end of the history "
                                 f"(#{covered})")
    if line_hash[1] is None:
        return result.fail(line_hash[0], f"the checkpoint's event #{checkpoint.seq} is inside an omitted range")
    if line_hash[1] != checkpoint.hash:
        return result.fail(line_hash[0], f"event #{checkpoint.seq} does not have the hash the checkpoint signed")
    result.signed_from = signed_from if signed_from is not None else checkpoint.seq + 1
    if earlier is not None:
        where = found.get(earlier.seq)
        if where is None:
            return result.fail(None, f"the history ends at event #{covered}, before the earlier checkpoint at "
                                     f"#{earlier.seq}: events were cut from the end")
        if where[1] is None:
            return result.fail(where[0], f"the earlier checkpoint's event #{earlier.seq} is omitted from this "
                                         "filtered export; check it against a whole-vault export")
        if where[1] != earlier.hash:
            return result.fail(where[0], f"event #{earlier.seq} differs from the earlier checkpoint: the history "
                                         "was rewritten")
        result.earlier_checkpoint = earlier
    return result


def verify_vault_checkpoint(vault: Vault, earlier: Checkpoint) -> tuple[int, str] | None:
    """Whether the vault's chain still holds ``earlier`` (seq, hash): (seq, problem), or None."""
    if not earlier.verify(vault.owner.identity):
        return earlier.seq, "the earlier checkpoint is not signed by this vault's owner key"
    row = vault.conn.execute("SELECT hash FROM audit WHERE seq = ?", (earlier.seq,)).fetchone()
    if row is None:
        return earlier.seq, "the vault's history ends before the earlier checkpoint"
    if row[0] != earlier.hash:
        return earlier.seq, "it differs from the earlier checkpoint, so the history was rewritten"
    return None


def verify_stored_checkpoints(vault: Vault) -> tuple[int, str] | None:
    """Every checkpoint kept in the vault must be validly signed and still match the chain."""
    identity = vault.owner.identity
    for seq, digest, at, signature in vault.conn.execute(
            "SELECT seq, hash, at, signature FROM checkpoints ORDER BY seq").fetchall():
        checkpoint = Checkpoint(seq, digest, at, signature)
        if not checkpoint.verify(identity):
            return seq, "the checkpoint stored for it has an invalid signature"
        row = vault.conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()
        if row is None or row[0] != digest:
            return seq, "it no longer has the hash its signed checkpoint holds"
    return None


# --- paging for viewers -----------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    """One event with its display annotation, for a viewer (names never enter the chain)."""

    event: audit.AuditEvent
    subject_name: str | None


def count_scope(conn: Any, scope: ExportScope) -> int:
    if scope.is_whole:  # seq has no holes, and max() is one index probe where count() reads every row
        return conn.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0]
    where, params = _scope_filters(scope)
    return conn.execute(f"SELECT count(*) FROM audit {where}", params).fetchone()[0]


def page_events(vault: Vault, scope: ExportScope, before_seq: int | None = None,
                limit: int = 200) -> list[EventRow]:
    """Newest first, keyset-paged (``seq < before_seq``) so deep pages cost what the first does."""
    where, params = _scope_filters(scope)
    if before_seq is not None:
        where = f"{where} AND seq < ?" if where else "WHERE seq < ?"
        params.append(before_seq)
    rows = vault.conn.execute(
        f"SELECT {audit._COLUMNS} FROM audit {where} ORDER BY seq DESC LIMIT ?", (*params, limit)
    ).fetchall()
    names = NameBook(vault.conn)
    result = []
    for row in rows:
        event = audit._row_to_event(row)
        result.append(EventRow(event, names.name(event.subject_type, event.subject_id)))
    return result


def find_person(vault: Vault, text: str) -> tuple[str, str]:
    """A viewer's person filter: an id (prefix, or an erased person's full UUID) or a unique name.
    Returns (uuid, display name)."""
    from .errors import Ambiguous, NotFound

    text = text.strip()
    if not text:
        raise ValidationError("person", "type a name or an id")
    try:
        scope = make_scope(vault, person=text)
        assert scope.person is not None
        return scope.person, NameBook(vault.conn).name("person", scope.person) or ERASED
    except NotFound:
        pass
    rows = vault.conn.execute(
        "SELECT uuid, full_name FROM people WHERE full_name LIKE ? ESCAPE '\\' ORDER BY sort_name LIMIT 2",
        ("%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",),
    ).fetchall()
    if not rows:
        raise NotFound("person", text)
    if len(rows) > 1:
        exact = [r for r in rows if r[1].lower() == text.lower()]
        if len(exact) != 1:
            raise Ambiguous("person", text, len(rows))
        rows = exact
    return rows[0][0], rows[0][1]

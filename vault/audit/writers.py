"""Audit exports (JSON Lines, CSV, PDF) and saved checkpoints, written whole or not at all.

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
import contextlib
import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from vault.atomic import atomic_output
from vault.errors import ValidationError, VaultReadOnly

from . import chain as audit
from . import checkpoints
from .checkpoints import Checkpoint
from .export_format import (
    CSV_COLUMNS,
    CSV_TRIGGERS,
    FORMAT_TYPE,
    FORMAT_VERSION,
    FORMATS,
    PDF_MAX_ROWS,
    Progress,
)
from .names import NameBook
from .scope import ExportScope, count_selected, iter_selected

if TYPE_CHECKING:
    from vault.store import Vault


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


def export_audit(vault: Vault, out: str | Path | BinaryIO, fmt: str, scope: ExportScope | None = None,
                 progress: Progress | None = None) -> ExportResult:
    """Write one export atomically, carrying a fresh checkpoint, and audit it.

    ``progress(done, total)`` is called every thousand events; raising from it (e.g.
    ``Cancelled``) abandons the export and leaves nothing behind. ``out`` may be an open binary
    stream (the CLI's ``--out -``): then the bytes go there as they are made.
    """
    if fmt not in FORMATS:
        raise ValidationError("format", f"must be one of {', '.join(FORMATS)}")
    if vault.readonly:
        # Every export is audited (docs/design.md §2 rule 3), and a read-only vault cannot record one.
        raise VaultReadOnly(str(vault.path), "record the export in its audit trail")
    scope = scope or ExportScope()
    if isinstance(out, (str, os.PathLike)):
        target: Path | None = vault.output_path(out)
        stream: BinaryIO | None = None
    else:  # an open stream (the CLI's --out -)
        target, stream = None, out
    checkpoint = checkpoints.create(vault)
    last = audit.last_event(vault.conn)
    head = last.seq if last else 0
    total = count_selected(vault.conn, scope, head)
    exported_at = vault.now()
    ticker = _Ticker(progress, total)
    truncated = False
    opened = contextlib.nullcontext(stream) if stream is not None else atomic_output(cast(Path, target))
    with opened as handle:
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
    return ExportResult(Path("-") if stream is not None else cast(Path, target), fmt, scope, events, head, checkpoint,
                        truncated)


def jsonl_export_bytes(vault: Vault, scope: ExportScope, checkpoint: Checkpoint) -> bytes:
    """The JSON Lines export of ``scope`` up to ``checkpoint`` as bytes, for an archive that
    carries its own trail (the subject-access zip): the same header, events and gap lines as
    ``export_audit`` writes, so both documented verifiers accept it."""
    head = checkpoint.seq
    total = count_selected(vault.conn, scope, head)
    buffer = io.BytesIO()
    _write_jsonl(vault, buffer, scope, checkpoint, head, total, vault.now(), _Ticker(None, total))
    return buffer.getvalue()


def save_checkpoint(vault: Vault, out: str | Path | None = None) -> tuple[Checkpoint, dict[str, Any]]:
    """The current signed checkpoint as a self-describing JSON object, optionally saved to a file."""
    target = vault.output_path(out) if out is not None else None
    checkpoint = checkpoints.create(vault)
    ident = vault.owner.identity
    data = {"type": checkpoints.CHECKPOINT_TYPE, **checkpoint.to_json(), "vault": vault.uuid,
            "public_key": ident.minisign_base64(), "fingerprint": ident.fingerprint}
    if target is not None:
        with atomic_output(target) as handle:
            handle.write(json.dumps(data, indent=2, sort_keys=True).encode("utf-8") + b"\n")
    return checkpoint, data

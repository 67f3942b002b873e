"""Verification of untrusted audit exports and checkpoints (docs/audit-format.md), and of the vault's
chain against checkpoints other parties hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from vault.errors import AuditExportInvalid, ValidationError
from vault.identity import PublicIdentity

from . import chain as audit
from . import checkpoints
from .checkpoints import Checkpoint
from .export_format import EVENT_KEYS, FORMAT_TYPE, FORMAT_VERSION, HEX64

if TYPE_CHECKING:
    from vault.store import Vault



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
    extra = set(obj) - EVENT_KEYS
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
                if type(seq) is not int or not HEX64.match(str(found["hash"])):
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
    result.scope = header["scope"] if isinstance(header.get("scope"), dict) else {}
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
            if type(first) is not int or type(last) is not int or not isinstance(last_hash, str) or not HEX64.match(
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

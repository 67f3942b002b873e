#!/usr/bin/env python3
"""Standalone verifier for Contact Vault audit exports (JSON Lines, format version 1).

Needs only the Python standard library and ``cryptography`` (for Ed25519); it does not
import Contact Vault, so a client or regulator can run it on an export they were given.
It implements docs/audit-format.md independently of the application's own verifier.

    python3 verify_audit.py EXPORT.jsonl [--key OWNER.pub] [--checkpoint EARLIER.json] [--json]

Exit status: 0 the export verifies; 1 it does not (the first bad line and the reason are
printed); 2 usage error.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any, TypeGuard

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EXPORT_TYPE = "contact-vault-audit-export"
CHECKPOINT_TYPE = "contact-vault-checkpoint"
GENESIS = "0" * 64
EVENT_FIELDS = {"seq", "at", "actor", "action", "subject", "details", "prev", "hash"}
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
MAX_INT = 2**53 - 1


class Failure(Exception):
    """Verification stopped: ``line`` (1-based, or None for the whole file) and ``reason``."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


# --- strict JSON and the canonical form ------------------------------------------------------


def _reject_float(text: str) -> Any:
    raise ValueError(f"non-integer number {text}")


def _reject_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate object key")
    return obj


def strict_json(text: str) -> Any:
    return json.loads(text, parse_float=_reject_float, parse_constant=_reject_constant,
                      object_pairs_hook=_unique_keys)


def load_line(text: str) -> Any:
    """Lines in compact sorted form (as Contact Vault writes them) cannot hide a repeated key, so
    a plain parse that re-serialises to the line is enough; anything else is parsed strictly.
    (Floats are refused afterwards by ``check_value`` and the type checks.)"""
    try:
        obj = json.loads(text)
    except ValueError:
        return strict_json(text)
    if isinstance(obj, dict) and json.dumps(obj, sort_keys=True, separators=(",", ":"),
                                            ensure_ascii=False) == text.rstrip("\r\n"):
        return obj
    return strict_json(text)


def check_value(value: Any) -> None:
    """The audit value space (docs §2): no floats, integers within +-(2^53 - 1), ASCII object keys."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise ValueError("integer outside +-(2^53 - 1)")
        return
    if isinstance(value, list):
        for item in value:
            check_value(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not key.isascii():
                raise ValueError("non-ASCII object key")
            check_value(item)
        return
    raise ValueError(f"unsupported value {value!r}")


def jcs(value: Any) -> bytes:
    """RFC 8785 for the audit value space: sorted keys, no spaces, UTF-8, minimal escapes."""
    if value is None:
        return b"null"
    if value is True:
        return b"true"
    if value is False:
        return b"false"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, str):
        return _jcs_string(value)
    if isinstance(value, list):
        return b"[" + b",".join(jcs(item) for item in value) + b"]"
    if isinstance(value, dict):
        # Keys are ASCII, so sorting by UTF-16 code units is plain string order.
        return b"{" + b",".join(_jcs_string(k) + b":" + jcs(value[k]) for k in sorted(value)) + b"}"
    raise ValueError(f"unsupported value {value!r}")


def jcs_fast(value: Any) -> bytes:
    """The same bytes as ``jcs`` for values that passed ``check_value`` (docs §2): Python's
    encoder sorts ASCII keys and escapes exactly the characters JCS escapes, in C."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _jcs_string(text: str) -> bytes:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return ('"' + "".join(out) + '"').encode("utf-8")  # lone surrogates raise UnicodeEncodeError


# --- keys and signatures -------------------------------------------------------------------


def parse_minisign_public_key(text: str) -> bytes:
    """The raw 32-byte Ed25519 key from a minisign public key (file text or base64 line)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("untrusted comment:")]
    if not lines:
        raise ValueError("empty public key")
    raw = base64.b64decode(lines[0], validate=True)
    if len(raw) != 42 or raw[:2] != b"Ed":
        raise ValueError("not a minisign Ed25519 public key")
    return raw[10:]


def fingerprint(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:32]


def checkpoint_valid(cp: dict[str, Any], public_key: bytes) -> bool:
    message = jcs({"type": CHECKPOINT_TYPE, "seq": cp["seq"], "hash": cp["hash"], "at": cp["at"]})
    try:
        signature = base64.b64decode(cp["signature"], validate=True)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (ValueError, InvalidSignature):
        return False
    return True


def well_formed_checkpoint(cp: Any) -> TypeGuard[dict[str, Any]]:
    return (isinstance(cp, dict) and cp.get("type", CHECKPOINT_TYPE) == CHECKPOINT_TYPE
            and type(cp.get("seq")) is int and isinstance(cp.get("hash"), str) and bool(HEX64.match(cp["hash"]))
            and isinstance(cp.get("at"), str) and isinstance(cp.get("signature"), str))


def find_checkpoint(obj: Any, depth: int = 0) -> dict[str, Any] | None:
    """The earlier checkpoint inside a saved checkpoint, an export header or a share manifest."""
    if not isinstance(obj, dict) or depth > 5:
        return None
    if {"seq", "hash", "at", "signature"} <= set(obj):
        return obj
    ordered = [obj[k] for k in ("checkpoint", "audit_checkpoint") if k in obj] + list(obj.values())
    for value in ordered:
        found = find_checkpoint(value, depth + 1)
        if found is not None:
            return found
    return None


def read_checkpoint_source(path: str, limit: int = 4_000_000) -> str:
    """A zip's manifest.json / checkpoint.json, a small JSON file, or the first line of an export."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in ("manifest.json", "checkpoint.json"):
                if member in archive.namelist():
                    with archive.open(member) as handle:
                        return handle.read(limit).decode("utf-8-sig")
        raise ValueError(f"{path} is a zip without manifest.json or checkpoint.json")
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        data = data.split(b"\n", 1)[0]
    return data.decode("utf-8-sig")


def load_earlier_checkpoint(path: str) -> dict[str, Any]:
    text = read_checkpoint_source(path)
    try:
        obj = json.loads(text)
    except ValueError:
        obj = json.loads(text.split("\n", 1)[0])  # an export: its first line is the header
    cp = find_checkpoint(obj)
    if cp is None or not well_formed_checkpoint(cp):
        raise ValueError(f"{path} holds no well-formed checkpoint")
    return cp


# --- the verification (docs/audit-format.md §5) ----------------------------------------------


def verify(path: str, pinned_key: bytes | None = None, earlier: dict[str, Any] | None = None) -> dict[str, Any]:
    with open(path, "rb") as handle:
        lines = iter(handle)
        try:
            header = strict_json(next(lines).decode("utf-8"))
        except (StopIteration, ValueError):
            raise Failure(1, "the first line is not a JSON header object") from None
        if not isinstance(header, dict) or header.get("type") != EXPORT_TYPE:
            raise Failure(1, "the first line is not an export header")
        if header.get("format_version") != 1:
            raise Failure(1, "unsupported format_version")
        try:
            header_key = parse_minisign_public_key(header["owner"]["public_key"])
        except (KeyError, TypeError, ValueError):
            raise Failure(1, "the header's owner public key is missing or malformed") from None
        if header["owner"].get("fingerprint", fingerprint(header_key)) != fingerprint(header_key):
            raise Failure(1, "the header's fingerprint does not belong to its public key")
        if pinned_key is not None and pinned_key != header_key:
            raise Failure(1, f"the export is signed by key {fingerprint(header_key)}, not by the expected key "
                             f"{fingerprint(pinned_key)}")
        key = pinned_key or header_key
        actor = fingerprint(key)
        checkpoint = header.get("checkpoint")
        if not well_formed_checkpoint(checkpoint):
            raise Failure(1, "the header has no well-formed checkpoint")
        if not checkpoint_valid(checkpoint, key):
            raise Failure(1, "the checkpoint's signature is not valid for the owner key")
        if earlier is not None and not checkpoint_valid(earlier, key):
            raise Failure(None, f"the earlier checkpoint #{earlier['seq']} is not signed by the owner key")
        head_seq = header.get("head_seq")
        if type(head_seq) is not int or head_seq < 1:
            raise Failure(1, "the header has no valid head_seq")

        wanted = {checkpoint["seq"]} | ({earlier["seq"]} if earlier else set())
        known: dict[int, tuple[int, str | None]] = {}
        expected, prev, run_start, signed_from = 1, GENESIS, None, None
        events = gaps = 0
        number = 1
        for raw in lines:
            number += 1
            try:
                obj = load_line(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise Failure(number, f"the line is not valid JSON ({exc})") from None
            if not isinstance(obj, dict):
                raise Failure(number, "the line is not a JSON object")
            if "gap" in obj:
                gap = obj["gap"]
                if (set(obj) != {"gap"} or not isinstance(gap, dict)
                        or set(gap) != {"first_seq", "last_seq", "last_hash"}
                        or type(gap["first_seq"]) is not int or type(gap["last_seq"]) is not int
                        or not isinstance(gap["last_hash"], str) or not HEX64.match(gap["last_hash"])):
                    raise Failure(number, "malformed gap line")
                if gap["first_seq"] != expected:
                    raise Failure(number, f"expected event #{expected} here, found an omitted range from "
                                          f"#{gap['first_seq']}")
                if gap["last_seq"] < gap["first_seq"]:
                    raise Failure(number, "the omitted range ends before it starts")
                for seq in wanted:
                    if gap["first_seq"] <= seq < gap["last_seq"]:
                        known[seq] = (number, None)
                    elif seq == gap["last_seq"]:
                        known[seq] = (number, gap["last_hash"])
                expected, prev, run_start = gap["last_seq"] + 1, gap["last_hash"], None
                gaps += 1
                continue
            extra = set(obj) - EVENT_FIELDS - {"annotations"}
            if extra or not EVENT_FIELDS <= set(obj):
                raise Failure(number, "the event does not have exactly the fields of format version 1")
            subject = obj["subject"]
            if (type(obj["seq"]) is not int or not all(isinstance(obj[k], str) for k in
                                                      ("at", "actor", "action", "prev", "hash"))
                    or not isinstance(subject, dict) or set(subject) != {"type", "id"}
                    or not all(isinstance(v, str) for v in subject.values())
                    or not isinstance(obj["details"], dict)
                    or not isinstance(obj.get("annotations", {}), dict)):
                raise Failure(number, "a field has the wrong type")
            try:
                check_value(obj["details"])
            except ValueError as exc:
                raise Failure(number, f"details: {exc}") from None
            seq = obj["seq"]
            if obj["actor"] != actor:
                raise Failure(number, f"event #{seq} was recorded by key {obj['actor']}, not by the key that "
                                      f"signed this export ({actor})")
            if seq != expected:
                raise Failure(number, f"expected event #{expected} here, found event #{seq}")
            if obj["prev"] != prev:
                raise Failure(number, f"event #{seq}: its prev does not match the hash of event #{seq - 1}")
            body = {k: obj[k] for k in EVENT_FIELDS - {"hash"}}
            try:
                digest = hashlib.sha256(jcs_fast(body)).hexdigest()
            except UnicodeEncodeError:
                raise Failure(number, f"event #{seq}: it holds text that is not valid Unicode") from None
            if digest != obj["hash"]:
                raise Failure(number, f"event #{seq}: its content does not match its hash")
            if run_start is None:
                run_start = seq
            if seq in wanted:
                known[seq] = (number, digest)
                if seq == checkpoint["seq"]:
                    signed_from = run_start
            expected, prev = seq + 1, digest
            events += 1

    covered = expected - 1
    if covered != head_seq:
        raise Failure(number if covered < head_seq else None,
                      f"the file accounts for events up to #{covered} but its header says #{head_seq}")
    where = known.get(checkpoint["seq"])
    if where is None:
        raise Failure(None, f"the checkpoint's event #{checkpoint['seq']} is beyond the end of the history")
    if where[1] is None:
        raise Failure(where[0], f"the checkpoint's event #{checkpoint['seq']} is inside an omitted range")
    if where[1] != checkpoint["hash"]:
        raise Failure(where[0], f"event #{checkpoint['seq']} does not have the hash the checkpoint signed")
    if earlier is not None:
        where = known.get(earlier["seq"])
        if where is None:
            raise Failure(None, f"the history ends at event #{covered}, before the earlier checkpoint at "
                                f"#{earlier['seq']}: events were cut from the end")
        if where[1] is None:
            raise Failure(where[0], f"the earlier checkpoint's event #{earlier['seq']} is omitted from this "
                                    "filtered export")
        if where[1] != earlier["hash"]:
            raise Failure(where[0], f"event #{earlier['seq']} differs from the earlier checkpoint: the history "
                                    "was rewritten")
    return {"ok": True, "events": events, "gaps": gaps, "head_seq": head_seq, "fingerprint": actor,
            "key_pinned": pinned_key is not None, "checkpoint_seq": checkpoint["seq"],
            "signed_from": signed_from, "earlier_checkpoint_seq": earlier["seq"] if earlier else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Contact Vault audit export (JSON Lines).")
    parser.add_argument("file", help="the .jsonl export")
    parser.add_argument("--key", help="the owner's minisign public key: a .pub file or its base64 line")
    parser.add_argument("--checkpoint", help="an earlier checkpoint this history must still contain")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    try:
        pinned = None
        if args.key:
            key_path = Path(args.key)
            pinned = parse_minisign_public_key(key_path.read_text("utf-8") if key_path.is_file() else args.key)
        earlier = load_earlier_checkpoint(args.checkpoint) if args.checkpoint else None
    except (OSError, ValueError) as exc:
        print(f"verify_audit: {exc}", file=sys.stderr)
        return 2
    try:
        result = verify(args.file, pinned, earlier)
    except OSError as exc:
        print(f"verify_audit: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except Failure as failure:
        where = f"line {failure.line}: " if failure.line is not None else ""
        if args.json:
            print(json.dumps({"ok": False, "line": failure.line, "reason": failure.reason}))
        else:
            print(f"FAILED: {where}{failure.reason}")
        return 1
    if args.json:
        print(json.dumps(result))
    else:
        signed = (f"events #{result['signed_from']}-#{result['checkpoint_seq']} are covered by the signature"
                  if result["signed_from"] is not None else "no event line is covered by the signature")
        print(f"OK: {result['events']} events and {result['gaps']} omitted ranges account for events "
              f"#1-#{result['head_seq']}; checkpoint #{result['checkpoint_seq']} signed by "
              f"{result['fingerprint']}{'' if result['key_pinned'] else ' (key taken from the file; pin it with --key)'}"
              f"; {signed}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

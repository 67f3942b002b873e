"""Reading a package: zip structure first, then the signature, and only then the manifest.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vault.authorisations import day
from vault.errors import PackageInvalid, ValidationError
from vault.identity import PublicIdentity, verify_minisign
from vault.name_check import visible

from .manifest import ManifestRejected, parse_manifest
from .package_format import (
    MANIFEST,
    MAX_ENTRIES,
    MAX_ENTRY_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_TOTAL_BYTES,
    SENDER_KEY,
    SIGNATURE,
    SUMS,
    UNLISTED,
)

_DRIVE = re.compile(r"^[A-Za-z]:")


def read_entries(path: str | os.PathLike[str], *, max_entry: int = MAX_ENTRY_BYTES,
                 max_total: int = MAX_TOTAL_BYTES) -> dict[str, bytes]:
    """Every entry of the zip, after the structural checks; raises PackageInvalid naming the entry."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PackageInvalid(f"{path} cannot be read ({exc.strerror})") from exc
    if size > max_total + 1024 * 1024:
        raise PackageInvalid(f"{path.name} is larger than {max_total // 1_048_576} MB")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise PackageInvalid(f"{path.name} is not a zip file") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise PackageInvalid(f"it holds {len(infos)} entries, more than the {MAX_ENTRIES} allowed")
        seen: set[str] = set()
        declared = 0
        for info in infos:
            name = info.filename
            shown = repr(name)
            if not name or any(ord(ch) < 32 for ch in name):
                raise PackageInvalid(f"entry {shown} has an empty or unprintable name")
            if "\\" in name:
                raise PackageInvalid(f"entry {shown} contains a backslash")
            if name.startswith("/") or _DRIVE.match(name):
                raise PackageInvalid(f"entry {shown} has an absolute path")
            if ".." in name.split("/"):
                raise PackageInvalid(f"entry {shown} points outside the package ('..')")
            if name.endswith("/") or info.is_dir():
                raise PackageInvalid(f"entry {shown} is a folder; packages hold files only")
            if "/" in name:
                raise PackageInvalid(f"entry {shown} is inside a folder; packages hold files only")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise PackageInvalid(f"entry {shown} is a symbolic link")
            if mode and stat.S_IFMT(mode) and not stat.S_ISREG(mode):
                raise PackageInvalid(f"entry {shown} is not a regular file")
            if info.flag_bits & 0x1:
                raise PackageInvalid(f"entry {shown} is encrypted inside the zip")
            if name.lower() in seen:
                raise PackageInvalid(f"entry {shown} appears more than once")
            seen.add(name.lower())
            if info.file_size > max_entry:
                raise PackageInvalid(f"entry {shown} is oversized ({info.file_size} bytes, limit {max_entry})")
            declared += info.file_size
            if declared > max_total:
                raise PackageInvalid(f"the entries are oversized together (more than {max_total} bytes)")
        entries: dict[str, bytes] = {}
        for info in infos:
            try:
                with archive.open(info) as handle:
                    data = handle.read(min(info.file_size, max_entry) + 1)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
                raise PackageInvalid(f"entry {info.filename!r} is damaged ({exc})") from exc
            except Exception as exc:  # zlib errors and the like on hostile data
                raise PackageInvalid(f"entry {info.filename!r} is damaged ({type(exc).__name__})") from exc
            if len(data) != info.file_size:
                raise PackageInvalid(f"entry {info.filename!r} is oversized: it does not decompress to its "
                                     "declared size")
            entries[info.filename] = data
    return entries


@dataclass
class VerifyReport:
    ok: bool = False
    package_id: str = ""
    key_source: str = ""
    sender: dict[str, Any] = field(default_factory=dict)
    recipient: dict[str, Any] = field(default_factory=dict)
    person: str = ""
    authorisation: dict[str, Any] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    #: The signature was checked against a key trusted for the sender (given, or on file), not only
    #: against the key the package carries, which anyone making a package can put there.
    sender_verified: bool = False
    fingerprint: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.ok, "sender_verified": self.sender_verified, "package_id": self.package_id,
                "key_source": self.key_source, "fingerprint": self.fingerprint,
                "sender": self.sender, "recipient": self.recipient, "person": self.person,
                "authorisation": self.authorisation, "files": self.files, "problems": self.problems}

    @property
    def unverified_sentence(self) -> str:
        return (f"the signature matches only the key inside the package (fingerprint {self.fingerprint}), which "
                "whoever made the package chose; the sender is unverified. Compare the fingerprint with the sender "
                "by another channel, or verify with --sender-key and the key they gave you")

    def summary(self) -> str:
        state = "NOT VALID" if not self.ok else "VALID" if self.sender_verified else "intact, sender UNVERIFIED"
        lines = [f"Package {visible(self.package_id) or '(unknown)'}: {state}"]
        if self.sender:
            lines.append(f"  from {visible(str(self.sender.get('name')))} "
                         f"({visible(str(self.sender.get('organisation') or '-'))}), key "
                         f"{visible(str(self.sender.get('fingerprint')))} [{self.key_source}]")
        if self.ok and not self.sender_verified:
            lines.append(f"  sender unverified: {self.unverified_sentence}")
        if self.recipient:
            lines.append(f"  to {visible(str(self.recipient.get('name')))} "
                         f"({visible(str(self.recipient.get('organisation') or '-'))})")
        if self.person:
            lines.append(f"  about {visible(self.person)}")
        if self.authorisation:
            a = self.authorisation
            lines.append(f"  authorisation {visible(str(a.get('id')))} ({visible(str(a.get('method')))}, obtained "
                         f"{day(a.get('obtained_at'))}, valid until {day(a.get('valid_until'))}); purpose: "
                         f"{visible(str(a.get('purpose')))}")
        for f in self.files:
            lines.append(f"  {f['status']:8} {visible(f['name'])} ({f['size']} bytes)")
        lines.extend(f"  problem: {visible(p)}" for p in self.problems)
        return "\n".join(lines)


def _listed_sums(entries: dict[str, bytes]) -> dict[str, str] | None:
    raw = entries.get(SUMS)
    if raw is None:
        return None
    out: dict[str, str] = {}
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    if not text.endswith("\n"):
        return None
    for line in text[:-1].split("\n"):  # not splitlines(): it also splits on \v, \f, \x1c…
        match = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line)
        if not match:
            return None
        out[match.group(2)] = match.group(1)
    return out


def _culprit(entries: dict[str, bytes], candidates: tuple[str, ...]) -> str | None:
    """Which of these files differs from SHA256SUMS (to name it when the signature fails)."""
    listed = _listed_sums(entries) or {}
    for name in candidates:
        if name in entries and listed.get(name) != hashlib.sha256(entries[name]).hexdigest():
            return name
    return None


def verify_entries(entries: dict[str, bytes], *, sender_key: str | None, now: str) -> VerifyReport:
    report = VerifyReport()
    for required in (MANIFEST, SIGNATURE):
        if required not in entries:
            report.problems.append(f"{required} is missing")
            return report
    if len(entries[MANIFEST]) > MAX_MANIFEST_BYTES:
        report.problems.append(f"{MANIFEST} is {len(entries[MANIFEST])} bytes, over the {MAX_MANIFEST_BYTES} "
                               "bytes allowed")
        return report
    if sender_key is not None:
        key_text, report.key_source = sender_key, "key given"
    elif SENDER_KEY in entries:
        key_text, report.key_source = entries[SENDER_KEY].decode("utf-8", "replace"), f"{SENDER_KEY} in the package"
    else:
        report.problems.append(f"{SENDER_KEY} is missing and no sender key was given")
        return report
    try:
        identity = PublicIdentity.from_minisign(key_text)
    except ValidationError as exc:
        where = "the sender key given" if sender_key is not None else SENDER_KEY
        report.problems.append(f"{where} is not a minisign public key ({exc.problem})")
        return report
    try:
        signature_text = entries[SIGNATURE].decode("utf-8")
    except UnicodeDecodeError:
        signature_text = ""
    check = verify_minisign(entries[MANIFEST], signature_text, identity)
    if not check.ok:
        culprit = _culprit(entries, (MANIFEST, SIGNATURE, SENDER_KEY))
        if culprit:
            report.problems.append(f"{culprit} was changed: the signature of {MANIFEST} does not verify "
                                   f"({check.reason})")
        else:
            report.problems.append(f"the signature {SIGNATURE} does not verify {MANIFEST} ({check.reason})")
        return report
    # Signed: now the manifest may be parsed (size, depth, JSON, then the written schema).
    try:
        manifest = parse_manifest(entries[MANIFEST])
    except ManifestRejected as exc:
        report.problems.append(f"{MANIFEST} is signed but is not a Contact Vault manifest this version reads: "
                               f"{exc}")
        return report
    files = manifest["files"]
    sender = manifest["sender"]
    auth = manifest["authorisation"]
    report.manifest = manifest
    report.package_id = str(manifest.get("package_id", ""))
    report.sender = sender
    report.recipient = manifest.get("recipient", {})
    report.person = str(manifest.get("person", {}).get("full_name", ""))
    report.authorisation = auth
    if f"package:{report.package_id} " not in check.trusted_comment + " ":
        report.problems.append(f"{SIGNATURE}: its trusted comment names another package")
    if sender.get("public_key") != identity.minisign_base64():
        report.problems.append(f"{MANIFEST} names a different sender key than the one that signed it")
    if sender_key is not None and SENDER_KEY in entries:
        try:
            inside = PublicIdentity.from_minisign(entries[SENDER_KEY].decode("utf-8", "replace"))
            if inside.public_key != identity.public_key:
                report.problems.append(f"{SENDER_KEY} is not the key given for the sender")
        except ValidationError:
            report.problems.append(f"{SENDER_KEY} is not a minisign public key")
    listed: set[str] = set()
    for entry in files:
        name = str(entry.get("name", ""))
        listed.add(name)
        data = entries.get(name)
        if data is None:
            report.problems.append(f"{name} is missing")
            status = "missing"
        elif len(data) != entry.get("size") or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            report.problems.append(f"{name} was changed: its SHA-256 does not match the signed manifest")
            status = "CHANGED"
        else:
            status = "ok"
        report.files.append({"name": name, "size": entry.get("size"), "status": status, "role": entry.get("role")})
    for name in entries:
        if name not in listed and name not in UNLISTED:
            report.problems.append(f"{name} is not listed in the signed manifest")
    listed_sums = _listed_sums(entries)
    if listed_sums is None:
        report.problems.append(f"{SUMS} is missing or malformed")
    else:
        for name, data in entries.items():
            if name == SUMS:
                continue
            if listed_sums.get(name) != hashlib.sha256(data).hexdigest():
                blame = f"{SUMS} or {name} was changed" if name == SIGNATURE else f"{SUMS} was changed"
                report.problems.append(f"{blame}: the checksum it lists for {name} is wrong")
        for name in listed_sums:
            if name not in entries:
                report.problems.append(f"{SUMS} lists {name}, which is not in the package")
    valid_until = auth.get("valid_until")
    if valid_until and now >= str(valid_until):
        report.problems.append(f"the authorisation {auth.get('id')} expired on {day(str(valid_until))}")
    report.ok = not report.problems
    report.fingerprint = identity.fingerprint
    report.sender_verified = report.ok and sender_key is not None
    return report


def trust_from_vault(vault: Any, report: VerifyReport) -> VerifyReport:
    """Within an open vault: a signature by the owner's key or a key on a current recipient's record
    verifies the sender too (the key was trusted before this package arrived)."""
    if not report.ok or report.sender_verified:
        return report
    key = str(report.sender.get("public_key", ""))
    if key and key == vault.owner.identity.minisign_base64():
        report.sender_verified, report.key_source = True, "this vault's own key"
        return report
    known = vault.recipients.find_by_key(key) if key else None
    if known is not None:
        report.sender_verified, report.key_source = True, f"key on file for {known.label}"
    return report


def verify_package(path: str | os.PathLike[str], *, sender_key: str | None = None, now: str) -> VerifyReport:
    """Structure, signature, every file's hash and the expiry; problems name what failed."""
    try:
        entries = read_entries(path)
    except PackageInvalid as exc:
        return VerifyReport(problems=[exc.reason])
    return verify_entries(entries, sender_key=sender_key, now=now)

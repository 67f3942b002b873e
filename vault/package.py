"""Share packages (DESIGN §7): build, verify and import.

A package is a zip a recipient can check without Contact Vault:

- the shared resume(s): PDFs stamped on every page (vault/stamping.py), other formats as they are;
- ``contact.vcf`` with only the authorised contact fields, when fields are shared;
- ``authorisation.pdf``: the cover sheet; ``sender.pub``: the sender's minisign public key;
- ``README.txt``: how to check it;
- ``manifest.json``: RFC 8785 canonical JSON listing everything above (name, size, SHA-256,
  and the SHA-256 of each original before stamping), the sender, the recipient, the person's
  shared fields only, the authorisation and the sender's latest signed audit checkpoint;
- ``manifest.json.minisig``: minisign signature of manifest.json (trusted comment holds the
  package id and time); ``SHA256SUMS``: every file except SHA256SUMS itself, for ``sha256sum -c``.

Reading a package (verify and import) checks the zip structure first, then the signature,
and only then parses the manifest. Import writes nothing until every check has passed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import uuid as uuidlib
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rfc8785
import vobject

from vault.audit import checkpoints

from .atomic import staged_file
from .authorisations import FIELDS, Authorisation, day
from .clock import iso_ms, parse_iso
from .documents import safe_file_name
from .errors import PackageInvalid, ValidationError
from .identity import PublicIdentity, verify_minisign
from .people import NewContactPoint, PersonFields
from .stamping import CoverSheet, StampText, cover_sheet_pdf, stamp_pdf_isolated

if TYPE_CHECKING:
    from .store import Vault

FORMAT = "contact-vault-share/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.minisig"
SUMS = "SHA256SUMS"
README = "README.txt"
COVER = "authorisation.pdf"
SENDER_KEY = "sender.pub"
VCARD = "contact.vcf"
#: Files the manifest cannot list (it is one of them, or they are computed over it).
UNLISTED = (MANIFEST, SIGNATURE, SUMS)
RESERVED = {n.lower() for n in (MANIFEST, SIGNATURE, SUMS, README, COVER, SENDER_KEY, VCARD)}

MAX_ENTRIES = 64
MAX_ENTRY_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 128 * 1024 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024
DEFAULT_REPRESENT_DAYS = 180


# --- building -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageFile:
    name: str
    data: bytes
    role: str
    media_type: str
    original_sha256: str | None = None
    stamped: bool = False
    encrypted: bool = False

    def entry(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name, "size": len(self.data), "sha256": hashlib.sha256(self.data).hexdigest(),
            "role": self.role, "media_type": self.media_type,
        }
        if self.role == "resume":
            data["stamped"] = self.stamped
            data["encrypted"] = self.encrypted
            data["original_sha256"] = self.original_sha256
        return data


@dataclass(frozen=True)
class ShareResult:
    package_id: str
    share_id: str
    path: Path
    sha256: str
    authorisation: Authorisation
    files: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.share_id, "package_id": self.package_id, "path": str(self.path), "sha256": self.sha256,
                "authorisation": self.authorisation.uuid, "files": self.files, "warnings": self.warnings}


@dataclass(frozen=True)
class ShareRecord:
    """One row of the submittal ledger."""

    uuid: str
    person_uuid: str
    person_name: str
    recipient_uuid: str
    recipient_name: str
    organisation_name: str
    authorisation_uuid: str
    items: list[str]
    purpose: str
    package_id: str
    package_sha256: str
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.uuid, "person": self.person_uuid, "person_name": self.person_name,
                "recipient": self.recipient_uuid, "recipient_name": self.recipient_name,
                "organisation": self.organisation_name or None, "authorisation": self.authorisation_uuid,
                "items": self.items, "purpose": self.purpose, "package_id": self.package_id,
                "package_sha256": self.package_sha256, "created_at": self.created_at}


def list_shares(vault: Vault, person: str | int | None = None, limit: int = 500) -> list[ShareRecord]:
    sql = ("SELECT s.uuid, p.uuid, p.full_name, r.uuid, r.name, coalesce(o.name, ''), a.uuid, s.items, s.purpose, "
           "s.package_id, s.package_sha256, s.created_at FROM shares s JOIN people p ON p.id = s.person_id "
           "JOIN recipients r ON r.id = s.recipient_id LEFT JOIN organisations o ON o.id = s.organisation_id "
           "JOIN authorisations a ON a.id = s.authorisation_id")
    params: list[Any] = []
    if person is not None:
        sql += " WHERE s.person_id = ?"
        params.append(vault.people.resolve(person))
    sql += " ORDER BY s.created_at DESC, s.id DESC LIMIT ?"
    params.append(limit)
    rows = vault.conn.execute(sql, params).fetchall()
    return [ShareRecord(*r[:7], json.loads(r[7]), *r[8:]) for r in rows]


def default_items(vault: Vault, person: str | int, fields: list[str] | None = None,
                  resume: str | None = None, include_resume: bool = True) -> list[str]:
    """What a share names: the chosen (or default) resume, plus any contact fields."""
    items: list[str] = []
    if resume:
        items.append(f"document:{vault.documents.get(resume).uuid}")
    elif include_resume:
        doc = vault.documents.default_resume(person)
        if doc is None and not fields:
            raise ValidationError("resume", "this person has no resume stored; add one or share contact fields")
        if doc is not None:
            items.append(f"document:{doc.uuid}")
    items.extend(f.strip().lower() for f in (fields or []) if f.strip())
    return items


def represent_days(vault: Vault) -> int:
    try:
        return int(vault.setting("sharing.represent_days", str(DEFAULT_REPRESENT_DAYS)) or DEFAULT_REPRESENT_DAYS)
    except ValueError:
        return DEFAULT_REPRESENT_DAYS


def represent_warnings(vault: Vault, person_id: int, recipient_id: int) -> list[str]:
    """A warning (never a refusal) when this person already went to this organisation recently."""
    rec = vault.recipients.get(recipient_id)
    days = represent_days(vault)
    if days <= 0:
        return []
    since = iso_ms(vault.clock.now() - timedelta(days=days))
    if rec.organisation_id is not None:
        where, target, who = "s.organisation_id = ?", rec.organisation_id, rec.organisation
    else:
        where, target, who = "s.recipient_id = ?", rec.id, rec.name
    rows = vault.conn.execute(
        f"SELECT s.created_at FROM shares s WHERE s.person_id = ? AND {where} AND s.created_at >= ? "
        "ORDER BY s.created_at DESC LIMIT 1",
        (person_id, target, since),
    ).fetchall()
    if not rows:
        return []
    return [f"this person was already sent to {who} on {day(rows[0][0])}, within the {days}-day "
            "right-to-represent window"]


def _entry_name(file_name: str, taken: set[str]) -> str:
    name = safe_file_name(file_name).replace("/", "_")
    if name.startswith(".") or name.lower() in RESERVED:
        name = f"resume-{name.lstrip('.') or 'document'}"
    base, ext = os.path.splitext(name)
    candidate, n = name, 2
    while candidate.lower() in taken:
        candidate = f"{base}-{n}{ext}"
        n += 1
    taken.add(candidate.lower())
    return candidate


def _vcard(person: Any, points: dict[str, list[str]], auth_id: str, package_id: str) -> bytes:
    card = vobject.vCard()
    card.add("fn").value = person.full_name
    given = person.given_name or ""
    family = person.family_name or ""
    if not (given or family):
        parts = person.full_name.split()
        given, family = (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (person.full_name, "")
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    for value in points.get("email", []):
        card.add("email").value = value
    for value in points.get("phone", []):
        card.add("tel").value = value
    for value in points.get("address", []):
        card.add("adr").value = vobject.vcard.Address(street=value)
    for value in points.get("link", []):
        card.add("url").value = value
    card.add("note").value = (f"Shared under authorisation {auth_id} (package {package_id}). "
                              "Not for onward distribution.")
    return card.serialize().encode("utf-8")


def _readme(manifest: dict[str, Any], identity: PublicIdentity, file_names: list[str]) -> bytes:
    sender, recipient, auth = manifest["sender"], manifest["recipient"], manifest["authorisation"]
    lines = [
        f"Contact Vault share package {manifest['package_id']}",
        "",
        f"From:    {sender['name']}" + (f" ({sender['organisation']})" if sender["organisation"] else "")
        + (f" <{sender['email']}>" if sender["email"] else ""),
        f"To:      {recipient['name']}" + (f" ({recipient['organisation']})" if recipient["organisation"] else ""),
        f"Created: {manifest['created_at']}",
        f"Purpose: {auth['purpose']}",
        f"Shared under authorisation {auth['id']} (obtained {day(auth['obtained_at'])}, "
        f"valid until {day(auth['valid_until'])}).",
        "",
        "NOT FOR ONWARD DISTRIBUTION. The person agreed to share this with the recipient above only.",
        "",
        "Files:",
        *[f"  {name}" for name in file_names],
        f"  {MANIFEST}  (what the signature covers: every file's size and SHA-256)",
        f"  {SIGNATURE}  (minisign signature of {MANIFEST})",
        f"  {SUMS}  (SHA-256 of every file except itself)",
        "",
        "How to check this package (no Contact Vault needed):",
        "",
        "1. The signature, with minisign (https://jedisct1.github.io/minisign/):",
        "",
        f"     minisign -Vm {MANIFEST} -P {identity.minisign_base64()}",
        "",
        f"   The same key is in {SENDER_KEY} (minisign -Vm {MANIFEST} -p {SENDER_KEY}). Compare it, or the",
        f"   fingerprint {identity.fingerprint}, with what the sender gave you by another channel.",
        "",
        "2. Every file's checksum:",
        "",
        f"     sha256sum -c {SUMS}",
        "",
        f"   and compare the checksums with those listed in the signed {MANIFEST}.",
        "",
        "3. With Contact Vault:  contact-vault verify PACKAGE.zip --sender-key sender.pub",
        "",
        "The PDFs carry a band on every page naming the authorisation and this package. If they ask",
        "for a password, the sender gives it to you by another channel (never in the same e-mail).",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def _sums(files: dict[str, bytes]) -> bytes:
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files.items()).encode()


def _zip_bytes(files: dict[str, bytes], created_at: str) -> bytes:
    moment = parse_iso(created_at)
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def stamp_text_for(vault: Vault, recipient_label: str, auth: Authorisation, package_id: str, now: str) -> StampText:
    """What the band on every page says (also used by the share wizard's preview)."""
    owner = vault.owner
    sender = owner.name + (f" ({owner.organisation})" if owner.organisation else "")
    return StampText(
        sender=sender, recipient=recipient_label, shared_on=now[:10], purpose=auth.purpose,
        authorisation_id=auth.uuid, method=auth.method, obtained_on=day(auth.obtained_at),
        valid_until=day(auth.valid_until), package_id=package_id,
    )


def build_share(
    vault: Vault,
    person: str | int,
    recipient: str | int,
    items: list[str],
    out: str | os.PathLike[str],
    *,
    pdf_password: str | None = None,
) -> ShareResult:
    """Check the share, then build, sign and write the package and record it in the ledger.

    The package file is written inside the ledger transaction: either both exist or neither.
    """
    person_id = vault.people.resolve(person)
    rec = vault.recipients.get(recipient)
    wanted = vault.authorisations.clean_items(person_id, items)
    auth = vault.authorisations.check(person_id, rec.id, wanted)
    who = vault.people.get(person_id)
    now = vault.now()
    package_id = str(uuidlib.uuid4())
    identity = vault.owner.identity
    owner = vault.owner
    sender_label = owner.name + (f" ({owner.organisation})" if owner.organisation else "")

    # The check refused (and recorded) a field with no shareable value, so each has one here.
    points = {kind: [p.value for p in who.shareable_points(kind)] for kind in wanted if kind in FIELDS}

    stamp = stamp_text_for(vault, rec.label, auth, package_id, now)
    taken: set[str] = set(RESERVED)
    content: list[PackageFile] = []
    for item in wanted:
        if not item.startswith("document:"):
            continue
        doc = vault.documents.get(item[9:])
        data = vault.documents.data(doc.id)
        name = _entry_name(doc.file_name, taken)
        if doc.mime_type == "application/pdf":
            stamped = stamp_pdf_isolated(data, stamp, file_name=doc.file_name, password=pdf_password or None)
            content.append(PackageFile(name, stamped, "resume", doc.mime_type, doc.sha256, True, bool(pdf_password)))
        else:
            content.append(PackageFile(name, data, "resume", doc.mime_type, doc.sha256, False, False))
    if points:
        content.append(PackageFile(VCARD, _vcard(who, points, auth.uuid, package_id), "contact-card", "text/vcard"))
    item_words = [("resume " + f.name) if f.role == "resume" else "" for f in content]
    item_words = [w for w in item_words if w] + list(points)
    cover = CoverSheet(
        person=who.full_name, sender=sender_label, sender_fingerprint=identity.fingerprint, recipient=rec.label,
        items=item_words, purpose=auth.purpose, method=auth.method, obtained_on=day(auth.obtained_at),
        valid_until=day(auth.valid_until), max_uses=str(auth.max_uses) if auth.max_uses else "no limit",
        authorisation_id=auth.uuid, package_id=package_id, created_at=now,
        evidence=("evidence document and note" if auth.evidence_document_id and auth.evidence_note else
                  "evidence document" if auth.evidence_document_id else
                  "note" if auth.evidence_note else "none recorded"),
    )
    content.append(PackageFile(COVER, cover_sheet_pdf(cover), "authorisation", "application/pdf"))
    content.append(PackageFile(SENDER_KEY, identity.minisign_public_key_file().encode(), "sender-key", "text/plain"))

    checkpoint = checkpoints.create(vault)
    person_json: dict[str, Any] = {"id": who.uuid, "kind": who.kind, "full_name": who.full_name,
                                   "given_name": who.given_name, "family_name": who.family_name}
    person_json.update(points)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "package_id": package_id,
        "created_at": now,
        "kind": "resume" if any(f.role == "resume" for f in content) else "introduction",
        "sender": {"name": owner.name, "organisation": owner.organisation, "email": owner.email,
                   "public_key": identity.minisign_base64(), "fingerprint": identity.fingerprint},
        "recipient": {"id": rec.uuid, "name": rec.name, "organisation": rec.organisation, "email": rec.email},
        "person": person_json,
        "items": wanted,
        "authorisation": {
            "id": auth.uuid, "scope": list(auth.scope), "purpose": auth.purpose, "method": auth.method,
            "obtained_at": auth.obtained_at, "valid_until": auth.valid_until, "max_uses": auth.max_uses,
            "use": auth.uses + 1, "grantee": auth.grantee,
            "recipient": auth.recipient_uuid or None,
            "organisation": auth.organisation_name if auth.organisation_id is not None else None,
        },
        "checkpoint": checkpoint.to_json(),
        "files": [],
    }
    readme = PackageFile(README, _readme(manifest, identity, [f.name for f in content] + [README]), "readme",
                         "text/plain")
    content.append(readme)
    manifest["files"] = [f.entry() for f in content]
    manifest_bytes = rfc8785.dumps(manifest)
    signature = vault.owner_key().minisign(manifest_bytes, trusted_comment=f"package:{package_id} time:{now}")
    files: dict[str, bytes] = {f.name: f.data for f in content}
    files[MANIFEST] = manifest_bytes
    files[SIGNATURE] = signature.encode("utf-8")
    files[SUMS] = _sums(files)
    archive = _zip_bytes(files, now)
    digest = hashlib.sha256(archive).hexdigest()
    warnings = represent_warnings(vault, person_id, rec.id)
    share_uuid = str(uuidlib.uuid4())
    target = Path(out)
    _record_and_write(vault, share_uuid, person_id, who.uuid, rec, auth, wanted, package_id, digest, now,
                      bool(pdf_password), bool(warnings), target, archive)
    return ShareResult(package_id, share_uuid, target, digest, vault.authorisations.get(auth.id),
                       [f.entry() for f in content], warnings)


def _record_and_write(vault: Vault, share_uuid: str, person_id: int, person_uuid: str, rec: Any,
                      auth: Authorisation, wanted: list[str], package_id: str, digest: str, now: str,
                      has_password: bool, warned: bool, target: Path, archive: bytes) -> None:
    """The ledger row and its audit event commit first; only then does the file take its name."""
    with staged_file(target, archive), vault.transaction() as conn:
        conn.execute(
            "INSERT INTO shares (uuid, person_id, recipient_id, organisation_id, authorisation_id, items, purpose, "
            "package_id, package_sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (share_uuid, person_id, rec.id, rec.organisation_id, auth.id, json.dumps(wanted), auth.purpose,
             package_id, digest, now),
        )
        vault.record("share.created", "person", person_uuid, {
            "share": share_uuid, "package": package_id, "package_sha256": digest, "recipient": rec.uuid,
            "authorisation": auth.uuid, "items": wanted, "pdf_password": has_password,
            "represent_warning": warned,
        })
        vault.introductions.on_share(person_id, auth.id, rec.id)


# --- reading --------------------------------------------------------------------------------


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

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.ok, "package_id": self.package_id, "key_source": self.key_source,
                "sender": self.sender, "recipient": self.recipient, "person": self.person,
                "authorisation": self.authorisation, "files": self.files, "problems": self.problems}

    def summary(self) -> str:
        lines = [f"Package {self.package_id or '(unknown)'}: {'VALID' if self.ok else 'NOT VALID'}"]
        if self.sender:
            lines.append(f"  from {self.sender.get('name')} ({self.sender.get('organisation') or '-'}), key "
                         f"{self.sender.get('fingerprint')} [{self.key_source}]")
        if self.recipient:
            lines.append(f"  to {self.recipient.get('name')} ({self.recipient.get('organisation') or '-'})")
        if self.person:
            lines.append(f"  about {self.person}")
        if self.authorisation:
            a = self.authorisation
            lines.append(f"  authorisation {a.get('id')} ({a.get('method')}, obtained {day(a.get('obtained_at'))}, "
                         f"valid until {day(a.get('valid_until'))}); purpose: {a.get('purpose')}")
        for f in self.files:
            lines.append(f"  {f['status']:8} {f['name']} ({f['size']} bytes)")
        lines.extend(f"  problem: {p}" for p in self.problems)
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


def _shape_ok(manifest: dict[str, Any]) -> bool:
    """The fields this version reads have the types it expects (a signer may still be hostile)."""
    files, sender, auth = manifest.get("files"), manifest.get("sender"), manifest.get("authorisation")
    person, recipient = manifest.get("person", {}), manifest.get("recipient", {})
    if not (isinstance(files, list) and all(isinstance(f, dict) and isinstance(f.get("name"), str)
                                            and isinstance(f.get("size"), int) and isinstance(f.get("sha256"), str)
                                            for f in files)):
        return False
    if not (isinstance(sender, dict) and isinstance(sender.get("public_key"), str)):
        return False
    if not (isinstance(auth, dict) and isinstance(auth.get("obtained_at"), str)
            and isinstance(auth.get("scope"), list) and isinstance(auth.get("valid_until"), str | None)):
        return False
    if not (isinstance(person, dict) and isinstance(recipient, dict)
            and all(isinstance(person.get(k, []), list) for k in FIELDS)):
        return False
    return isinstance(manifest.get("package_id"), str) and isinstance(manifest.get("items", []), list)


def verify_entries(entries: dict[str, bytes], *, sender_key: str | None, now: str) -> VerifyReport:
    report = VerifyReport()
    for required in (MANIFEST, SIGNATURE):
        if required not in entries:
            report.problems.append(f"{required} is missing")
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
    # Signed: now the manifest may be parsed.
    try:
        manifest = json.loads(entries[MANIFEST])
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not _shape_ok(manifest):
            raise ValueError("unknown format")
        files = manifest["files"]
        sender = manifest["sender"]
        auth = manifest["authorisation"]
    except (ValueError, KeyError, TypeError):
        report.problems.append(f"{MANIFEST} is signed but is not a Contact Vault manifest this version reads")
        return report
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
    return report


def verify_package(path: str | os.PathLike[str], *, sender_key: str | None = None, now: str) -> VerifyReport:
    """Structure, signature, every file's hash and the expiry; problems name what failed."""
    try:
        entries = read_entries(path)
    except PackageInvalid as exc:
        return VerifyReport(problems=[exc.reason])
    return verify_entries(entries, sender_key=sender_key, now=now)


# --- importing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    person_id: str
    package_id: str
    authorisation_id: str
    sender_recipient_id: str
    documents: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.person_id, "package_id": self.package_id, "authorisation": self.authorisation_id,
                "sender": self.sender_recipient_id, "documents": self.documents}


def import_package(vault: Vault, path: str | os.PathLike[str], *, sender_key: str | None = None,
                   max_entry: int = MAX_ENTRY_BYTES, max_total: int = MAX_TOTAL_BYTES) -> ImportResult:
    """Verify everything, then add the person (locked) with the upstream authorisation, in one transaction."""
    entries = read_entries(path, max_entry=max_entry, max_total=max_total)
    report = verify_entries(entries, sender_key=sender_key, now=vault.now())
    if not report.ok:
        raise PackageInvalid("; ".join(report.problems[:3]))
    manifest = report.manifest
    package_id = report.package_id
    if vault.conn.execute("SELECT 1 FROM people WHERE origin = ?", (f"package:{package_id}",)).fetchone():
        raise PackageInvalid(f"package {package_id} was already imported")
    person = manifest.get("person") or {}
    if not str(person.get("full_name", "")).strip():
        raise PackageInvalid(f"{MANIFEST} names no person")
    sender = manifest["sender"]
    upstream_auth = manifest["authorisation"]
    if sender_key is None and vault.recipients.find_by_key(sender["public_key"]) is None:
        for known in vault.recipients.list():
            if known.public_key and known.name.casefold() == str(sender.get("name", "")).casefold():
                raise PackageInvalid(
                    f"it claims to come from {known.name}, but is signed with a different key than the one on "
                    "file for them; confirm their new key by another channel and pass it with --sender-key")
    docs = [(f["name"], entries[f["name"]]) for f in manifest["files"] if f.get("role") == "resume"]
    cover = entries.get(COVER)
    prepared = {name: vault.documents.prepare(data, name) for name, data in docs}
    cover_prepared = vault.documents.prepare(cover, COVER) if cover is not None else None
    points = [
        NewContactPoint(kind, str(value), source="package", source_detail=f"package {package_id}")
        for kind in FIELDS for value in (person.get(kind) or [])
    ]
    with vault.transaction():
        rec = vault.recipients.find_by_key(sender["public_key"])
        if rec is None:
            rec = vault.recipients.find_by_name(str(sender.get("name", "")))
            if rec is not None and rec.public_key and rec.public_key != sender["public_key"]:
                rec = None
            elif rec is not None and not rec.public_key:
                rec = vault.recipients.update(rec.id, public_key=sender["public_key"])
        if rec is None:
            rec = vault.recipients.add(str(sender.get("name") or "Unknown sender"), email=str(sender.get("email", "")),
                                       organisation=str(sender.get("organisation", "")) or None,
                                       public_key=sender["public_key"],
                                       notes=f"Added when importing package {package_id}")
        kind = person.get("kind") if person.get("kind") in ("candidate", "contact") else "candidate"
        added = vault.people.add(
            PersonFields(full_name=str(person["full_name"]), kind=kind, given_name=str(person.get("given_name", "")),
                         family_name=str(person.get("family_name", "")), sharing_policy="locked"),
            points, origin=f"package:{package_id}",
        )
        stored = [vault.documents.add_bytes(added.id, data, name, role="resume", prepared=prepared[name]).uuid
                  for name, data in docs]
        # The manifest lists resumes in the order the items named them: map sender ids to ours.
        resume_items = [str(i) for i in manifest.get("items", []) if str(i).startswith("document:")]
        doc_map = {item: f"document:{doc_uuid}" for item, doc_uuid in zip(resume_items, stored, strict=False)}
        evidence = None
        if cover is not None:
            evidence = vault.documents.add_bytes(added.id, cover, COVER, role="evidence", prepared=cover_prepared).uuid
        scope = [doc_map.get(t, t) for t in upstream_auth.get("scope", []) if not str(t).startswith("document:")
                 or t in doc_map]
        auth = vault.authorisations.log(
            added.id, scope=scope or ["resume"], purpose=str(upstream_auth.get("purpose") or "received package"),
            method="upstream", obtained_at=str(upstream_auth["obtained_at"]),
            recipient=rec.id, valid_until=upstream_auth.get("valid_until"), evidence_document=evidence,
            evidence_note=f"Received in package {package_id} from {sender.get('name')}",
            upstream={"package_id": package_id, "created_at": manifest.get("created_at"), "sender": sender,
                      "recipient": manifest.get("recipient"), "authorisation": upstream_auth},
        )
        vault.record("package.imported", "person", added.uuid, {
            "package": package_id, "sender": rec.uuid, "sender_key": sender.get("fingerprint"),
            "documents": stored, "authorisation": auth.uuid,
        })
    return ImportResult(added.uuid, package_id, auth.uuid, rec.uuid, stored)

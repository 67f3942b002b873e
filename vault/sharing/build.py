"""Building a share package: check, stamp, sign, and write it whole with its ledger row.

A package is a zip a recipient can check without Contact Vault:

- the shared resume(s): PDFs stamped on every page (stamping.py), other formats as they are;
- ``contact.vcf`` with only the authorised contact fields, when fields are shared;
- ``authorisation.pdf``: the cover sheet; ``sender.pub``: the sender's minisign public key;
- ``verify.html``: a self-contained offline page that checks the package in any browser;
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
import stat
import uuid as uuidlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rfc8785
import vobject

from vault.atomic import staged_file
from vault.audit import checkpoints
from vault.authorisations import Authorisation, day
from vault.clock import parse_iso
from vault.identity import PublicIdentity
from vault.name_check import visible

from .package_format import COVER, FORMAT, MANIFEST, README, SENDER_KEY, SIGNATURE, SUMS, VCARD, VERIFY_PAGE
from .plan import PackageFile, plan_share
from .stamping import CoverSheet, cover_sheet_pdf
from .verify_page import verify_page

if TYPE_CHECKING:
    from vault.store import Vault


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


def _vcard(person: Any, points: dict[str, list[str]], auth_id: str, package_id: str, candidate: str = "") -> bytes:
    card = vobject.vCard()
    full_name = visible(candidate or person.full_name)  # nothing hidden or reordered in a name that leaves
    card.add("fn").value = full_name
    given = "" if candidate else visible(person.given_name or "")
    family = candidate if candidate else visible(person.family_name or "")
    if not (given or family):
        parts = full_name.split()
        given, family = (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (full_name, "")
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
        f"0. The easiest way: open {VERIFY_PAGE} (from this package) in your web browser and drop this",
        "   zip file on it. It checks the signature and every file on your computer, offline, and says",
        "   VALID or NOT VALID, who consented, to whom and until when. It cannot vouch for itself, so",
        "   compare the key fingerprint it shows with the one the sender gave you by another channel.",
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


def build_share(
    vault: Vault,
    person: str | int,
    recipient: str | int,
    items: list[str],
    out: str | os.PathLike[str],
    *,
    pdf_password: str | None = None,
    anonymise: bool = False,
    words: list[str] | tuple[str, ...] = (),
) -> ShareResult:
    """Check the share, then build, sign and write the package and record it in the ledger.

    The package file is written inside the ledger transaction: either both exist or neither.
    ``anonymise`` makes a blind CV (the name becomes a candidate reference everywhere in the
    package); ``words`` are further words to redact from the documents.
    """
    target = vault.output_path(out)
    now = vault.now()
    package_id = str(uuidlib.uuid4())
    plan = plan_share(vault, person, recipient, items, package_id=package_id, now=now, pdf_password=pdf_password,
                      anonymise=anonymise, words=words)
    person_id, who, rec, auth, wanted, points = (plan.person.id, plan.person, plan.recipient, plan.authorisation,
                                                 plan.items, plan.points)
    identity = vault.owner.identity
    owner = vault.owner
    sender_label = owner.name + (f" ({owner.organisation})" if owner.organisation else "")
    content: list[PackageFile] = list(plan.documents)
    if points:
        content.append(PackageFile(VCARD, _vcard(who, points, auth.uuid, package_id, plan.candidate), "contact-card",
                                   "text/vcard"))
    item_words = [("resume " + f.name) if f.role == "resume" else "" for f in content]
    item_words = [w for w in item_words if w] + list(points)
    cover = CoverSheet(
        person=visible(plan.shown_name), sender=visible(sender_label), sender_fingerprint=identity.fingerprint,
        recipient=visible(rec.label), items=[visible(w) for w in item_words], purpose=visible(auth.purpose),
        method=auth.method, obtained_on=day(auth.obtained_at),
        valid_until=day(auth.valid_until), max_uses=str(auth.max_uses) if auth.max_uses else "no limit",
        authorisation_id=auth.uuid, package_id=package_id, created_at=now,
        evidence=("evidence document and note" if auth.evidence_document_id and auth.evidence_note else
                  "evidence document" if auth.evidence_document_id else
                  "note" if auth.evidence_note else "none recorded"),
    )
    content.append(PackageFile(COVER, cover_sheet_pdf(cover), "authorisation", "application/pdf"))
    content.append(PackageFile(SENDER_KEY, identity.minisign_public_key_file().encode(), "sender-key", "text/plain"))
    content.append(PackageFile(VERIFY_PAGE, verify_page(), "verify-page", "text/html"))

    checkpoint = checkpoints.create(vault)
    person_json: dict[str, Any] = {"id": who.uuid, "kind": who.kind, "full_name": who.full_name,
                                   "given_name": who.given_name, "family_name": who.family_name}
    if plan.candidate:  # a blind CV: the name never leaves, the reference stands for it
        person_json.update({"full_name": plan.candidate, "given_name": "", "family_name": "",
                            "anonymised": True})
    person_json.update(points)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "package_id": package_id,
        "created_at": now,
        "kind": "resume" if any(f.role == "resume" for f in content) else "introduction",
        "sender": {"name": owner.name, "organisation": owner.organisation, "email": owner.email,
                   "public_key": identity.minisign_base64(), "fingerprint": identity.fingerprint},
        "recipient": {"id": rec.uuid, "name": rec.name, "organisation": rec.organisation, "email": rec.email,
                      # Lets the receiving vault check the package was made for its owner.
                      **({"public_key": rec.public_key} if rec.public_key else {})},
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
    warnings = plan.warnings
    share_uuid = str(uuidlib.uuid4())
    target = Path(out)
    redactions = [dict(f.redactions) for f in plan.documents]
    _record_and_write(vault, share_uuid, person_id, who.uuid, rec, auth, wanted, package_id, digest, now,
                      bool(pdf_password), bool(warnings), target, archive,
                      {"redactions": redactions, "anonymised": bool(plan.candidate)})
    return ShareResult(package_id, share_uuid, target, digest, vault.authorisations.get(auth.id),
                       [f.entry() for f in content], warnings)


def _record_and_write(vault: Vault, share_uuid: str, person_id: int, person_uuid: str, rec: Any,
                      auth: Authorisation, wanted: list[str], package_id: str, digest: str, now: str,
                      has_password: bool, warned: bool, target: Path, archive: bytes,
                      content: dict[str, Any] | None = None) -> None:
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
            # What was removed from each shared document, by kind: counts only, never values.
            **(content or {}),
        })
        vault.introductions.on_share(person_id, auth.id, rec.id)

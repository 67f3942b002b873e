"""Importing a package received from another recruiter: everything verified before anything is
written, the person added locked with the upstream authorisation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vault.authorisations import FIELDS
from vault.errors import PackageInvalid
from vault.people import NewContactPoint, PersonFields

from .package_format import COVER, MANIFEST, MAX_ENTRY_BYTES, MAX_TOTAL_BYTES
from .verify import read_entries, verify_entries

if TYPE_CHECKING:
    from vault.store import Vault


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


def was_imported(vault: Vault, package_id: str) -> bool:
    """True once a package was imported, even if the person it brought was erased since."""
    conn = vault.conn
    return bool(conn.execute("SELECT 1 FROM imported_packages WHERE package_id = ?", (package_id,)).fetchone()
                or conn.execute("SELECT 1 FROM people WHERE origin = ?", (f"package:{package_id}",)).fetchone())


def remember_package(vault: Vault, package_id: str) -> None:
    """Inside the import's transaction: the id outlives the person (schema 4)."""
    vault.conn.execute("INSERT INTO imported_packages (package_id, imported_at) VALUES (?, ?)",
                       (package_id, vault.now()))


def import_package(vault: Vault, path: str | os.PathLike[str], *, sender_key: str | None = None,
                   max_entry: int = MAX_ENTRY_BYTES, max_total: int = MAX_TOTAL_BYTES,
                   despite_erasure: bool = False, allow_duplicate: bool = False) -> ImportResult:
    """Verify everything, then add the person (locked) with the upstream authorisation, in one transaction.

    The person passes the same gate as any other (suppression list, duplicates); a package id
    is refused a second time whatever happened to its person since."""
    entries = read_entries(path, max_entry=max_entry, max_total=max_total)
    report = verify_entries(entries, sender_key=sender_key, now=vault.now())
    if not report.ok:
        raise PackageInvalid("; ".join(report.problems[:3]))
    manifest = report.manifest
    package_id = report.package_id
    if was_imported(vault, package_id):
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
            points, origin=f"package:{package_id}", despite_erasure=despite_erasure,
            allow_duplicate=allow_duplicate,
        )
        remember_package(vault, package_id)
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

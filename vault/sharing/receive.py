"""Importing a package received from another recruiter: everything verified before anything is
written, the person added locked with the upstream authorisation.

A valid signature only says the package was signed by the key inside it. So before anything is
written the import also checks that the package was made for this vault's owner, that the
sender's names hide nothing and do not imitate a known recipient, and that the key is trusted
for that sender: already on their record, or given by the user (``sender_key``, or
``trust_fingerprint`` after comparing it out of band). A key is never pinned silently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vault.authorisations import FIELDS
from vault.contact_points import normalise_email
from vault.errors import PackageInvalid, PackageMisaddressed, SenderUntrusted, ValidationError
from vault.identity import PublicIdentity
from vault.name_check import same_name, unsafe_characters, visible
from vault.people import NewContactPoint, PersonFields
from vault.recipients import Recipient

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
    sender_fingerprint: str = ""
    key_pinned: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"id": self.person_id, "package_id": self.package_id, "authorisation": self.authorisation_id,
                "sender": self.sender_recipient_id, "documents": self.documents,
                "sender_fingerprint": self.sender_fingerprint, "key_pinned": self.key_pinned}


def _label(party: dict[str, Any]) -> str:
    """A party named by a manifest, safe to print."""
    text = visible(str(party.get("name") or "(no name)"))
    if party.get("organisation"):
        text += f" ({visible(str(party['organisation']))})"
    if party.get("email"):
        text += f" <{visible(str(party['email']))}>"
    return text


def check_party_names(party: dict[str, Any], role: str, parts: tuple[str, ...] = ("name", "organisation")) -> None:
    """A name that hides characters could show one thing and be another: refuse it."""
    for part in parts:
        bad = unsafe_characters(str(party.get(part) or ""))
        if bad:
            raise PackageInvalid(f"the {role}'s {part} '{visible(str(party.get(part)))}' contains invisible or "
                                 f"text-direction characters ({', '.join(bad)}), which could make it pass for "
                                 "someone else")


def check_addressee(vault: Vault, recipient: dict[str, Any]) -> None:
    """The package must name this vault's owner: their key where the sender had it, else their e-mail."""
    owner = vault.owner
    named_key = str(recipient.get("public_key") or "")
    owner_label = owner.name + (f" <{owner.email}>" if owner.email else ", no e-mail set for the owner")
    if named_key:
        try:
            ours = PublicIdentity.from_minisign(named_key).public_key == owner.identity.public_key
        except ValidationError:
            ours = False
        if ours:
            return
        raise PackageMisaddressed(_label(recipient) + " (another key)", owner_label)
    try:
        email = normalise_email(str(recipient.get("email") or "")) if recipient.get("email") else ""
    except ValidationError:
        email = ""
    if email and owner.email and email.casefold() == owner.email.casefold():
        return
    raise PackageMisaddressed(_label(recipient), owner_label)


def trusted_sender(vault: Vault, sender: dict[str, Any], *, key_given: bool,
                   trust_fingerprint: str | None) -> tuple[Recipient | None, bool]:
    """(the recipient the sender is, whether its key is to be pinned on it now), or a refusal.

    A key already on a current recipient's record identifies the sender. Otherwise the name must
    not read as, or look like, a known recipient with another key, and the user must have said to
    trust this key; it is then pinned on the one recipient of that name without a key (an explicit,
    audited act), or a new recipient is added.
    """
    key = str(sender["public_key"])
    fingerprint = PublicIdentity.from_minisign(key).fingerprint
    if trust_fingerprint is not None:
        wanted = "".join(trust_fingerprint.split()).lower()
        if wanted != fingerprint:
            raise PackageInvalid(f"it is signed with key {fingerprint}, not with the key {visible(wanted)} you said "
                                 "to trust")
    known = vault.recipients.find_by_key(key)
    if known is not None:
        return known, False
    claimed = str(sender.get("name") or "")
    for other in vault.recipients.lookalikes(claimed):
        held = f"key {other.fingerprint}" if other.fingerprint else "no key on file"
        raise PackageInvalid(f"the sender calls itself '{visible(claimed)}', which looks like {other.name} ({held}) "
                             "but is written with different characters; it is not imported. If it really is "
                             "someone else, they must use a name that can be told apart")
    same = [r for r in vault.recipients.list() if same_name(r.name, claimed)]
    keyed = [r for r in same if r.public_key]
    if keyed:
        raise PackageInvalid(
            f"it claims to come from {keyed[0].name}, but is signed with key {fingerprint}, not the key on file for "
            f"them ({keyed[0].fingerprint}). If they really have a new key, confirm it with them by another channel "
            "and record it on their record (recipient edit --public-key), then import again")
    if not (key_given or trust_fingerprint is not None):
        raise SenderUntrusted(_label(sender), fingerprint)
    if len(same) == 1:
        return same[0], True
    return None, False


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
                   trust_fingerprint: str | None = None,
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
    check_party_names(sender, "sender")
    check_party_names(person, "person", ("full_name", "given_name", "family_name"))
    check_addressee(vault, manifest.get("recipient") or {})
    known, pin = trusted_sender(vault, sender, key_given=sender_key is not None, trust_fingerprint=trust_fingerprint)
    docs = [(f["name"], entries[f["name"]]) for f in manifest["files"] if f.get("role") == "resume"]
    cover = entries.get(COVER)
    prepared = {name: vault.documents.prepare(data, name) for name, data in docs}
    cover_prepared = vault.documents.prepare(cover, COVER) if cover is not None else None
    points = [
        NewContactPoint(kind, str(value), source="package", source_detail=f"package {package_id}")
        for kind in FIELDS for value in (person.get(kind) or [])
    ]
    with vault.transaction():
        rec = known
        try:
            if rec is not None and pin:
                rec = vault.recipients.update(rec.id, public_key=sender["public_key"])
            elif rec is None:
                rec = vault.recipients.add(str(sender.get("name") or "Unknown sender"),
                                           email=str(sender.get("email", "")),
                                           organisation=str(sender.get("organisation", "")) or None,
                                           public_key=sender["public_key"],
                                           notes=f"Added when importing package {package_id}")
        except ValidationError as exc:
            raise PackageInvalid(f"the sender cannot be recorded ({visible(str(exc))})") from exc
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
            "documents": stored, "authorisation": auth.uuid, "key_pinned": pin,
            "trusted_by": "key on file" if known is not None and not pin else
                          "key given" if sender_key is not None else "fingerprint confirmed",
        })
    return ImportResult(added.uuid, package_id, auth.uuid, rec.uuid, stored,
                        PublicIdentity.from_minisign(sender["public_key"]).fingerprint, pin)

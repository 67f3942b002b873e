"""Organisations and recipients: the recruiters and clients that share packages go to.

A recipient may carry a minisign (Ed25519) public key so that what they send back can be
verified. Recipients resolve by UUID prefix, exact name or exact e-mail, so the CLI can take
whatever the recruiter remembers.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from .contact_points import normalise_email
from .errors import Ambiguous, NotFound, ValidationError
from .identity import PublicIdentity
from .lookup import find_by_uuid_prefix

if TYPE_CHECKING:
    from .store import Vault

MAX_NAME = 200


@dataclass(frozen=True)
class Organisation:
    id: int
    uuid: str
    name: str
    website: str
    notes: str
    created_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "id": self.uuid}


@dataclass(frozen=True)
class Recipient:
    id: int
    uuid: str
    name: str
    email: str
    organisation_id: int | None
    organisation: str
    public_key: str
    notes: str
    created_at: str
    updated_at: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name

    def identity(self) -> PublicIdentity | None:
        return PublicIdentity.from_minisign(self.public_key) if self.public_key else None

    def to_json(self) -> dict[str, Any]:
        data = {**self.__dict__, "id": self.uuid}
        data.pop("organisation_id")
        return data


_ORG_COLUMNS = "id, uuid, name, website, notes, created_at, updated_at"
_REC_SELECT = (
    "SELECT r.id, r.uuid, r.name, r.email, r.organisation_id, coalesce(o.name, ''), r.public_key, r.notes, "
    "r.created_at, r.updated_at FROM recipients r LEFT JOIN organisations o ON o.id = r.organisation_id"
)


def _text(field: str, value: str, *, required: bool = False, limit: int = MAX_NAME) -> str:
    value = " ".join(value.split()) if field != "notes" else value.strip()
    if required and not value:
        raise ValidationError(field, "is required")
    if len(value) > limit:
        raise ValidationError(field, f"is longer than {limit} characters")
    if "\x00" in value:
        raise ValidationError(field, "contains a NUL character")
    return value


def clean_public_key(text: str) -> str:
    """Store only the base64 line of a minisign public key (validated)."""
    if not text.strip():
        return ""
    return PublicIdentity.from_minisign(text).minisign_base64()


class RecipientService:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    # --- organisations ----------------------------------------------------------------------

    def resolve_organisation(self, ident: str | int) -> int:
        conn = self.vault.conn
        if isinstance(ident, int):
            row = conn.execute("SELECT id FROM organisations WHERE id = ?", (ident,)).fetchone()
            if not row:
                raise NotFound("organisation", str(ident))
            return cast(int, row[0])
        text = str(ident).strip()
        row = conn.execute("SELECT id FROM organisations WHERE name = ? COLLATE NOCASE", (text,)).fetchone()
        if row:
            return cast(int, row[0])
        found = find_by_uuid_prefix(conn, "organisations", "organisation", text.lower())
        if found is None:
            raise NotFound("organisation", text)
        return found

    def organisation(self, ident: str | int) -> Organisation:
        org_id = self.resolve_organisation(ident)
        row = self.vault.conn.execute(f"SELECT {_ORG_COLUMNS} FROM organisations WHERE id = ?", (org_id,)).fetchone()
        return Organisation(*row)

    def organisations(self) -> list[Organisation]:
        rows = self.vault.conn.execute(f"SELECT {_ORG_COLUMNS} FROM organisations ORDER BY name COLLATE NOCASE")
        return [Organisation(*r) for r in rows]

    def add_organisation(self, name: str, website: str = "", notes: str = "") -> Organisation:
        name = _text("organisation", name, required=True)
        website = _text("website", website, limit=500)
        notes = _text("notes", notes, limit=10_000)
        if self.vault.conn.execute("SELECT 1 FROM organisations WHERE name = ? COLLATE NOCASE", (name,)).fetchone():
            raise ValidationError("organisation", f"'{name}' already exists")
        now = self.vault.now()
        org_uuid = str(uuidlib.uuid4())
        with self.vault.transaction() as conn:
            conn.execute(
                "INSERT INTO organisations (uuid, name, website, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (org_uuid, name, website, notes, now, now),
            )
            self.vault.record("organisation.created", "organisation", org_uuid, {})
        return self.organisation(org_uuid)

    def ensure_organisation(self, name: str) -> int:
        """The id of the organisation with this name, created when it is new."""
        try:
            return self.resolve_organisation(_text("organisation", name, required=True))
        except NotFound:
            return self.add_organisation(name).id

    def update_organisation(
        self, ident: str | int, *, name: str | None = None, website: str | None = None, notes: str | None = None
    ) -> Organisation:
        org = self.organisation(ident)
        changes: dict[str, str] = {}
        if name is not None:
            changes["name"] = _text("organisation", name, required=True)
            if self.vault.conn.execute("SELECT 1 FROM organisations WHERE name = ? COLLATE NOCASE AND id != ?",
                                       (changes["name"], org.id)).fetchone():
                raise ValidationError("organisation", f"'{changes['name']}' already exists")
        if website is not None:
            changes["website"] = _text("website", website, limit=500)
        if notes is not None:
            changes["notes"] = _text("notes", notes, limit=10_000)
        changes = {k: v for k, v in changes.items() if getattr(org, k) != v}
        if not changes:
            return org
        with self.vault.transaction() as conn:
            conn.execute(
                f"UPDATE organisations SET {', '.join(f'{k} = ?' for k in changes)}, updated_at = ? WHERE id = ?",
                (*changes.values(), self.vault.now(), org.id),
            )
            self.vault.record("organisation.updated", "organisation", org.uuid, {"fields": sorted(changes)})
        return self.organisation(org.id)

    # --- recipients -------------------------------------------------------------------------

    def resolve(self, ident: str | int) -> int:
        """Recipient id from an id, a UUID (prefix ≥ 4), an exact name or an exact e-mail."""
        conn = self.vault.conn
        if isinstance(ident, int):
            row = conn.execute("SELECT id FROM recipients WHERE id = ?", (ident,)).fetchone()
            if not row:
                raise NotFound("recipient", str(ident))
            return cast(int, row[0])
        text = str(ident).strip()
        found = find_by_uuid_prefix(conn, "recipients", "recipient", text.lower())
        if found is not None:
            return found
        rows = conn.execute(
            "SELECT id FROM recipients WHERE name = ? COLLATE NOCASE OR (email != '' AND email = ? COLLATE NOCASE) "
            "LIMIT 2",
            (" ".join(text.split()), text),
        ).fetchall()
        if not rows:
            raise NotFound("recipient", text)
        if len(rows) > 1:
            raise Ambiguous("recipient", text, len(rows))
        return cast(int, rows[0][0])

    def get(self, ident: str | int) -> Recipient:
        rec_id = self.resolve(ident)
        return Recipient(*self.vault.conn.execute(f"{_REC_SELECT} WHERE r.id = ?", (rec_id,)).fetchone())

    def list(self, organisation: str | int | None = None) -> list[Recipient]:
        if organisation is not None:
            org_id = self.resolve_organisation(organisation)
            rows = self.vault.conn.execute(
                f"{_REC_SELECT} WHERE r.organisation_id = ? ORDER BY r.name COLLATE NOCASE", (org_id,)
            )
        else:
            rows = self.vault.conn.execute(f"{_REC_SELECT} ORDER BY r.name COLLATE NOCASE")
        return [Recipient(*r) for r in rows]

    def find_by_name(self, name: str) -> Recipient | None:
        """The one recipient with exactly this name (case aside), or None. Unlike ``resolve`` it
        never matches an e-mail or a UUID prefix: a package's sender names itself, and must not
        pass for someone else by naming their address."""
        rows = self.vault.conn.execute(f"{_REC_SELECT} WHERE r.name = ? COLLATE NOCASE LIMIT 2",
                                       (" ".join(name.split()),)).fetchall()
        return Recipient(*rows[0]) if len(rows) == 1 else None

    def find_by_key(self, public_key: str) -> Recipient | None:
        row = self.vault.conn.execute(f"{_REC_SELECT} WHERE r.public_key = ? LIMIT 1", (public_key,)).fetchone()
        return Recipient(*row) if row else None

    def add(
        self,
        name: str,
        *,
        email: str = "",
        organisation: str | int | None = None,
        public_key: str = "",
        notes: str = "",
    ) -> Recipient:
        """Add a recipient; a new organisation name is created on the way (same transaction)."""
        name = _text("name", name, required=True)
        email = normalise_email(email) if email.strip() else ""
        key = clean_public_key(public_key)
        notes = _text("notes", notes, limit=10_000)
        now = self.vault.now()
        rec_uuid = str(uuidlib.uuid4())
        with self.vault.transaction() as conn:
            org_id = None
            if isinstance(organisation, int):
                org_id = self.resolve_organisation(organisation)
            elif organisation and organisation.strip():
                org_id = self.ensure_organisation(organisation)
            conn.execute(
                "INSERT INTO recipients (uuid, name, email, organisation_id, public_key, notes, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (rec_uuid, name, email, org_id, key, notes, now, now),
            )
            self.vault.record("recipient.created", "recipient", rec_uuid,
                              {"has_key": bool(key), "has_organisation": org_id is not None})
        return self.get(rec_uuid)

    def update(
        self,
        ident: str | int,
        *,
        name: str | None = None,
        email: str | None = None,
        organisation: str | None = None,
        public_key: str | None = None,
        notes: str | None = None,
    ) -> Recipient:
        rec = self.get(ident)
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = _text("name", name, required=True)
        if email is not None:
            changes["email"] = normalise_email(email) if email.strip() else ""
        if public_key is not None:
            changes["public_key"] = clean_public_key(public_key)
        if notes is not None:
            changes["notes"] = _text("notes", notes, limit=10_000)
        changes = {k: v for k, v in changes.items() if getattr(rec, k) != v}
        with self.vault.transaction() as conn:
            if organisation is not None:
                org_id = self.ensure_organisation(organisation) if organisation.strip() else None
                if org_id != rec.organisation_id:
                    changes["organisation_id"] = org_id
            if not changes:
                return rec
            conn.execute(
                f"UPDATE recipients SET {', '.join(f'{k} = ?' for k in changes)}, updated_at = ? WHERE id = ?",
                (*changes.values(), self.vault.now(), rec.id),
            )
            self.vault.record("recipient.updated", "recipient", rec.uuid, {"fields": sorted(changes)})
        return self.get(rec.id)

"""Organisations and recipients: the recruiters and clients that share packages go to.

A recipient may carry a minisign (Ed25519) public key so that what they send back can be
verified. Recipients resolve by UUID prefix, exact name or exact e-mail, so the CLI can take
whatever the recruiter remembers.

Who an authorisation names is fixed when it is logged (docs/design.md §2 rule 2): once an
authorisation or a share names a recipient, its name, e-mail and organisation are frozen (and
so is the name of an organisation named that way). A change is a new record that supersedes the
old one; the old one stays, so authorisations and shares keep naming the party as it was. A
recipient nothing names yet may still be corrected. Every change is audited with old and new
values. Which organisation a recipient belonged to, since when and how (added there, an explicit
move, or an edit) is kept in ``recipient_memberships`` for the share check.
"""

from __future__ import annotations

import builtins
import uuid as uuidlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from .contact_points import normalise_email
from .errors import Ambiguous, NotFound, PartyFrozen, ValidationError
from .identity import PublicIdentity
from .lookup import find_by_uuid_prefix
from .name_check import clean_name, looks_like, same_name, visible

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
    superseded_by: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "id": self.uuid, "superseded_by": self.superseded_by or None}


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
    superseded_by: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name

    @property
    def fingerprint(self) -> str:
        """The fingerprint of their key, or '' (what people compare by phone)."""
        ident = self.identity()
        return ident.fingerprint if ident else ""

    def identity(self) -> PublicIdentity | None:
        return PublicIdentity.from_minisign(self.public_key) if self.public_key else None

    def to_json(self) -> dict[str, Any]:
        data = {**self.__dict__, "id": self.uuid, "superseded_by": self.superseded_by or None,
                "fingerprint": self.fingerprint or None}
        data.pop("organisation_id")
        return data


_ORG_COLUMNS = ("o.id, o.uuid, o.name, o.website, o.notes, o.created_at, o.updated_at, coalesce(n.uuid, '') "
                "FROM organisations o LEFT JOIN organisations n ON n.id = o.superseded_by")
_REC_SELECT = (
    "SELECT r.id, r.uuid, r.name, r.email, r.organisation_id, coalesce(o.name, ''), r.public_key, r.notes, "
    "r.created_at, r.updated_at, coalesce(n.uuid, '') FROM recipients r "
    "LEFT JOIN organisations o ON o.id = r.organisation_id LEFT JOIN recipients n ON n.id = r.superseded_by"
)
_NAMES = ("name", "organisation")


def _text(field: str, value: str, *, required: bool = False, limit: int = MAX_NAME) -> str:
    if field in _NAMES:
        value = clean_name(field, value)
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


def _fpr(public_key: str) -> str:
    """A stored key as its fingerprint, for audit details and sentences."""
    return PublicIdentity.from_minisign(public_key).fingerprint if public_key else ""


class RecipientService:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    # --- organisations ----------------------------------------------------------------------

    def resolve_organisation(self, ident: str | int) -> int:
        """Organisation id from an id, an exact name (the current record first) or a UUID prefix."""
        conn = self.vault.conn
        if isinstance(ident, int):
            row = conn.execute("SELECT id FROM organisations WHERE id = ?", (ident,)).fetchone()
            if not row:
                raise NotFound("organisation", str(ident))
            return cast(int, row[0])
        text = str(ident).strip()
        row = conn.execute("SELECT id FROM organisations WHERE name = ? COLLATE NOCASE "
                           "ORDER BY superseded_by IS NOT NULL, id DESC LIMIT 1", (" ".join(text.split()),)).fetchone()
        if row:
            return cast(int, row[0])
        found = find_by_uuid_prefix(conn, "organisations", "organisation", text.lower())
        if found is None:
            raise NotFound("organisation", text)
        return found

    def organisation(self, ident: str | int) -> Organisation:
        org_id = self.resolve_organisation(ident)
        row = self.vault.conn.execute(f"SELECT {_ORG_COLUMNS} WHERE o.id = ?", (org_id,)).fetchone()
        return Organisation(*row)

    def organisations(self, *, include_superseded: bool = False) -> list[Organisation]:
        where = "" if include_superseded else "WHERE o.superseded_by IS NULL "
        rows = self.vault.conn.execute(f"SELECT {_ORG_COLUMNS} {where}ORDER BY o.name COLLATE NOCASE")
        return [Organisation(*r) for r in rows]

    def _organisation_lookalike(self, name: str, exclude: int | None = None) -> None:
        for org in self.organisations():
            if org.id != exclude and looks_like(name, org.name):
                raise ValidationError("organisation", f"'{visible(name)}' looks like {org.name} but is written "
                                      f"with different characters; use {org.name}, or a name that can be told apart")

    def add_organisation(self, name: str, website: str = "", notes: str = "") -> Organisation:
        name = _text("organisation", name, required=True)
        website = _text("website", website, limit=500)
        notes = _text("notes", notes, limit=10_000)
        if self.vault.conn.execute("SELECT 1 FROM organisations WHERE name = ? COLLATE NOCASE "
                                   "AND superseded_by IS NULL", (name,)).fetchone():
            raise ValidationError("organisation", f"'{name}' already exists")
        self._organisation_lookalike(name)
        now = self.vault.now()
        org_uuid = str(uuidlib.uuid4())
        with self.vault.transaction() as conn:
            conn.execute(
                "INSERT INTO organisations (uuid, name, website, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (org_uuid, name, website, notes, now, now),
            )
            self.vault.record("organisation.created", "organisation", org_uuid, {"name": name})
        return self.organisation(org_uuid)

    def ensure_organisation(self, name: str) -> int:
        """The id of the organisation with this name, created when it is new."""
        try:
            return self.resolve_organisation(_text("organisation", name, required=True))
        except NotFound:
            return self.add_organisation(name).id

    def organisation_named_by(self, org_id: int) -> str:
        """'' when nothing names the organisation yet, else what does (for the sentence)."""
        conn = self.vault.conn
        auths = conn.execute("SELECT count(*) FROM authorisations WHERE organisation_id = ?", (org_id,)).fetchone()[0]
        shares = conn.execute("SELECT count(*) FROM shares WHERE organisation_id = ?", (org_id,)).fetchone()[0]
        members = conn.execute("SELECT id FROM recipients WHERE organisation_id = ?", (org_id,)).fetchall()
        through = sum(1 for (rid,) in members if self.named_by(rid))
        parts = [f"{auths} authorisation(s)"] if auths else []
        parts += [f"{shares} share(s)"] if shares else []
        parts += [f"the authorisations or shares of {through} of its recipient(s)"] if through else []
        return " and ".join(parts)

    def update_organisation(
        self, ident: str | int, *, name: str | None = None, website: str | None = None, notes: str | None = None
    ) -> Organisation:
        """Correct an organisation; its name is frozen once anything names it (supersede instead)."""
        org = self.organisation(ident)
        changes: dict[str, str] = {}
        if name is not None:
            changes["name"] = _text("organisation", name, required=True)
            if self.vault.conn.execute("SELECT 1 FROM organisations WHERE name = ? COLLATE NOCASE AND id != ? "
                                       "AND superseded_by IS NULL", (changes["name"], org.id)).fetchone():
                raise ValidationError("organisation", f"'{changes['name']}' already exists")
        if website is not None:
            changes["website"] = _text("website", website, limit=500)
        if notes is not None:
            changes["notes"] = _text("notes", notes, limit=10_000)
        changes = {k: v for k, v in changes.items() if getattr(org, k) != v}
        if not changes:
            return org
        if "name" in changes:
            named_by = self.organisation_named_by(org.id)
            if named_by:
                raise PartyFrozen("organisation", org.name, named_by, "name")
            self._organisation_lookalike(changes["name"], exclude=org.id)
        with self.vault.transaction() as conn:
            conn.execute(
                f"UPDATE organisations SET {', '.join(f'{k} = ?' for k in changes)}, updated_at = ? WHERE id = ?",
                (*changes.values(), self.vault.now(), org.id),
            )
            self.vault.record("organisation.updated", "organisation", org.uuid,
                              {"fields": sorted(changes), "changes": {k: [getattr(org, k), v]
                                                                      for k, v in changes.items()}})
        return self.organisation(org.id)

    def supersede_organisation(self, ident: str | int, *, name: str, website: str | None = None) -> Organisation:
        """A renamed firm: a new organisation record; the old one stays, pointing at it."""
        old = self.organisation(ident)
        if old.superseded_by:
            raise ValidationError("organisation", f"{old.name} was already superseded")
        with self.vault.transaction() as conn:
            new = self.add_organisation(name, website if website is not None else old.website, old.notes)
            conn.execute("UPDATE organisations SET superseded_by = ?, updated_at = ? WHERE id = ?",
                         (new.id, self.vault.now(), old.id))
            self.vault.record("organisation.superseded", "organisation", old.uuid,
                              {"superseded_by": new.uuid, "changes": {"name": [old.name, new.name]}})
        return self.organisation(new.id)

    # --- recipients -------------------------------------------------------------------------

    def resolve(self, ident: str | int) -> int:
        """Recipient id from an id, a UUID (prefix ≥ 4), an exact name or an exact e-mail.

        A name or e-mail means the current record; a superseded one is reached by its id, or by
        name when no current record has it.
        """
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
        for current in ("superseded_by IS NULL", "superseded_by IS NOT NULL"):
            rows = conn.execute(
                "SELECT id FROM recipients WHERE (name = ? COLLATE NOCASE OR (email != '' AND email = ? COLLATE NOCASE)) "
                f"AND {current} LIMIT 2",
                (" ".join(text.split()), text),
            ).fetchall()
            if len(rows) > 1:
                raise Ambiguous("recipient", text, len(rows))
            if rows:
                return cast(int, rows[0][0])
        raise NotFound("recipient", text)

    def get(self, ident: str | int) -> Recipient:
        rec_id = self.resolve(ident)
        return Recipient(*self.vault.conn.execute(f"{_REC_SELECT} WHERE r.id = ?", (rec_id,)).fetchone())

    def list(self, organisation: str | int | None = None, *, include_superseded: bool = False) -> list[Recipient]:
        where = [] if include_superseded else ["r.superseded_by IS NULL"]
        params: list[Any] = []
        if organisation is not None:
            where.append("r.organisation_id = ?")
            params.append(self.resolve_organisation(organisation))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.vault.conn.execute(f"{_REC_SELECT}{clause} ORDER BY r.name COLLATE NOCASE, r.id", params)
        return [Recipient(*r) for r in rows]

    def find_by_name(self, name: str) -> Recipient | None:
        """The one current recipient with this name (compared as people read it), or None. Unlike
        ``resolve`` it never matches an e-mail or a UUID prefix: a package's sender names itself,
        and must not pass for someone else by naming their address."""
        found = [r for r in self.list() if same_name(r.name, name)]
        return found[0] if len(found) == 1 else None

    def lookalikes(self, name: str) -> builtins.list[Recipient]:
        """Current recipients whose name can be mistaken for ``name`` without being the same name."""
        return [r for r in self.list() if looks_like(name, r.name)]

    def find_by_key(self, public_key: str) -> Recipient | None:
        row = self.vault.conn.execute(f"{_REC_SELECT} WHERE r.public_key = ? AND r.superseded_by IS NULL "
                                      "ORDER BY r.id LIMIT 1", (public_key,)).fetchone()
        return Recipient(*row) if row else None

    def named_by(self, rec_id: int) -> str:
        """'' when no authorisation or share names the recipient yet, else what does."""
        conn = self.vault.conn
        auths = conn.execute("SELECT count(*) FROM authorisations WHERE recipient_id = ?", (rec_id,)).fetchone()[0]
        shares = conn.execute("SELECT count(*) FROM shares WHERE recipient_id = ?", (rec_id,)).fetchone()[0]
        parts = [f"{auths} authorisation(s)"] if auths else []
        parts += [f"{shares} share(s)"] if shares else []
        return " and ".join(parts)

    def membership(self, rec_id: int) -> tuple[int, str, str] | None:
        """(organisation id, since, how) of the recipient's current membership, if any."""
        row = self.vault.conn.execute(
            "SELECT organisation_id, since, how FROM recipient_memberships WHERE recipient_id = ? AND until IS NULL "
            "ORDER BY since DESC, id DESC LIMIT 1", (rec_id,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def _join(self, rec_id: int, org_id: int | None, how: str) -> None:
        """Close the current membership and open the next (inside the caller's transaction)."""
        now = self.vault.now()
        self.vault.conn.execute("UPDATE recipient_memberships SET until = ? WHERE recipient_id = ? AND until IS NULL",
                                (now, rec_id))
        if org_id is not None:
            self.vault.conn.execute("INSERT INTO recipient_memberships (recipient_id, organisation_id, since, how) "
                                    "VALUES (?, ?, ?, ?)", (rec_id, org_id, now, how))

    def _refuse_lookalike(self, name: str, exclude: int | None = None) -> None:
        for known in self.lookalikes(name):
            if known.id != exclude:
                key = f"key {known.fingerprint[:16]}…" if known.fingerprint else "no key on file"
                raise ValidationError("name", f"'{visible(name)}' looks like {known.name} ({key}) but is written "
                                      f"with different characters; use {known.name}, or a name that can be told apart")

    def add(
        self,
        name: str,
        *,
        email: str = "",
        organisation: str | int | None = None,
        public_key: str = "",
        notes: str = "",
        _how: str = "created",
        _successor_of: int | None = None,
    ) -> Recipient:
        """Add a recipient; a new organisation name is created on the way (same transaction)."""
        name = _text("name", name, required=True)
        email = normalise_email(email) if email.strip() else ""
        key = clean_public_key(public_key)
        notes = _text("notes", notes, limit=10_000)
        self._refuse_lookalike(name, exclude=_successor_of)
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
            rec_id = conn.execute("SELECT id FROM recipients WHERE uuid = ?", (rec_uuid,)).fetchone()[0]
            self._join(rec_id, org_id, _how)
            self.vault.record("recipient.created", "recipient", rec_uuid,
                              {"has_key": bool(key), "has_organisation": org_id is not None,
                               "name": name, "email": email, "organisation": self._org_name(org_id),
                               "key": _fpr(key) or None})
        return self.get(rec_uuid)

    def _org_name(self, org_id: int | None) -> str:
        if org_id is None:
            return ""
        return cast(str, self.vault.conn.execute("SELECT name FROM organisations WHERE id = ?", (org_id,)).fetchone()[0])

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
        """Correct a recipient. Name, e-mail and organisation are frozen once an authorisation or share
        names them (``supersede`` records a change); notes and the key stay editable, audited."""
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
        if organisation is not None:
            wanted = _text("organisation", organisation)
            if not same_name(wanted, rec.organisation) or bool(wanted) != bool(rec.organisation):
                changes["organisation_id"] = wanted
        frozen = [f for f in ("name", "email", "organisation_id") if f in changes]
        if frozen:
            named_by = self.named_by(rec.id)
            if named_by:
                words = ", ".join("organisation" if f == "organisation_id" else "e-mail" if f == "email" else f
                                  for f in frozen)
                raise PartyFrozen("recipient", rec.label, named_by, words)
        if "name" in changes:
            self._refuse_lookalike(changes["name"], exclude=rec.id)
        if not changes:
            return rec
        with self.vault.transaction() as conn:
            shown: dict[str, list[Any]] = {}
            if "organisation_id" in changes:
                wanted = changes["organisation_id"]
                org_id = self.ensure_organisation(wanted) if wanted else None
                if org_id == rec.organisation_id:
                    del changes["organisation_id"]
                else:
                    changes["organisation_id"] = org_id
                    shown["organisation"] = [rec.organisation, self._org_name(org_id)]
                    self._join(rec.id, org_id, "edited")
            if not changes:
                return rec
            for k, v in changes.items():
                if k == "public_key":
                    shown["key"] = [_fpr(rec.public_key) or None, _fpr(v) or None]
                elif k != "organisation_id":
                    shown[k] = [getattr(rec, k), v]
            conn.execute(
                f"UPDATE recipients SET {', '.join(f'{k} = ?' for k in changes)}, updated_at = ? WHERE id = ?",
                (*changes.values(), self.vault.now(), rec.id),
            )
            self.vault.record("recipient.updated", "recipient", rec.uuid,
                              {"fields": sorted(changes), "changes": shown})
        return self.get(rec.id)

    def supersede(
        self,
        ident: str | int,
        *,
        name: str | None = None,
        email: str | None = None,
        organisation: str | None = None,
        public_key: str | None = None,
        notes: str | None = None,
        _how: str = "created",
    ) -> Recipient:
        """Record a change of who a recipient is as a new record; the old one stays, pointing at it,
        so what the person agreed to keeps naming the party as it was."""
        old = self.get(ident)
        if old.superseded_by:
            raise ValidationError("recipient", f"{old.label} was already superseded by {old.superseded_by[:8]}")
        fields = {"name": old.name if name is None else name, "email": old.email if email is None else email,
                  "organisation": old.organisation if organisation is None else organisation,
                  "public_key": old.public_key if public_key is None else public_key,
                  "notes": old.notes if notes is None else notes}
        with self.vault.transaction() as conn:
            # The successor may be spelt like the old record: it is the same party.
            new = self.add(fields["name"], email=fields["email"], organisation=fields["organisation"] or None,
                           public_key=fields["public_key"], notes=fields["notes"], _how=_how,
                           _successor_of=old.id)
            conn.execute("UPDATE recipients SET superseded_by = ?, updated_at = ? WHERE id = ?",
                         (new.id, self.vault.now(), old.id))
            changed = {k: [getattr(old, k), getattr(new, k)] for k in ("name", "email", "organisation")
                       if getattr(old, k) != getattr(new, k)}
            if old.public_key != new.public_key:
                changed["key"] = [_fpr(old.public_key) or None, _fpr(new.public_key) or None]
            self.vault.record("recipient.superseded", "recipient", old.uuid,
                              {"superseded_by": new.uuid, "changes": changed})
        return self.get(new.id)

    def move(self, ident: str | int, organisation: str) -> Recipient:
        """The explicit, audited act of a recipient joining another organisation. Organisation-wide
        authorisations of the new one cover them from then on. A recipient something names keeps
        the firm it was named with: the move is a new record that supersedes it."""
        rec = self.get(ident)
        target = _text("organisation", organisation)
        if rec.organisation and target and same_name(rec.organisation, target):
            raise ValidationError("organisation", f"{rec.name} is already at {rec.organisation}")
        if self.named_by(rec.id):
            return self.supersede(rec.id, organisation=target, _how="moved")
        with self.vault.transaction() as conn:
            org_id = self.ensure_organisation(target) if target else None
            self._join(rec.id, org_id, "moved")
            conn.execute("UPDATE recipients SET organisation_id = ?, updated_at = ? WHERE id = ?",
                         (org_id, self.vault.now(), rec.id))
            self.vault.record("recipient.moved", "recipient", rec.uuid,
                              {"changes": {"organisation": [rec.organisation, self._org_name(org_id)]}})
        return self.get(rec.id)

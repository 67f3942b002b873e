"""Removing a recipient or an organisation: deleted when nothing names it, retired otherwise.

Authorisations, shares and introduction requests name recipients and organisations, and the
ledger and the audit trail must keep saying who a package went to, so a recipient anything
names is *retired* instead: kept for history, refused as the target of new authorisations and
shares, and reinstated on request. The mark lives in the vault's settings table (one key per
retired record), so no schema change is needed and the mark travels with backups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ValidationError

if TYPE_CHECKING:
    from .store import Vault

#: Tables whose rows name a recipient or an organisation, with the column that does.
_REFERENCES = {
    "recipient": (("authorisations", "recipient_id"), ("shares", "recipient_id"),
                  ("intro_requests", "recipient_id"), ("recipients", "superseded_by")),
    "organisation": (("recipients", "organisation_id"), ("authorisations", "organisation_id"),
                     ("shares", "organisation_id"), ("organisations", "superseded_by")),
}
_TABLE = {"recipient": "recipients", "organisation": "organisations"}


@dataclass(frozen=True)
class Removal:
    """What ``remove`` did: ``deleted``, or ``retired`` because ``named_by`` rows still name it."""

    kind: str
    uuid: str
    name: str
    outcome: str
    named_by: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.uuid, "name": self.name, "outcome": self.outcome,
                "named_by": self.named_by}

    def describe(self) -> str:
        if self.outcome == "deleted":
            return f"Deleted {self.kind} {self.name} ({self.uuid}); nothing named it."
        uses = ", ".join(f"{count} {table.replace('_', ' ')}" for table, count in self.named_by.items())
        return (f"Retired {self.kind} {self.name} ({self.uuid}): kept for history because {uses} name it; "
                "no new authorisation or share can name it (reinstate it to use it again).")


def _key(kind: str, uuid: str) -> str:
    return f"retired.{kind}.{uuid}"


def _record(vault: Vault, kind: str, ident: str | int) -> tuple[int, str, str]:
    if kind == "recipient":
        rec = vault.recipients.get(ident)
        return rec.id, rec.uuid, rec.name
    org = vault.recipients.organisation(ident)
    return org.id, org.uuid, org.name


def retired_at(vault: Vault, kind: str, uuid: str) -> str | None:
    """When the recipient or organisation was retired, or None while it is active."""
    return vault.setting(_key(kind, uuid))


def retired_ids(vault: Vault, kind: str) -> set[str]:
    rows = vault.conn.execute("SELECT key FROM settings WHERE key LIKE ?", (f"retired.{kind}.%",))
    return {row[0].rsplit(".", 1)[1] for row in rows}


def named_by(vault: Vault, kind: str, row_id: int) -> dict[str, int]:
    counts = {}
    for table, column in _REFERENCES[kind]:
        count = vault.conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (row_id,)).fetchone()[0]
        if count:
            counts[table] = count
    return counts


def remove(vault: Vault, kind: str, ident: str | int) -> Removal:
    """Delete the record if nothing names it, else retire it (both audited)."""
    row_id, uuid, name = _record(vault, kind, ident)
    uses = named_by(vault, kind, row_id)
    with vault.transaction() as conn:
        if uses:
            if retired_at(vault, kind, uuid) is None:
                conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (_key(kind, uuid), vault.now()))
                vault.record(f"{kind}.retired", kind, uuid, {"named_by": sorted(uses)})
            return Removal(kind, uuid, name, "retired", uses)
        # Membership history matters only to authorisations naming the organisation, and none does.
        column = "recipient_id" if kind == "recipient" else "organisation_id"
        conn.execute(f"DELETE FROM recipient_memberships WHERE {column} = ?", (row_id,))
        conn.execute(f"DELETE FROM {_TABLE[kind]} WHERE id = ?", (row_id,))
        conn.execute("DELETE FROM settings WHERE key = ?", (_key(kind, uuid),))
        vault.record(f"{kind}.deleted", kind, uuid, {})
    return Removal(kind, uuid, name, "deleted", {})


def reinstate(vault: Vault, kind: str, ident: str | int) -> str:
    """Make a retired recipient or organisation usable again; returns its UUID."""
    _, uuid, name = _record(vault, kind, ident)
    if retired_at(vault, kind, uuid) is None:
        raise ValidationError(kind, f"{name} is not retired")
    with vault.transaction() as conn:
        conn.execute("DELETE FROM settings WHERE key = ?", (_key(kind, uuid),))
        vault.record(f"{kind}.reinstated", kind, uuid, {})
    return uuid


def refuse_if_retired(vault: Vault, recipient_id: int | None, organisation_id: int | None) -> str | None:
    """A sentence when a new authorisation or share would name a retired recipient or organisation."""
    for kind, row_id in (("recipient", recipient_id), ("organisation", organisation_id)):
        if row_id is None:
            continue
        row = vault.conn.execute(f"SELECT uuid, name FROM {_TABLE[kind]} WHERE id = ?", (row_id,)).fetchone()
        if row and retired_at(vault, kind, row[0]) is not None:
            return (f"the {kind} {row[1]} was retired; reinstate it first "
                    f"(contact-vault {kind} reinstate {row[0][:8]})")
    return None

"""The submittal ledger: who was sent to whom under which authorisation, and the right-to-represent
warning that reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from vault.authorisations import day
from vault.clock import iso_ms
from vault.errors import ValidationError

from .package_format import DEFAULT_REPRESENT_DAYS

if TYPE_CHECKING:
    from vault.store import Vault


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
    return [ShareRecord(*r[:7], json.loads(r[7]), *r[8:]) for r in rows]  # type: ignore[call-arg]


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
    """A warning (never a refusal) when this person already went to this organisation recently.

    Matched by identity, not only by record: a duplicate record with the same e-mail or phone
    that was sent there counts too."""
    rec = vault.recipients.get(recipient_id)
    days = represent_days(vault)
    if days <= 0:
        return []
    since = iso_ms(vault.clock.now() - timedelta(days=days))
    if rec.organisation_id is not None:
        where, target, who = "s.organisation_id = ?", rec.organisation_id, rec.organisation
    else:
        where, target, who = "s.recipient_id = ?", rec.id, rec.name
    same = vault.people.same_identity(person_id)
    marks = ",".join("?" * len(same))
    rows = vault.conn.execute(
        f"SELECT s.created_at, s.person_id, p.uuid, p.full_name FROM shares s JOIN people p ON p.id = s.person_id "
        f"WHERE s.person_id IN ({marks}) AND {where} AND s.created_at >= ? ORDER BY s.created_at DESC LIMIT 1",
        (*same, target, since),
    ).fetchall()
    if not rows:
        return []
    also = "" if rows[0][1] == person_id else (
        f" (as the record {rows[0][3]}, id {rows[0][2][:8]}, which has the same e-mail or phone)")
    return [f"this person was already sent to {who} on {day(rows[0][0])}{also}, within the {days}-day "
            "right-to-represent window"]

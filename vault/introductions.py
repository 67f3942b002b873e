"""Introduction requests: someone asked for a network contact's details.

A request stays ``pending`` until the contact's authorisation for that recipient (or their
organisation) is logged; it then becomes ``authorised`` and an introduction package can be
made (which marks it ``fulfilled``). The contact may also decline.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ValidationError
from .lookup import resolve_id

if TYPE_CHECKING:
    from .store import Vault

STATUSES = ("pending", "authorised", "declined", "fulfilled")


@dataclass(frozen=True)
class IntroRequest:
    id: int
    uuid: str
    person_id: int
    recipient_id: int | None
    requester: str
    reason: str
    requested_at: str
    status: str
    answer_note: str
    answered_at: str | None
    authorisation_id: int | None
    person_uuid: str = ""
    person_name: str = ""
    recipient_uuid: str = ""
    recipient_name: str = ""
    authorisation_uuid: str = ""

    @property
    def who(self) -> str:
        return self.recipient_name or self.requester

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.uuid, "person": self.person_uuid, "person_name": self.person_name,
            "recipient": self.recipient_uuid or None, "recipient_name": self.recipient_name or None,
            "requester": self.requester, "reason": self.reason, "requested_at": self.requested_at,
            "status": self.status, "answer_note": self.answer_note, "answered_at": self.answered_at,
            "authorisation": self.authorisation_uuid or None,
        }


_SELECT = """
SELECT i.id, i.uuid, i.person_id, i.recipient_id, i.requester, i.reason, i.requested_at, i.status,
       i.answer_note, i.answered_at, i.authorisation_id,
       p.uuid, p.full_name, coalesce(r.uuid, ''), coalesce(r.name, ''), coalesce(a.uuid, '')
FROM intro_requests i
JOIN people p ON p.id = i.person_id
LEFT JOIN recipients r ON r.id = i.recipient_id
LEFT JOIN authorisations a ON a.id = i.authorisation_id
"""


class IntroductionService:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    def resolve(self, ident: str | int) -> int:
        return resolve_id(self.vault.conn, "intro_requests", "introduction request", ident)

    def get(self, ident: str | int) -> IntroRequest:
        req_id = self.resolve(ident)
        return IntroRequest(*self.vault.conn.execute(f"{_SELECT} WHERE i.id = ?", (req_id,)).fetchone())

    def list(self, *, status: str | None = None, person: str | int | None = None) -> list[IntroRequest]:
        clauses: list[str] = []
        params: list[Any] = []
        if status:
            if status not in STATUSES:
                raise ValidationError("status", f"must be one of {', '.join(STATUSES)}")
            clauses.append("i.status = ?")
            params.append(status)
        if person is not None:
            clauses.append("i.person_id = ?")
            params.append(self.vault.people.resolve(person))
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self.vault.conn.execute(f"{_SELECT} {where} ORDER BY i.requested_at DESC, i.id DESC", params)
        return [IntroRequest(*r) for r in rows]

    def request(self, person: str | int, *, recipient: str | int | None = None, requester: str = "",
                reason: str = "") -> IntroRequest:
        person_id = self.vault.people.resolve(person)
        rec_id = self.vault.recipients.resolve(recipient) if recipient is not None else None
        requester = " ".join(requester.split())
        reason = " ".join(reason.split())
        if rec_id is None and not requester:
            raise ValidationError("requester", "say who asked (a recipient or a name)")
        if len(requester) > 200 or len(reason) > 2000:
            raise ValidationError("reason", "is too long")
        req_uuid = str(uuidlib.uuid4())
        with self.vault.transaction() as conn:
            conn.execute(
                "INSERT INTO intro_requests (uuid, person_id, recipient_id, requester, reason, requested_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (req_uuid, person_id, rec_id, requester, reason, self.vault.now()),
            )
            rec_uuid = (conn.execute("SELECT uuid FROM recipients WHERE id = ?", (rec_id,)).fetchone()[0]
                        if rec_id is not None else None)
            self.vault.record("intro.requested", "person", self.vault.people.uuid_of(person_id),
                              {"request": req_uuid, "recipient": rec_uuid})
        return self.get(req_uuid)

    def answer(self, ident: str | int, status: str, note: str = "") -> IntroRequest:
        """Record the contact's answer by hand (a decline, typically)."""
        req = self.get(ident)
        if status not in ("declined", "pending"):
            raise ValidationError("status", "an answer by hand is 'declined' (consent is logged as an authorisation)")
        if req.status == "fulfilled":
            raise ValidationError("status", "the details were already shared for this request; it cannot be "
                                            "answered again")
        with self.vault.transaction() as conn:
            conn.execute("UPDATE intro_requests SET status = ?, answer_note = ?, answered_at = ? WHERE id = ?",
                         (status, " ".join(note.split()), self.vault.now(), req.id))
            self.vault.record("intro.answered", "person", req.person_uuid, {"request": req.uuid, "status": status})
        return self.get(req.id)

    def on_authorisation(self, person_id: int, auth_id: int, rec_id: int | None, org_id: int | None) -> None:
        """Inside the caller's transaction: pending requests this consent answers become authorised."""
        conn = self.vault.conn
        rows = conn.execute(
            "SELECT i.id, i.uuid FROM intro_requests i LEFT JOIN recipients r ON r.id = i.recipient_id "
            "WHERE i.person_id = ? AND i.status = 'pending' AND i.recipient_id IS NOT NULL "
            "AND (i.recipient_id = ? OR (? IS NOT NULL AND r.organisation_id = ?))",
            (person_id, rec_id, org_id, org_id),
        ).fetchall()
        for req_id, req_uuid in rows:
            conn.execute("UPDATE intro_requests SET status = 'authorised', answered_at = ?, authorisation_id = ? "
                         "WHERE id = ?", (self.vault.now(), auth_id, req_id))
            self.vault.record("intro.answered", "person", self.vault.people.uuid_of(person_id),
                              {"request": req_uuid, "status": "authorised"})

    def on_share(self, person_id: int, auth_id: int, rec_id: int) -> None:
        """Inside the share transaction: the requests for this recipient that this share's
        authorisation answered are fulfilled (a share under another consent fulfils nothing)."""
        conn = self.vault.conn
        rows = conn.execute(
            "SELECT id, uuid FROM intro_requests WHERE person_id = ? AND recipient_id = ? AND status = 'authorised' "
            "AND authorisation_id = ?",
            (person_id, rec_id, auth_id),
        ).fetchall()
        for req_id, req_uuid in rows:
            conn.execute("UPDATE intro_requests SET status = 'fulfilled' WHERE id = ?", (req_id,))
            self.vault.record("intro.answered", "person", self.vault.people.uuid_of(person_id),
                              {"request": req_uuid, "status": "fulfilled"})

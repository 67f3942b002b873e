"""Consent: logging, listing, revoking authorisations, and the share check (docs/design.md §2 rule 2).

An authorisation is immutable once logged (a schema trigger enforces it); a change is a
revocation plus a new one. Its scope is a JSON list of tokens: ``resume`` (any shareable resume
of the person), ``document:<uuid>`` (one document) and the contact fields ``email``, ``phone``,
``address`` and ``link``. A share names items: ``document:<uuid>`` entries and field names.

The check lives here, not in any UI: ``check()`` either returns the authorisation that allows
the share or raises ``ShareNotAuthorised`` naming the condition that failed, after committing
a ``share.refused`` audit event in its own transaction.
"""

from __future__ import annotations

import functools
import json
import uuid as uuidlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from .clock import iso_ms, parse_iso, user_instant
from .errors import ShareNotAuthorised, ValidationError
from .lookup import resolve_id
from .retirement import refuse_if_retired

if TYPE_CHECKING:
    from .store import Vault

FIELDS = ("email", "phone", "address", "link")
METHODS = ("email", "phone", "in-person", "written", "form")
EXPIRING_DAYS = 30

#: Stable condition codes of refusals, in the order a single authorisation is examined.
CONDITIONS = (
    "person-locked",
    "document-excluded",
    "no-shareable-value",
    "no-authorisation",
    "other-recipient",
    "other-organisation",
    "revoked",
    "not-yet-valid",
    "expired",
    "outside-scope",
    "use-limit-reached",
    "recipient-retired",
)


@dataclass(frozen=True)
class Authorisation:
    id: int
    uuid: str
    person_id: int
    recipient_id: int | None
    organisation_id: int | None
    scope: tuple[str, ...]
    purpose: str
    method: str
    evidence_document_id: int | None
    evidence_note: str
    obtained_at: str
    valid_until: str | None
    max_uses: int | None
    recorded_by: str
    upstream: str | None
    revoked_at: str | None
    revoked_reason: str | None
    created_at: str
    # Joined for display, not stored on the row.
    person_uuid: str = ""
    recipient_uuid: str = ""
    recipient_name: str = ""
    organisation_uuid: str = ""
    organisation_name: str = ""
    evidence_document_uuid: str = ""
    uses: int = 0
    #: Whether the person agreed to be named to the recipient (None: not asked). False makes
    #: every share under this authorisation a blind CV.
    may_name: bool | None = None

    @property
    def grantee(self) -> str:
        """Who may receive, in words."""
        if self.method == "upstream":
            # Received with a package: the person's consent for the sender to share with this vault's
            # owner, not consent for anyone here to share onward.
            sender = f"{self.recipient_name} ({self.organisation_name})" if self.organisation_name \
                else self.recipient_name
            return f"you, from {sender} (the person's consent for {sender} to share with you)"
        if self.recipient_id is not None:
            return f"{self.recipient_name} ({self.organisation_name})" if self.organisation_name else self.recipient_name
        return f"anyone at {self.organisation_name}"

    def status(self, now: str) -> str:
        """active, not-yet-valid, expired, revoked or used-up (what the GUI shows)."""
        if self.revoked_at:
            return "revoked"
        if now < self.obtained_at:
            return "not-yet-valid"
        if self.valid_until and now >= self.valid_until:
            return "expired"
        if self.max_uses is not None and self.uses >= self.max_uses:
            return "used-up"
        return "active"

    def to_json(self, now: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.uuid,
            "person": self.person_uuid,
            "recipient": self.recipient_uuid or None,
            "recipient_name": self.recipient_name or None,
            "organisation": self.organisation_uuid if self.organisation_id is not None else None,
            "organisation_name": self.organisation_name if self.organisation_id is not None else None,
            "grantee": self.grantee,
            "scope": list(self.scope),
            "purpose": self.purpose,
            "method": self.method,
            "evidence_document": self.evidence_document_uuid or None,
            "evidence_note": self.evidence_note,
            "obtained_at": self.obtained_at,
            "valid_until": self.valid_until,
            "max_uses": self.max_uses,
            "uses": self.uses,
            "may_name": self.may_name,
            "recorded_by": self.recorded_by,
            "revoked_at": self.revoked_at,
            "revoked_reason": self.revoked_reason,
            "created_at": self.created_at,
        }
        if self.upstream:
            data["upstream"] = json.loads(self.upstream)
        if now is not None:
            data["status"] = self.status(now)
        return data


_SELECT = """
SELECT a.id, a.uuid, a.person_id, a.recipient_id, a.organisation_id, a.scope, a.purpose, a.method,
       a.evidence_document_id, a.evidence_note, a.obtained_at, a.valid_until, a.max_uses, a.recorded_by,
       a.upstream, a.revoked_at, a.revoked_reason, a.created_at,
       p.uuid, coalesce(r.uuid, ''), coalesce(r.name, ''),
       coalesce(o.uuid, ro.uuid, ''), coalesce(o.name, ro.name, ''), coalesce(d.uuid, ''),
       (SELECT count(*) FROM shares s WHERE s.authorisation_id = a.id), a.may_name
FROM authorisations a
JOIN people p ON p.id = a.person_id
LEFT JOIN recipients r ON r.id = a.recipient_id
LEFT JOIN organisations ro ON ro.id = r.organisation_id
LEFT JOIN organisations o ON o.id = a.organisation_id
LEFT JOIN documents d ON d.id = a.evidence_document_id
"""


def _row(row: Sequence[Any]) -> Authorisation:
    values = list(row)
    values[5] = tuple(json.loads(values[5]))
    values[-1] = None if values[-1] is None else bool(values[-1])
    return Authorisation(*values)


def to_instant(name: str, value: str | None, *, end_of_day: bool = False) -> str | None:
    """A stored timestamp from a date or datetime; a bare date as 'valid until' means its whole day."""
    if value in (None, ""):
        return None
    offset = timedelta(days=1) - timedelta(milliseconds=1) if end_of_day else timedelta(0)
    return user_instant(name, str(value), bare_date_offset=offset)


#: A new authorisation ending within this many days gets a warning when it is logged.
SHORT_WINDOW_DAYS = 7


def check_new_window(obtained_at: str, valid_until: str | None, now: str) -> list[str]:
    """Refuse consent logged today that could never allow a share, or claims a date not yet
    reached; return warnings for a window about to end. (``log`` itself accepts past windows:
    an import or a record of history may hold them.)"""
    obtained = to_instant("obtained", obtained_at)
    if obtained is not None and obtained > now:
        raise ValidationError("obtained", f"{day(obtained)} is in the future; log consent once it has "
                              "been given")
    until = to_instant("valid until", valid_until, end_of_day=True)
    if until is None:
        return []
    if until <= now:
        raise ValidationError("valid until", f"the window ended on {day(until)}, so this authorisation could "
                              "never allow a share; ask the person again and log the new dates")
    soon = iso_ms(parse_iso(now) + timedelta(days=SHORT_WINDOW_DAYS))
    if until <= soon:
        return [f"this authorisation ends on {day(until)}, within {SHORT_WINDOW_DAYS} days"]
    return []


def day(instant: str | None) -> str:
    """The date part, for human sentences."""
    return instant[:10] if instant else "no end date"


@dataclass(frozen=True)
class Verdict:
    """The outcome of examining one share request (no side effects)."""

    authorisation: Authorisation | None
    condition: str = ""
    message: str = ""
    candidates: tuple[Authorisation, ...] = field(default_factory=tuple)

    @property
    def allowed(self) -> bool:
        return self.authorisation is not None


class AuthorisationService:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    @functools.cached_property
    def _select(self) -> str:
        """``_SELECT``, reading ``may_name`` as NULL from a vault older than schema 6 (a build
        writing an old-schema test vault; an opened vault is always migrated first)."""
        conn = self.vault.conn
        if "may_name" in {r[1] for r in conn.execute("PRAGMA table_info(authorisations)")}:
            return _SELECT
        return _SELECT.replace(", a.may_name\n", ", NULL\n")

    # --- lookups ----------------------------------------------------------------------------

    def resolve(self, ident: str | int) -> int:
        return resolve_id(self.vault.conn, "authorisations", "authorisation", ident)

    def get(self, ident: str | int) -> Authorisation:
        auth_id = self.resolve(ident)
        return _row(self.vault.conn.execute(f"{self._select} WHERE a.id = ?", (auth_id,)).fetchone())

    def for_person(self, person: str | int) -> list[Authorisation]:
        person_id = self.vault.people.resolve(person)
        rows = self.vault.conn.execute(f"{self._select} WHERE a.person_id = ? ORDER BY a.created_at DESC, a.id DESC",
                                       (person_id,))
        return [_row(r) for r in rows]

    def expiring(self, days: int = EXPIRING_DAYS) -> list[Authorisation]:
        """Unrevoked authorisations whose validity ends within the next ``days`` days."""
        now = self.vault.now()
        until = iso_ms(self.vault.clock.now() + timedelta(days=days))
        rows = self.vault.conn.execute(
            f"{self._select} WHERE a.revoked_at IS NULL AND a.valid_until IS NOT NULL AND a.valid_until > ? "
            "AND a.valid_until <= ? ORDER BY a.valid_until, a.id",
            (now, until),
        )
        return [_row(r) for r in rows]

    # --- writes -----------------------------------------------------------------------------

    def log(
        self,
        person: str | int,
        *,
        scope: Iterable[str],
        purpose: str,
        method: str,
        obtained_at: str,
        recipient: str | int | None = None,
        organisation: str | int | None = None,
        valid_until: str | None = None,
        max_uses: int | None = None,
        evidence_document: str | int | None = None,
        evidence_note: str = "",
        upstream: dict[str, Any] | None = None,
        may_name: bool | None = None,
    ) -> Authorisation:
        """Record consent. Pending introduction requests it answers become 'authorised'.

        ``may_name`` False records that the person agreed to be shared only as a blind CV."""
        person_id = self.vault.people.resolve(person)
        if (recipient is None) == (organisation is None):
            raise ValidationError("recipient", "name either one recipient or one organisation")
        rec_id = self.vault.recipients.resolve(recipient) if recipient is not None else None
        org_id = self.vault.recipients.resolve_organisation(organisation) if organisation is not None else None
        self._refuse_superseded(rec_id, org_id, upstream is not None)
        retired = refuse_if_retired(self.vault, rec_id, org_id) if upstream is None else None
        if retired:
            raise ValidationError("recipient" if recipient is not None else "organisation", retired)
        tokens = self.clean_scope(person_id, scope)
        purpose = " ".join(purpose.split())
        if not purpose:
            raise ValidationError("purpose", "say what the person agreed to (e.g. the role)")
        if len(purpose) > 500:
            raise ValidationError("purpose", "is longer than 500 characters")
        allowed_methods = METHODS + (("upstream",) if upstream is not None else ())
        if method not in allowed_methods:
            raise ValidationError("method", f"must be one of {', '.join(METHODS)}")
        obtained = to_instant("obtained", obtained_at)
        if obtained is None:
            raise ValidationError("obtained", "the date consent was obtained is required")
        until = to_instant("valid until", valid_until, end_of_day=True)
        if until is not None and until <= obtained:
            raise ValidationError("valid until", "must be after the date consent was obtained")
        if max_uses is not None and int(max_uses) < 1:
            raise ValidationError("max uses", "must be at least 1")
        evidence_id = None
        if evidence_document is not None:
            evidence_id = self.vault.documents.resolve(evidence_document)
            owner = self.vault.conn.execute("SELECT person_id FROM documents WHERE id = ?", (evidence_id,)).fetchone()
            if owner[0] != person_id:
                raise ValidationError("evidence", "the evidence document belongs to someone else")
        note = evidence_note.strip()
        if len(note) > 10_000:
            raise ValidationError("evidence note", "is longer than 10000 characters")
        auth_uuid = str(uuidlib.uuid4())
        now = self.vault.now()
        with self.vault.transaction() as conn:
            # ``may_name`` (schema 6) is named only when given: left out it stays NULL, 'not asked'.
            extra = ", may_name" if may_name is not None else ""
            conn.execute(
                "INSERT INTO authorisations (uuid, person_id, recipient_id, organisation_id, scope, purpose, method, "
                "evidence_document_id, evidence_note, obtained_at, valid_until, max_uses, recorded_by, upstream, "
                f"created_at{extra}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?{', ?' if extra else ''})",
                (auth_uuid, person_id, rec_id, org_id, json.dumps(tokens), purpose, method, evidence_id, note,
                 obtained, until, max_uses, self.vault.actor,
                 json.dumps(upstream, sort_keys=True) if upstream is not None else None, now,
                 *([int(bool(may_name))] if extra else [])),
            )
            auth_row_id = conn.execute("SELECT id FROM authorisations WHERE uuid = ?", (auth_uuid,)).fetchone()[0]
            details: dict[str, Any] = {
                "authorisation": auth_uuid, "scope": tokens, "method": method,
                "recipient": self._uuid("recipients", rec_id), "organisation": self._uuid("organisations", org_id),
                "valid_until": until, "max_uses": max_uses, "evidence": evidence_id is not None or bool(note),
            }
            if may_name is not None:
                details["may_name"] = bool(may_name)
            self.vault.record("authorisation.logged", "person", self.vault.people.uuid_of(person_id), details)
            if upstream is None:
                self.vault.introductions.on_authorisation(person_id, auth_row_id, rec_id, org_id)
        return self.get(auth_uuid)

    def _refuse_superseded(self, rec_id: int | None, org_id: int | None, upstream: bool) -> None:
        """New consent names a party as it is now, never a record kept only for the history."""
        table, row_id = ("recipients", rec_id) if rec_id is not None else ("organisations", org_id)
        row = self.vault.conn.execute(
            f"SELECT t.name, n.name FROM {table} t JOIN {table} n ON n.id = t.superseded_by WHERE t.id = ?",
            (row_id,)).fetchone()
        if row is not None and not upstream:
            raise ValidationError("recipient" if rec_id is not None else "organisation",
                                  f"{row[0]} was superseded by a newer record ({row[1]}); name that one")

    def revoke(self, ident: str | int, reason: str) -> Authorisation:
        auth = self.get(ident)
        reason = " ".join(reason.split())
        if not reason:
            raise ValidationError("reason", "say why the authorisation is revoked")
        if auth.revoked_at:
            raise ValidationError("authorisation", f"it was already revoked on {day(auth.revoked_at)}")
        with self.vault.transaction() as conn:
            conn.execute("UPDATE authorisations SET revoked_at = ?, revoked_reason = ? WHERE id = ?",
                         (self.vault.now(), reason, auth.id))
            self.vault.record("authorisation.revoked", "person", auth.person_uuid, {"authorisation": auth.uuid})
        return self.get(auth.id)

    def clean_scope(self, person_id: int, scope: Iterable[str]) -> list[str]:
        tokens: list[str] = []
        for raw in scope:
            token = str(raw).strip().lower()
            if not token:
                continue
            if token.startswith("document:"):
                token = self._document_token(person_id, token[9:], "scope")
            elif token not in ("resume", *FIELDS):
                raise ValidationError("scope", f"'{raw}' is not one of resume, document:<id>, {', '.join(FIELDS)}")
            if token not in tokens:
                tokens.append(token)
        if not tokens:
            raise ValidationError("scope", "name at least one item (resume, email, phone, address, link)")
        return tokens

    def _document_token(self, person_id: int, ref: str, field: str) -> str:
        """``document:<full uuid>`` for a document of this person (scope and share items alike)."""
        doc = self.vault.documents.get(ref)
        if doc.person_id != person_id:
            raise ValidationError(field, f"document {doc.uuid} belongs to someone else")
        return f"document:{doc.uuid}"

    def _uuid(self, table: str, row_id: int | None) -> str | None:
        if row_id is None:
            return None
        return cast(str, self.vault.conn.execute(f"SELECT uuid FROM {table} WHERE id = ?", (row_id,)).fetchone()[0])

    # --- the share check --------------------------------------------------------------------

    def evaluate(self, person: str | int, recipient: str | int, items: Iterable[str],
                 at: str | None = None) -> Verdict:
        """Examine a share without side effects: which authorisation allows it, or why none does."""
        conn = self.vault.conn
        person_id = self.vault.people.resolve(person)
        rec = self.vault.recipients.get(recipient)
        when = at or self.vault.now()
        wanted = self.clean_items(person_id, items)
        policy = conn.execute("SELECT sharing_policy FROM people WHERE id = ?", (person_id,)).fetchone()[0]
        if policy == "locked":
            return Verdict(None, "person-locked", "this person's sharing policy is 'locked'; nothing about them "
                           "can be shared until it is set to 'on-authorisation' (only if they agree): "
                           f"contact-vault person edit {self.vault.people.uuid_of(person_id)[:8]} "
                           "--policy on-authorisation, or Sharing policy in their profile")
        for item in wanted:
            if item.startswith("document:"):
                row = conn.execute("SELECT shareable, version, role FROM documents WHERE uuid = ?",
                                   (item[9:],)).fetchone()
                if not row[0]:
                    return Verdict(None, "document-excluded",
                                   f"{row[2]} version {row[1]} ({item[9:]}) is excluded from sharing")
        retired = refuse_if_retired(self.vault, rec.id, rec.organisation_id)
        if retired:
            return Verdict(None, "recipient-retired", retired)
        fields_wanted = [item for item in wanted if item in FIELDS]
        if fields_wanted:
            subject = self.vault.people.get(person_id)
            for kind in fields_wanted:
                if not subject.shareable_points(kind):
                    return Verdict(None, "no-shareable-value",
                                   f"{subject.full_name} has no {kind} that may be shared (none stored, or only "
                                   "ones marked do-not-contact or taken from an old document)")
        candidates = tuple(a for a in self.for_person(person_id) if a.method != "upstream")
        if not candidates:
            return Verdict(None, "no-authorisation",
                           "no authorisation from this person has been logged; log their consent first")
        best: tuple[tuple[int, int], Authorisation, str, str] | None = None
        for auth in candidates:
            failures = self._failures(auth, rec.id, rec.organisation_id, rec.label, wanted, when)
            if not failures:
                return Verdict(auth, candidates=candidates)
            rank = (len(failures), -CONDITIONS.index(failures[0][0]))
            if best is None or rank < best[0]:
                best = (rank, auth, failures[0][0], failures[0][1])
        assert best is not None
        return Verdict(None, best[2], best[3], candidates)

    def check(self, person: str | int, recipient: str | int, items: Iterable[str],
              at: str | None = None) -> Authorisation:
        """The gate every share passes. A refusal is audited (committed) before it is raised."""
        if self.vault._depth:
            raise RuntimeError("the share check runs outside a transaction so a refusal is recorded")
        items = list(items)
        verdict = self.evaluate(person, recipient, items, at)
        if verdict.authorisation is not None:
            return verdict.authorisation
        person_id = self.vault.people.resolve(person)
        rec = self.vault.recipients.get(recipient)
        with self.vault.transaction():
            self.vault.record(
                "share.refused", "person", self.vault.people.uuid_of(person_id),
                {"condition": verdict.condition, "recipient": rec.uuid, "items": _audit_items(items)},
            )
        raise ShareNotAuthorised(verdict.condition, verdict.message)

    def clean_items(self, person_id: int, items: Iterable[str]) -> list[str]:
        out: list[str] = []
        for raw in items:
            item = str(raw).strip().lower()
            if item.startswith("document:"):
                item = self._document_token(person_id, item[9:], "items")
            elif item not in FIELDS:
                raise ValidationError("items", f"'{raw}' is not a document or one of {', '.join(FIELDS)}")
            if item not in out:
                out.append(item)
        if not out:
            raise ValidationError("items", "choose at least one thing to share")
        return out

    def _failures(self, auth: Authorisation, rec_id: int, rec_org_id: int | None, rec_label: str,
                  items: list[str], when: str) -> list[tuple[str, str]]:
        failures: list[tuple[str, str]] = []
        ident = f"the authorisation {auth.uuid}"
        if auth.recipient_id is not None and auth.recipient_id != rec_id:
            failures.append(("other-recipient", f"{ident} names {auth.grantee}, not {rec_label}"))
        if auth.organisation_id is not None and auth.organisation_id != rec_org_id:
            failures.append(("other-organisation",
                             f"{ident} covers {auth.organisation_name}, and {rec_label} is not part of it"))
        elif auth.organisation_id is not None:
            # Only an explicit move extends an organisation-wide consent to a newcomer; an edit made
            # after the consent was logged does not (docs/design.md §2 rule 2).
            joined = self.vault.recipients.membership(rec_id)
            # (At the same instant the edit counts as later: the safe reading of a tie.)
            if joined is not None and joined[2] == "edited" and joined[1] >= auth.created_at:
                failures.append(("other-organisation",
                                 f"{ident} covers {auth.organisation_name}, and {rec_label} was put into it by an "
                                 f"edit on {day(joined[1])}, after it was logged; an edit does not extend anyone's "
                                 "consent. If they now work there, record the move (recipient move), which is "
                                 "audited"))
        if auth.revoked_at:
            failures.append(("revoked", f"{ident} was revoked on {day(auth.revoked_at)} ({auth.revoked_reason})"))
        if when < auth.obtained_at:
            failures.append(("not-yet-valid", f"{ident} is not valid before {day(auth.obtained_at)}"))
        if auth.valid_until and when >= auth.valid_until:
            failures.append(("expired", f"{ident} expired on {day(auth.valid_until)}"))
        outside = [i for i in items if not self._in_scope(i, auth.scope)]
        if outside:
            names = ", ".join(_item_word(i) for i in outside)
            failures.append(("outside-scope",
                             f"{ident} covers {', '.join(_item_word(s) for s in auth.scope)} but not {names}"))
        if auth.max_uses is not None and auth.uses >= auth.max_uses:
            failures.append(("use-limit-reached",
                             f"{ident} allowed {auth.max_uses} share(s) and all have been used"))
        return failures

    def _in_scope(self, item: str, scope: tuple[str, ...]) -> bool:
        if item in scope:
            return True
        if item.startswith("document:") and "resume" in scope:
            row = self.vault.conn.execute("SELECT role FROM documents WHERE uuid = ?", (item[9:],)).fetchone()
            return bool(row and row[0] == "resume")
        return False


def _item_word(item: str) -> str:
    return f"document {item[9:18]}…" if item.startswith("document:") else item


def _audit_items(items: list[str]) -> list[str]:
    """Item tokens are field names and ids only, so they can go into audit details as they are."""
    return [str(i).strip().lower()[:80] for i in items]

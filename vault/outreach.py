"""The outreach log: calls, e-mails, messages and meetings with their outcome.

It is also where the rules against pestering people live: a contact point marked
do-not-contact blocks logging (and so contacting) through it unless the user overrides; a
point that came from an old document is flagged; and after N unanswered attempts within a
window (settings ``outreach.max_unanswered``, default 3, and ``outreach.window_days``,
default 30) every further attempt carries a warning.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from .clock import iso_ms, user_instant
from .errors import OutreachBlocked, ValidationError

if TYPE_CHECKING:
    from .people import ContactPoint, Person
    from .store import Vault

CHANNELS = ("call", "email", "message", "meeting")
OUTCOMES = ("reached", "replied", "interested", "not-interested", "meeting-booked", "no-answer", "voicemail",
            "no-reply", "bounced", "declined", "other")
UNANSWERED = frozenset({"no-answer", "voicemail", "no-reply", "bounced"})
_CHANNEL_KINDS = {"call": ("phone",), "email": ("email",), "message": ("phone", "email", "link"),
                  "meeting": ("phone", "email", "link", "address")}


@dataclass(frozen=True)
class OutreachWarning:
    code: str  # do-not-contact | old-document | unanswered
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class OutreachEntry:
    uuid: str
    channel: str
    outcome: str
    note: str
    at: str
    contact_point: str | None
    contact_value: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.uuid, "channel": self.channel, "outcome": self.outcome, "note": self.note, "at": self.at,
                "contact_point": self.contact_point, "contact_value": self.contact_value}


class OutreachService:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    def _int_setting(self, key: str, default: int) -> int:
        try:
            return max(1, int(self.vault.setting(key, str(default)) or default))
        except ValueError:
            return default

    @property
    def max_unanswered(self) -> int:
        return self._int_setting("outreach.max_unanswered", 3)

    @property
    def window_days(self) -> int:
        return self._int_setting("outreach.window_days", 30)

    def _point(self, person: Person, point: str | None) -> ContactPoint | None:
        if not point:
            return None
        text = point.strip().lower()
        for candidate in person.contact_points:
            if candidate.uuid == text or (len(text) >= 4 and candidate.uuid.startswith(text)):
                return candidate
            if candidate.value.lower() == text or candidate.normalized == text:
                return candidate
        raise ValidationError("contact point", f"'{point}' is not one of this person's contact points")

    def unanswered_recently(self, person_id: int) -> int:
        since = iso_ms(self.vault.clock.now() - timedelta(days=self.window_days))
        marks = ",".join("?" * len(UNANSWERED))
        return cast(int, self.vault.conn.execute(
            f"SELECT count(*) FROM outreach WHERE person_id = ? AND at >= ? AND outcome IN ({marks})",
            (person_id, since, *sorted(UNANSWERED))).fetchone()[0])

    def check(self, ident: str | int, point: str | None = None, channel: str | None = None) -> list[OutreachWarning]:
        """What the user should know before contacting this person (through this point)."""
        person = self.vault.people.get(ident)
        chosen = self._point(person, point)
        kinds = _CHANNEL_KINDS.get(channel or "", ("phone", "email", "link", "address"))
        points = [chosen] if chosen else [p for p in person.contact_points if p.kind in kinds]
        warnings: list[OutreachWarning] = []
        for p in points:
            if p.outreach == "do-not-contact":
                warnings.append(OutreachWarning("do-not-contact", f"{p.kind} {p.value} is marked do-not-contact"))
            if p.from_old_document:
                warnings.append(OutreachWarning(
                    "old-document", f"{p.kind} {p.value} came from an old document and may no longer be theirs"))
        count = self.unanswered_recently(person.id)
        if count >= self.max_unanswered:
            warnings.append(OutreachWarning(
                "unanswered", f"{count} unanswered attempts in the last {self.window_days} days; "
                              "consider giving them a rest"))
        return warnings

    def log(self, ident: str | int, channel: str, outcome: str, *, point: str | None = None, note: str = "",
            at: str | None = None, override: bool = False) -> tuple[OutreachEntry, list[OutreachWarning]]:
        """Record one attempt. Refused through a do-not-contact point unless ``override``."""
        if channel not in CHANNELS:
            raise ValidationError("channel", f"must be one of {', '.join(CHANNELS)}")
        if outcome not in OUTCOMES:
            raise ValidationError("outcome", f"must be one of {', '.join(OUTCOMES)}")
        if len(note) > 10_000:
            raise ValidationError("note", "is longer than 10000 characters")
        person = self.vault.people.get(ident)
        chosen = self._point(person, point)
        if chosen is not None and chosen.kind not in _CHANNEL_KINDS[channel]:
            raise ValidationError("contact point", f"a {chosen.kind} cannot be used for a {channel}")
        if chosen is not None and chosen.outreach == "do-not-contact" and not override:
            raise OutreachBlocked(f"{chosen.kind} {chosen.value}")
        when = user_instant("at", at) if at else self.vault.now()
        entry_uuid = str(uuidlib.uuid4())
        with self.vault.transaction() as conn:
            conn.execute(
                "INSERT INTO outreach (uuid, person_id, contact_point_id, channel, outcome, note, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (entry_uuid, person.id, chosen.id if chosen else None, channel, outcome, note, when))
            self.vault.record("outreach.logged", "person", person.uuid,
                              {"outreach": entry_uuid, "channel": channel, "outcome": outcome,
                               "contact_point": chosen.uuid if chosen else None,
                               "override_do_not_contact": bool(chosen and chosen.outreach == "do-not-contact")})
        warnings = self.check(person.id, chosen.uuid if chosen else None, channel)
        entry = OutreachEntry(entry_uuid, channel, outcome, note, when, chosen.uuid if chosen else None,
                              chosen.value if chosen else None)
        return entry, warnings

    def list(self, ident: str | int) -> list[OutreachEntry]:
        person_id = self.vault.people.resolve(ident)
        rows = self.vault.conn.execute(
            "SELECT o.uuid, o.channel, o.outcome, o.note, o.at, c.uuid, c.value FROM outreach o "
            "LEFT JOIN contact_points c ON c.id = o.contact_point_id WHERE o.person_id = ? ORDER BY o.at DESC, o.id DESC",
            (person_id,)).fetchall()
        return [OutreachEntry(*row) for row in rows]

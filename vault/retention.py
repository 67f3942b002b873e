"""Retention: how long a person's data is kept, and the review queue of those past their date.

Each person is kept until their own ``retention_until`` when one is set; otherwise until the
vault's retention period (setting ``retention.months``, default 24) after their last activity:
the latest change to their record, document, outreach, share, or authorisation (its validity
end when that is later). People past the date appear in the queue for review; nothing is
erased without the user confirming it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from .errors import ValidationError

if TYPE_CHECKING:
    from .privacy import ErasureReport
    from .store import Vault

SETTING = "retention.months"
DEFAULT_MONTHS = 24


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class RetentionItem:
    person_id: int
    uuid: str
    full_name: str
    kind: str
    last_activity: str
    due: str
    basis: str  # "set on the person" or "N months after last activity"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.uuid, "name": self.full_name, "kind": self.kind, "last_activity": self.last_activity,
                "due": self.due, "basis": self.basis}


_ACTIVITY_SQL = """
SELECT p.id, p.uuid, p.full_name, p.kind, p.retention_until,
       max(p.updated_at,
           coalesce((SELECT max(created_at) FROM documents d WHERE d.person_id = p.id), ''),
           coalesce((SELECT max(at) FROM outreach o WHERE o.person_id = p.id), ''),
           coalesce((SELECT max(created_at) FROM shares s WHERE s.person_id = p.id), ''),
           coalesce((SELECT max(max(obtained_at, coalesce(valid_until, ''))) FROM authorisations a
                     WHERE a.person_id = p.id AND a.revoked_at IS NULL), ''))
FROM people p
"""


class RetentionService:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    def months(self) -> int:
        raw = self.vault.setting(SETTING, str(DEFAULT_MONTHS)) or str(DEFAULT_MONTHS)
        try:
            return max(1, int(raw))
        except ValueError:
            return DEFAULT_MONTHS

    def set_months(self, months: int) -> None:
        if months < 1 or months > 1200:
            raise ValidationError("retention.months", "must be between 1 and 1200")
        self.vault.set_setting(SETTING, str(months))

    def items(self) -> list[RetentionItem]:
        """Every person with their retention date, soonest first."""
        months = self.months()
        out: list[RetentionItem] = []
        for person_id, uuid, name, kind, until, activity in self.vault.conn.execute(_ACTIVITY_SQL):
            last = (activity or "")[:10]
            if until:
                due, basis = until[:10], "date set on the person"
            else:
                try:
                    due = add_months(date.fromisoformat(last), months).isoformat()
                except ValueError:
                    continue
                basis = f"{months} months after last activity"
            out.append(RetentionItem(person_id, uuid, name, kind, last, due, basis))
        out.sort(key=lambda item: (item.due, item.full_name.lower()))
        return out

    def queue(self, today: str | None = None) -> list[RetentionItem]:
        """People whose retention date has passed: the review queue."""
        today = today or self.vault.clock.now().date().isoformat()
        return [item for item in self.items() if item.due <= today]

    def erase(self, people: Iterable[str | int], *, suppress: bool = False) -> list[ErasureReport]:
        """Erase reviewed people from the queue (the caller has confirmed)."""
        return [self.vault.privacy.erase(p, suppress=suppress) for p in people]

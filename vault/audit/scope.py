"""What an audit export or a viewer covers (a person, a date range, actions), and the queries that page it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from vault.clock import user_instant
from vault.errors import ValidationError

from . import chain as audit
from .export_format import ERASED
from .names import NameBook

if TYPE_CHECKING:
    from vault.connection import Connection
    from vault.store import Vault



@dataclass(frozen=True)
class ExportScope:
    """What an export covers; ``None`` means 'no filter'. ``until`` is exclusive."""

    person: str | None = None
    since: str | None = None
    until: str | None = None
    actions: tuple[str, ...] | None = None
    #: With a person: also events that only mention them in their details (a scan of the whole
    #: trail). A person's Activity tab turns it off to stay an index lookup at a million events.
    mentions: bool = True

    @property
    def is_whole(self) -> bool:
        return self.person is None and self.since is None and self.until is None and self.actions is None

    def field_names(self) -> list[str]:
        return [name for name in ("person", "since", "until", "actions") if getattr(self, name) is not None]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"person": self.person, "since": self.since, "until": self.until,
                                "actions": list(self.actions) if self.actions is not None else None}
        if not self.mentions:
            data["mentions"] = False
        return data

    def describe(self) -> str:
        if self.is_whole:
            return "the whole vault"
        parts = []
        if self.person:
            parts.append(f"person {self.person}")
        if self.since:
            parts.append(f"from {self.since}")
        if self.until:
            parts.append(f"before {self.until}")
        if self.actions is not None:
            parts.append("actions " + ", ".join(self.actions))
        return "; ".join(parts)


def _normalise_time(text: str, name: str, *, end: bool) -> str:
    """A date means the whole day: ``since`` from its start, ``until`` up to the next day's start."""
    return user_instant(name, text, bare_date_offset=timedelta(days=1) if end else timedelta(0))


def make_scope(
    vault: Vault,
    *,
    person: str | None = None,
    since: str | None = None,
    until: str | None = None,
    actions: list[str] | tuple[str, ...] | None = None,
) -> ExportScope:
    """Validate user input into a scope. A person may be given by id prefix while they exist,
    or by full UUID after they were erased (their events stay, under that id)."""
    person_uuid = None
    if person:
        from vault.errors import NotFound

        try:
            person_uuid = vault.people.uuid_of(vault.people.resolve(person))
        except NotFound:
            text = person.strip().lower()
            if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text):
                raise
            person_uuid = text
    since_n = _normalise_time(since, "since", end=False) if since else None
    until_n = _normalise_time(until, "until", end=True) if until else None
    if since_n and until_n and until_n <= since_n:
        raise ValidationError("until", "must be after --since")
    chosen = None
    if actions:
        unknown = sorted(set(actions) - audit.ACTIONS)
        if unknown:
            raise ValidationError("action", f"unknown action {unknown[0]!r} (known: {', '.join(sorted(audit.ACTIONS))})")
        chosen = tuple(sorted(set(actions)))
    return ExportScope(person_uuid, since_n, until_n, chosen)


def _scope_filters(scope: ExportScope) -> tuple[str, list[Any]]:
    if scope.person and not scope.mentions:
        where, params = audit._filters(None, scope.actions, scope.since, scope.until)
        where = f"{where} AND subject_id = ?" if where else "WHERE subject_id = ?"
        return where, [*params, scope.person]
    return audit._filters([scope.person] if scope.person else None, scope.actions, scope.since, scope.until)


def _where(scope: ExportScope, head: int) -> tuple[str, list[Any]]:
    where, params = _scope_filters(scope)
    where = f"{where} AND seq <= ?" if where else "WHERE seq <= ?"
    return where, [*params, head]


def count_selected(conn: Connection, scope: ExportScope, head: int) -> int:
    where, params = _where(scope, head)
    return cast(int, conn.execute(f"SELECT count(*) FROM audit {where}", params).fetchone()[0])


def iter_selected(conn: Connection, scope: ExportScope, head: int, batch: int = 1000) -> Iterator[tuple[Any, ...]]:
    """Raw rows of the selected events, in seq order, streamed batch by batch."""
    where, params = _where(scope, head)
    last = 0
    while True:
        rows = conn.execute(
            f"SELECT {audit.EVENT_COLUMNS} FROM audit {where} AND seq > ? ORDER BY seq LIMIT ?",
            (*params, last, batch),
        ).fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


@dataclass(frozen=True)
class EventRow:
    """One event with its display annotation, for a viewer (names never enter the chain)."""

    event: audit.AuditEvent
    subject_name: str | None


def count_scope(conn: Connection, scope: ExportScope) -> int:
    if scope.is_whole:  # seq has no holes, and max() is one index probe where count() reads every row
        return cast(int, conn.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0])
    where, params = _scope_filters(scope)
    return cast(int, conn.execute(f"SELECT count(*) FROM audit {where}", params).fetchone()[0])


def page_events(vault: Vault, scope: ExportScope, before_seq: int | None = None,
                limit: int = 200) -> list[EventRow]:
    """Newest first, keyset-paged (``seq < before_seq``) so deep pages cost what the first does."""
    where, params = _scope_filters(scope)
    if before_seq is not None:
        where = f"{where} AND seq < ?" if where else "WHERE seq < ?"
        params.append(before_seq)
    rows = vault.conn.execute(
        f"SELECT {audit.EVENT_COLUMNS} FROM audit {where} ORDER BY seq DESC LIMIT ?", (*params, limit)
    ).fetchall()
    names = NameBook(vault.conn)
    result = []
    for row in rows:
        event = audit.row_to_event(row)
        result.append(EventRow(event, names.name(event.subject_type, event.subject_id)))
    return result


def find_person(vault: Vault, text: str) -> tuple[str, str]:
    """A viewer's person filter: an id (prefix, or an erased person's full UUID) or a unique name.
    Returns (uuid, display name)."""
    from vault.errors import Ambiguous, NotFound

    text = text.strip()
    if not text:
        raise ValidationError("person", "type a name or an id")
    try:
        scope = make_scope(vault, person=text)
        assert scope.person is not None
        return scope.person, NameBook(vault.conn).name("person", scope.person) or ERASED
    except NotFound:
        pass
    rows = vault.conn.execute(
        "SELECT uuid, full_name FROM people WHERE full_name LIKE ? ESCAPE '\\' ORDER BY sort_name LIMIT 2",
        ("%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",),
    ).fetchall()
    if not rows:
        raise NotFound("person", text)
    if len(rows) > 1:
        exact = [r for r in rows if r[1].lower() == text.lower()]
        if len(exact) != 1:
            raise Ambiguous("person", text, len(rows))
        rows = exact
    return rows[0][0], rows[0][1]

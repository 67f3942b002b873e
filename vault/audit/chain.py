"""The hash-chained audit trail: appending inside the caller's transaction, reading, verifying.

Event hash = SHA-256 of the RFC 8785 (JCS) canonical JSON of the event without ``hash``
(which includes ``prev``). Event values are restricted to strings, integers, booleans, null,
lists and objects with ASCII keys: for those, ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` is byte-for-byte the JCS form, which keeps verification fast; the tests
pin that equivalence against the ``rfc8785`` library. docs/audit-format.md is the spec.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from vault.errors import ValidationError

if TYPE_CHECKING:
    from vault.connection import Connection, Executor

GENESIS = "0" * 64

#: The fixed list of actions. Adding one is a deliberate change to the audit format.
ACTIONS: frozenset[str] = frozenset(
    {
        "vault.created",
        "vault.unlocked",
        "vault.migrated",
        "vault.rekeyed",
        "vault.backup",
        "vault.checked",
        "owner.updated",
        "settings.changed",
        "person.created",
        "person.updated",
        "person.deleted",
        "person.erased",
        "person.exported",
        "person.sharing_policy",
        "contact_point.added",
        "contact_point.updated",
        "contact_point.removed",
        "tag.added",
        "tag.removed",
        "document.added",
        "document.updated",
        "document.removed",
        "document.exported",
        "document.viewed",
        "organisation.created",
        "organisation.updated",
        "organisation.superseded",
        "recipient.created",
        "recipient.updated",
        "recipient.retired",
        "recipient.reinstated",
        "recipient.deleted",
        "organisation.retired",
        "organisation.reinstated",
        "organisation.deleted",
        "recipient.superseded",
        "recipient.moved",
        "authorisation.logged",
        "authorisation.revoked",
        "share.created",
        "share.refused",
        "package.imported",
        "intro.requested",
        "intro.answered",
        "outreach.logged",
        "import.applied",
        "export.vcard",
        "audit.exported",
        "audit.checkpoint",
        "suppression.added",
        "suppression.lifted",
        "person.merged",
        "export.list",
    }
)


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes for the restricted value space of audit events (see module doc)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _check_value(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:  # I-JSON / RFC 8785 safe integers
            raise ValidationError(path, "integers in audit details must fit in 53 bits")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise ValidationError(path, "audit detail keys must be ASCII strings")
            _check_value(item, f"{path}.{key}")
        return
    raise ValidationError(path, f"audit details cannot hold {type(value).__name__} values")


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: str
    actor: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]
    prev: str
    hash: str

    def body(self) -> dict[str, Any]:
        """The hashed part: every field except ``hash``."""
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "subject": {"type": self.subject_type, "id": self.subject_id},
            "details": self.details,
            "prev": self.prev,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}


def event_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body)).hexdigest()


def row_to_event(row: tuple[Any, ...]) -> AuditEvent:
    seq, at, actor, action, subject_type, subject_id, details, prev, digest = row
    return AuditEvent(seq, at, actor, action, subject_type, subject_id, json.loads(details), prev, digest)


EVENT_COLUMNS = "seq, at, actor, action, subject_type, subject_id, details, prev, hash"


def append(
    conn: Executor,
    *,
    at: str,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. The caller owns the transaction, so the event commits with the change."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    details = dict(details or {})
    _check_value(details, "details")
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event = AuditEvent(seq, at, actor, action, subject_type, subject_id, details, prev, "")
    digest = event_hash(event.body())
    conn.execute(
        f"INSERT INTO audit ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, actor, action, subject_type, subject_id, canonical_json(details).decode("utf-8"), prev, digest),
    )
    return AuditEvent(seq, at, actor, action, subject_type, subject_id, details, prev, digest)



def append_many(conn: Connection, events: Iterable[dict[str, Any]]) -> list[AuditEvent]:
    """Append several events in order, as repeated ``append`` calls would (the same seqs, links
    and hashes, byte for byte), with one read of the chain head and one ``executemany``.

    Each event is a mapping with ``at``, ``actor``, ``action``, ``subject_type``, ``subject_id``
    and optionally ``details``. Every event is checked before anything is written. The caller
    owns the transaction, so the events commit with the change.
    """
    checked: list[tuple[str, str, str, str, str, dict[str, Any]]] = []
    for event in events:
        action = event["action"]
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        details = dict(event.get("details") or {})
        _check_value(details, "details")
        checked.append((event["at"], event["actor"], action, event["subject_type"], event["subject_id"], details))
    if not checked:
        return []
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    rows: list[tuple[Any, ...]] = []
    appended: list[AuditEvent] = []
    for at, actor, action, subject_type, subject_id, details in checked:
        digest = event_hash(AuditEvent(seq, at, actor, action, subject_type, subject_id, details, prev, "").body())
        rows.append((seq, at, actor, action, subject_type, subject_id, canonical_json(details).decode("utf-8"),
                     prev, digest))
        appended.append(AuditEvent(seq, at, actor, action, subject_type, subject_id, details, prev, digest))
        seq, prev = seq + 1, digest
    conn.executemany(f"INSERT INTO audit ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return appended

@dataclass(frozen=True)
class ChainStatus:
    ok: bool
    verified_up_to: int
    count: int
    broken_at: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"verified up to #{self.verified_up_to} ({self.count} events)"
        return f"broken at #{self.broken_at}: {self.reason}"


def verify_events(events: Iterable[AuditEvent], start_prev: str = GENESIS, start_seq: int = 1) -> ChainStatus:
    """Recompute every hash and link; stop at the first event that does not fit."""
    prev, expected_seq, count, last_ok = start_prev, start_seq, 0, start_seq - 1
    sha256, dumps = hashlib.sha256, json.dumps
    for event in events:
        if event.seq != expected_seq:
            return ChainStatus(False, last_ok, count, event.seq, f"expected event #{expected_seq} here")
        if event.prev != prev:
            return ChainStatus(False, last_ok, count, event.seq, "its link to the previous event is wrong")
        body = {
            "seq": event.seq,
            "at": event.at,
            "actor": event.actor,
            "action": event.action,
            "subject": {"type": event.subject_type, "id": event.subject_id},
            "details": event.details,
            "prev": event.prev,
        }
        digest = sha256(dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
        if digest != event.hash:
            return ChainStatus(False, last_ok, count, event.seq, "its content does not match its hash")
        prev, expected_seq, last_ok = digest, expected_seq + 1, event.seq
        count += 1
    return ChainStatus(True, last_ok, count)


def iter_events(conn: Connection, batch: int = 5000, after_seq: int = 0) -> Iterator[AuditEvent]:
    """Stream the whole chain in seq order without holding it in memory."""
    return map(row_to_event, iter_rows(conn, batch, after_seq))


def iter_rows(conn: Connection, batch: int = 5000, after_seq: int = 0) -> Iterator[tuple[Any, ...]]:
    """Stream raw audit rows (details still as stored text) in seq order, batch by batch."""
    last = after_seq
    while True:
        rows = conn.execute(
            f"SELECT {EVENT_COLUMNS} FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", (last, batch)
        ).fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def verify_rows(rows: Iterable[tuple[Any, ...]], start_prev: str = GENESIS, start_seq: int = 1) -> ChainStatus:
    """``verify_events`` over raw rows, fast enough for millions of events.

    ``append`` stores ``details`` as its canonical JSON text, so the canonical body can be
    assembled as a string (keys in sorted order) without parsing. A row whose assembled form
    does not match is re-checked with the exact definition (parse, then ``canonical_json``)
    before it is reported, so the result is always the one the definition gives.
    """
    prev, expected_seq, count, last_ok = start_prev, start_seq, 0, start_seq - 1
    sha256, enc = hashlib.sha256, json.encoder.encode_basestring
    for row in rows:
        seq, at, actor, action, subject_type, subject_id, details, row_prev, digest = row
        if seq != expected_seq:
            return ChainStatus(False, last_ok, count, seq, f"expected event #{expected_seq} here")
        if row_prev != prev:
            return ChainStatus(False, last_ok, count, seq, "its link to the previous event is wrong")
        try:
            text = (
                f'{{"action":{enc(action)},"actor":{enc(actor)},"at":{enc(at)},"details":{details},'
                f'"prev":{enc(row_prev)},"seq":{seq},"subject":{{"id":{enc(subject_id)},"type":{enc(subject_type)}}}}}'
            )
            fast = sha256(text.encode()).hexdigest()
        except (TypeError, UnicodeEncodeError):
            fast = ""
        if fast != digest:
            try:
                exact = event_hash(row_to_event(row).body())
            except (TypeError, ValueError):
                exact = ""
            if exact != digest:
                return ChainStatus(False, last_ok, count, seq, "its content does not match its hash")
        prev, expected_seq, last_ok = digest, expected_seq + 1, seq
        count += 1
    return ChainStatus(True, last_ok, count)


def verify_chain(conn: Connection) -> ChainStatus:
    return verify_rows(iter_rows(conn))


def verify_tail(conn: Connection, events: int, anchor: tuple[int, str] | None = None) -> ChainStatus:
    """The newest ``events`` events re-hashed and linked (the quick check's share of the chain).

    With ``anchor`` (a signed checkpoint's seq and hash, inside that window), the events after it
    are verified from its hash, so they are tied to the signed history; otherwise the oldest event
    of the window is taken as it stands. Older events are the full check's (``verify_chain``).
    """
    head = conn.execute("SELECT max(seq) FROM audit").fetchone()[0] or 0
    start = max(1, head - events + 1)
    if anchor is not None and anchor[0] >= start - 1:
        return verify_rows(iter_rows(conn, after_seq=anchor[0]), anchor[1], anchor[0] + 1)
    if start == 1:
        return verify_rows(iter_rows(conn))
    row = conn.execute("SELECT prev FROM audit WHERE seq = ?", (start,)).fetchone()
    if row is None:
        return ChainStatus(False, start - 1, 0, start, f"expected event #{start} here")
    return verify_rows(iter_rows(conn, after_seq=start - 1), row[0], start)


def query_events(
    conn: Connection,
    *,
    subject_ids: Iterable[str] | None = None,
    actions: Iterable[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 200,
    offset: int = 0,
    newest_first: bool = True,
    mentions: bool = True,
) -> list[AuditEvent]:
    """Matching events. ``mentions=False`` keeps only events whose subject is one of
    ``subject_ids`` (an index lookup), skipping events that merely name them in their details,
    which needs a scan of the whole trail; the person pane uses it to stay fast at scale."""
    where, params = _filters(subject_ids, actions, since, until, mentions)
    order = "DESC" if newest_first else "ASC"
    rows = conn.execute(
        f"SELECT {EVENT_COLUMNS} FROM audit {where} ORDER BY seq {order} LIMIT ? OFFSET ?",
        (*params, limit, offset),
    ).fetchall()
    return [row_to_event(row) for row in rows]


def count_events(
    conn: Connection,
    *,
    subject_ids: Iterable[str] | None = None,
    actions: Iterable[str] | None = None,
    since: str | None = None,
    until: str | None = None,
) -> int:
    where, params = _filters(subject_ids, actions, since, until)
    return cast(int, conn.execute(f"SELECT count(*) FROM audit {where}", params).fetchone()[0])


def _filters(
    subject_ids: Iterable[str] | None,
    actions: Iterable[str] | None,
    since: str | None,
    until: str | None,
    mentions: bool = True,
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if subject_ids is not None and not mentions:
        ids = list(subject_ids)
        clauses.append(f"subject_id IN ({','.join('?' * len(ids))})" if ids else "0")
        params.extend(ids)
    elif subject_ids is not None:
        ids = list(subject_ids)
        clauses.append(
            f"(subject_id IN ({','.join('?' * len(ids))}) OR "
            + " OR ".join(["details LIKE ?"] * len(ids))
            + ")"
            if ids
            else "0"
        )
        params.extend(ids)
        params.extend(f'%"{i}"%' for i in ids)
    if actions is not None:
        acts = list(actions)
        clauses.append(f"action IN ({','.join('?' * len(acts))})" if acts else "0")
        params.extend(acts)
    if since:
        clauses.append("at >= ?")
        params.append(since)
    if until:
        clauses.append("at < ?")
        params.append(until)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def last_event(conn: Connection) -> AuditEvent | None:
    row = conn.execute(f"SELECT {EVENT_COLUMNS} FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return row_to_event(row) if row else None

"""Finding a record by its integer id, its UUID or an unambiguous UUID prefix (as git does with
commit hashes), the one way every command and service resolves what the user typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from .errors import Ambiguous, NotFound

if TYPE_CHECKING:
    from .connection import Connection

MIN_PREFIX = 4


def find_by_uuid_prefix(conn: Connection, table: str, kind: str, text: str) -> int | None:
    """The row id whose UUID starts with ``text``; None when none does. Raises Ambiguous."""
    text = text.strip().lower()
    if len(text) < MIN_PREFIX:
        return None
    rows = conn.execute(
        f"SELECT id FROM {table} WHERE uuid >= ? AND uuid < ? LIMIT 2", (text, text + "\uffff")
    ).fetchall()
    if len(rows) > 1:
        raise Ambiguous(kind, text, len(rows))
    return rows[0][0] if rows else None


def resolve_id(conn: Connection, table: str, kind: str, ident: str | int) -> int:
    """Row id from an integer id, a UUID or a UUID prefix; NotFound or Ambiguous otherwise."""
    if isinstance(ident, int):
        row = conn.execute(f"SELECT id FROM {table} WHERE id = ?", (ident,)).fetchone()
        if not row:
            raise NotFound(kind, str(ident))
        return cast(int, row[0])
    found = find_by_uuid_prefix(conn, table, kind, str(ident))
    if found is None:
        raise NotFound(kind, str(ident).strip().lower())
    return found

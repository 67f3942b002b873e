"""Full-text search over people with SQLite FTS5.

The index holds one row per person (rowid = people.id) and is rewritten inside the same
transaction as every change that affects it. User queries are translated into FTS5 syntax
by a small tokenizer so that any text a recruiter types is a valid query: words, ``rob*``
prefixes, ``"quoted phrases"``, ``AND``/``OR``/``NOT`` and parentheses; anything else is
quoted as a literal word.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlcipher3

from .contact_points import parse_phone
from .errors import BadSearchQuery

if TYPE_CHECKING:
    from .connection import Connection
    from .store import Vault

# bm25 weights per column: names, work, contact, tags, notes, resume.
_WEIGHTS = "10.0, 4.0, 6.0, 5.0, 1.5, 1.0"
_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
_OPERATORS = {"AND", "OR", "NOT"}
MAX_QUERY = 500


def to_fts_query(text: str) -> str:
    """Translate what a person typed into a safe FTS5 MATCH expression ('' when empty)."""
    if len(text) > MAX_QUERY:
        raise BadSearchQuery(text[:40] + "…", f"it is longer than {MAX_QUERY} characters")
    out: list[str] = []
    depth = 0
    for raw in _TOKEN.findall(text):
        if raw == "(":
            out.append("(")
            depth += 1
            continue
        if raw == ")":
            if depth:
                out.append(")")
                depth -= 1
            continue
        if raw in _OPERATORS:
            out.append(raw)
            continue
        if raw.startswith('"'):
            phrase = raw.strip('"').replace('"', " ")
            words = _words(phrase)
            if words:
                out.append('"' + " ".join(words) + '"')
            continue
        prefix = raw.endswith("*")
        words = _words(raw.rstrip("*"))
        if not words:
            continue
        if len(words) == 1:
            out.append(f'"{words[0]}"' + ("*" if prefix else ""))
        else:
            # e-mail addresses, hyphenated names, phone numbers: match the words as a phrase.
            out.append('"' + " ".join(words) + '"' + ("*" if prefix else ""))
    out.extend(")" * depth)
    return _tidy(out)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^\w]+", text, flags=re.UNICODE) if w]


def _tidy(tokens: list[str]) -> str:
    """Drop operators that would leave FTS5 with a syntax error (leading, trailing, doubled)."""
    cleaned: list[str] = []
    for token in tokens:
        is_op = token in _OPERATORS
        if token == "NOT" and cleaned and cleaned[-1] == "AND":
            cleaned[-1] = "NOT"  # FTS5 spells "a AND NOT b" as "a NOT b"
            continue
        if is_op and (not cleaned or cleaned[-1] in _OPERATORS or cleaned[-1] == "("):
            continue
        if token == ")" and cleaned and cleaned[-1] in _OPERATORS:
            cleaned.pop()
        if token == ")" and cleaned and cleaned[-1] == "(":
            cleaned.pop()
            continue
        cleaned.append(token)
    while cleaned and cleaned[-1] in _OPERATORS:
        cleaned.pop()
    while cleaned and cleaned[0] in _OPERATORS:
        cleaned.pop(0)
    # FTS5 only joins bare phrases implicitly; spell AND out wherever two operands meet.
    joined: list[str] = []
    for token in cleaned:
        if joined and joined[-1] not in _OPERATORS and joined[-1] != "(" and token not in _OPERATORS \
                and token != ")":
            joined.append("AND")
        joined.append(token)
    return " ".join(joined)


_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]{7,}$")


def phone_query(text: str) -> str:
    """A typed phone number, in any layout, matches the digits the index keeps for phones."""
    if not _PHONE_LIKE.match(text.strip()):
        return ""
    digits = re.sub(r"\D", "", text)
    if len(digits) < 7:
        return ""
    forms = {digits}
    national = _national_digits(text)
    if national:
        forms.add(national)
    return " OR ".join(f'"{d}"' for d in sorted(forms))


def _national_digits(value: str) -> str:
    parsed = parse_phone(value, "US")
    return str(parsed.national_number) if parsed is not None else ""


def _index_form(kind: str, value: str, normalized: str) -> str:
    if kind != "phone":
        return value
    digits = re.sub(r"\D", "", normalized)
    return f"{value} {digits} {_national_digits(normalized) if normalized.startswith('+') else ''}"


def _blocks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def fallback_query(text: str) -> str:
    """Every word as a literal, all required: used when the operators do not parse."""
    return " AND ".join(f'"{w}"' for w in _words(text))


@dataclass(frozen=True)
class SearchResult:
    ids: list[int]
    total: int


class SearchService:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._deferred: set[int] | None = None

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """For bulk writes (imports), inside their transaction: every person touched in the block
        is reindexed once, at its end (``reindex_many``: all deletes first, only of rows that
        exist, then the inserts in rowid order, read and written in blocks).

        An FTS5 delete that follows inserts flushes the pending index data to disk; reindexing a
        merged person three times amid thousands of new ones cost seconds per import.
        """
        if self._deferred is not None:
            yield
            return
        self._deferred = set()
        try:
            yield
            touched = sorted(self._deferred)
        finally:
            self._deferred = None
        self.reindex_many(touched)

    def reindex_many(self, person_ids: list[int]) -> None:
        """Rewrite the index rows of many people at once, exactly as ``reindex_person`` would one
        by one: first every delete (only of rows that exist: a new person has none), then the
        inserts in rowid order, read and written in blocks instead of four queries per person."""
        conn = self.vault.conn
        ids = sorted(set(person_ids))
        existing: list[int] = []
        for block in _blocks(ids):
            marks = ",".join("?" * len(block))
            existing.extend(r[0] for r in conn.execute(
                f"SELECT rowid FROM search_index WHERE rowid IN ({marks}) ORDER BY rowid", block))
        conn.executemany("DELETE FROM search_index WHERE rowid = ?", [(i,) for i in existing])
        for block in _blocks(ids):
            conn.executemany(
                "INSERT INTO search_index (rowid, names, work, contact, tags, notes, resume) VALUES (?, ?, ?, ?, ?, ?, ?)",
                self._rows_for(block))

    def reindex_person(self, person_id: int) -> None:
        """Rewrite this person's index row; call inside the transaction that changed them."""
        if self._deferred is not None:
            self._deferred.add(person_id)
            return
        self.vault.conn.execute("DELETE FROM search_index WHERE rowid = ?", (person_id,))
        self._insert_row(person_id)

    def _insert_row(self, person_id: int) -> None:
        conn = self.vault.conn
        row = conn.execute(
            "SELECT full_name, given_name, family_name, headline, organisation, title, notes "
            "FROM people WHERE id = ?",
            (person_id,),
        ).fetchone()
        if row is None:
            return
        full_name, given, family, headline, organisation, title, notes = row
        contact = " ".join(
            _index_form(kind, value, normalized)
            for kind, value, normalized in conn.execute(
                "SELECT kind, value, normalized FROM contact_points WHERE person_id = ? ORDER BY id", (person_id,)
            )
        )
        tags = " ".join(
            r[0]
            for r in conn.execute(
                "SELECT t.name FROM person_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.person_id = ?",
                (person_id,),
            )
        )
        resume = "\n".join(
            r[0]
            for r in conn.execute(
                "SELECT dt.text FROM documents d JOIN document_text dt ON dt.document_id = d.id "
                "WHERE d.person_id = ? ORDER BY d.id",
                (person_id,),
            )
        )
        conn.execute(
            "INSERT INTO search_index (rowid, names, work, contact, tags, notes, resume) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (person_id, " ".join({full_name, given, family}), f"{headline} {organisation} {title}", contact, tags,
             notes, resume),
        )

    def _rows_for(self, ids: list[int]) -> list[tuple[Any, ...]]:
        """The index rows ``_insert_row`` would write for ``ids`` (sorted; missing people skipped)."""
        conn = self.vault.conn
        marks = ",".join("?" * len(ids))
        contact: dict[int, list[str]] = {}
        for person_id, kind, value, normalized in conn.execute(
                f"SELECT person_id, kind, value, normalized FROM contact_points WHERE person_id IN ({marks}) "
                "ORDER BY person_id, id", ids):
            contact.setdefault(person_id, []).append(_index_form(kind, value, normalized))
        tags: dict[int, list[str]] = {}
        for person_id, name in conn.execute(
                "SELECT pt.person_id, t.name FROM person_tags pt JOIN tags t ON t.id = pt.tag_id "
                f"WHERE pt.person_id IN ({marks}) ORDER BY pt.person_id, pt.tag_id", ids):
            tags.setdefault(person_id, []).append(name)
        resume: dict[int, list[str]] = {}
        for person_id, text in conn.execute(
                "SELECT d.person_id, dt.text FROM documents d JOIN document_text dt ON dt.document_id = d.id "
                f"WHERE d.person_id IN ({marks}) ORDER BY d.person_id, d.id", ids):
            resume.setdefault(person_id, []).append(text)
        rows: list[tuple[Any, ...]] = []
        for person_id, full_name, given, family, headline, organisation, title, notes in conn.execute(
                "SELECT id, full_name, given_name, family_name, headline, organisation, title, notes "
                f"FROM people WHERE id IN ({marks}) ORDER BY id", ids):
            rows.append((person_id, " ".join({full_name, given, family}), f"{headline} {organisation} {title}",
                         " ".join(contact.get(person_id, ())), " ".join(tags.get(person_id, ())), notes,
                         "\n".join(resume.get(person_id, ()))))
        return rows

    def remove_person(self, person_id: int) -> None:
        self.vault.conn.execute("DELETE FROM search_index WHERE rowid = ?", (person_id,))

    def query(self, text: str, *, limit: int = 200, offset: int = 0, kind: str | None = None) -> SearchResult:
        """Ranked person ids for ``text`` (best first) and the total number of matches."""
        match = phone_query(text) or to_fts_query(text)
        if not match:
            return SearchResult([], 0)
        try:
            return self._run(match, limit, offset, kind)
        except sqlcipher3.OperationalError:
            match = fallback_query(text)
        if not match:
            return SearchResult([], 0)
        try:
            return self._run(match, limit, offset, kind)
        except sqlcipher3.OperationalError as exc:
            raise BadSearchQuery(text, str(exc)) from exc

    def _run(self, match: str, limit: int, offset: int, kind: str | None) -> SearchResult:
        conn: Connection = self.vault.reader  # a never-writing connection ranks several times faster
        kind_filter = ""
        params: list[Any] = [match]
        if kind:
            kind_filter = " AND rowid IN (SELECT id FROM people WHERE kind = ?)"
            params.append(kind)
        ids = [
            r[0]
            for r in conn.execute(
                f"SELECT rowid FROM search_index WHERE search_index MATCH ?{kind_filter} "
                f"ORDER BY bm25(search_index, {_WEIGHTS}) LIMIT ? OFFSET ?",
                (*params, limit, offset),
            )
        ]
        if len(ids) < limit and offset == 0:
            total = len(ids)
        else:
            total = conn.execute(
                f"SELECT count(*) FROM search_index WHERE search_index MATCH ?{kind_filter}", params
            ).fetchone()[0]
        return SearchResult(ids, total)

    def rebuild(self) -> None:
        """Recreate the whole index (after erasure, or when an integrity check asks for it)."""
        with self.vault.transaction() as conn:
            conn.execute("DELETE FROM search_index")
            for (person_id,) in conn.execute("SELECT id FROM people").fetchall():
                self.reindex_person(person_id)
            conn.execute("INSERT INTO search_index(search_index) VALUES ('optimize')")

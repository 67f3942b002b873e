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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import sqlcipher3

from .contact_points import parse_phone
from .errors import BadSearchQuery, ValidationError

if TYPE_CHECKING:
    from .connection import Connection
    from .store import Vault

# bm25 weights per column: names, work, contact, tags, notes, resume.
_WEIGHTS = "10.0, 4.0, 6.0, 5.0, 1.5, 1.0"
_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
_OPERATORS = {"AND", "OR", "NOT"}
MAX_QUERY = 500
_T = TypeVar("_T")


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
class ViewFilter:
    """How a search is narrowed to a sidebar view: SQL joined to ``search_index`` and ANDed to
    its MATCH, with their parameters.

    Every filter is a join driven by the FTS5 matches (``CROSS JOIN`` keeps ``search_index`` the
    outer loop), or a correlated probe by person id. A ``rowid IN (SELECT …)`` filter instead is
    handed to FTS5 as a rowid constraint, and FTS5 then probes its index once per listed person:
    seconds per query at 100,000 people, against milliseconds for the join.
    """

    join: str = ""
    join_params: tuple[Any, ...] = ()
    where: str = ""
    params: tuple[Any, ...] = ()


_PERSON = " CROSS JOIN people p ON p.id = search_index.rowid"


def view_filter(vault: Vault, view: str, tag: str | None = None) -> ViewFilter:
    """The ``ViewFilter`` of a sidebar view (the keys ``PeopleService.list_ids`` takes)."""
    if view in ("all", "", None):
        return ViewFilter()
    if view in ("candidate", "candidates"):
        return ViewFilter(_PERSON, (), " AND p.kind = ?", ("candidate",))
    if view in ("contact", "contacts"):
        return ViewFilter(_PERSON, (), " AND p.kind = ?", ("contact",))
    if view == "retention-due":
        today = vault.clock.now().date().isoformat()
        return ViewFilter(_PERSON, (), " AND p.retention_until IS NOT NULL AND p.retention_until <= ?", (today,))
    if view == "do-not-contact":
        return ViewFilter(where=" AND EXISTS (SELECT 1 FROM contact_points c WHERE c.person_id = search_index.rowid "
                                "AND c.outreach = 'do-not-contact')")
    if view == "tag":
        return ViewFilter(" CROSS JOIN person_tags pt ON pt.person_id = search_index.rowid "
                          "AND pt.tag_id = (SELECT id FROM tags WHERE name = ? COLLATE NOCASE)", (tag or "",))
    raise ValidationError("view", f"unknown view '{view}'")


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

    def query(self, text: str, *, limit: int = 200, offset: int = 0, kind: str | None = None,
              view: str = "all", tag: str | None = None, count: bool = True) -> SearchResult:
        """Ranked person ids for ``text`` (best first) and the total number of matches.

        ``view`` (and ``tag``) narrow the matches to a sidebar view as ``PeopleService.list_ids``
        understands it; ``kind`` ('candidate' or 'contact') is the same as those two views.
        The total needs a second pass over the matches when the page is full: with
        ``count=False`` it is skipped and ``total`` is -1 (the GUI shows the rows first).
        """
        scope = view_filter(self.vault, kind or view, tag)

        def run(match: str) -> SearchResult:
            return self._run(match, scope, limit, offset, count)

        return self._with_fallback(text, run, SearchResult([], 0))

    def count(self, text: str, *, view: str = "all", tag: str | None = None) -> int:
        """How many people ``text`` matches in ``view`` (the GUI asks once the first rows show)."""
        scope = view_filter(self.vault, view, tag)
        return self._with_fallback(text, lambda match: self._count(match, scope), 0)

    def _with_fallback(self, text: str, run: Callable[[str], _T], empty: _T) -> _T:
        """Run ``run`` on the FTS5 form of ``text``; when FTS5 rejects it, on every word literally."""
        match = phone_query(text) or to_fts_query(text)
        if not match:
            return empty
        try:
            return run(match)
        except sqlcipher3.OperationalError:
            match = fallback_query(text)
        if not match:
            return empty
        try:
            return run(match)
        except sqlcipher3.OperationalError as exc:
            raise BadSearchQuery(text, str(exc)) from exc

    def _run(self, match: str, scope: ViewFilter, limit: int, offset: int, count: bool) -> SearchResult:
        conn: Connection = self.vault.reader  # committed data; inside a transaction, the main connection
        ids = [
            r[0]
            for r in conn.execute(
                f"SELECT search_index.rowid FROM search_index{scope.join} WHERE search_index MATCH ?{scope.where} "
                f"ORDER BY bm25(search_index, {_WEIGHTS}), search_index.rowid LIMIT ? OFFSET ?",
                (*scope.join_params, match, *scope.params, limit, offset),
            )
        ]
        if len(ids) < limit and (offset == 0 or ids):
            total = offset + len(ids)
        else:
            total = self._count(match, scope) if count else -1
        return SearchResult(ids, total)

    def _count(self, match: str, scope: ViewFilter) -> int:
        return int(self.vault.reader.execute(
            f"SELECT count(*) FROM search_index{scope.join} WHERE search_index MATCH ?{scope.where}",
            (*scope.join_params, match, *scope.params)).fetchone()[0])

    def rebuild(self) -> None:
        """Recreate the whole index (after erasure, or when an integrity check asks for it)."""
        with self.vault.transaction() as conn:
            conn.execute("DELETE FROM search_index")
            for (person_id,) in conn.execute("SELECT id FROM people").fetchall():
                self.reindex_person(person_id)
            conn.execute("INSERT INTO search_index(search_index) VALUES ('optimize')")

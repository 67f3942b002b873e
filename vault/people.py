"""People (candidates and network contacts), their contact points and tags.

Every write goes through ``Vault.transaction()`` with its audit event and a search-index
refresh in the same transaction. Audit details name fields and ids, never values.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import TYPE_CHECKING, Any, cast

import sqlcipher3

from . import audit
from . import contact_points as cp
from .errors import DuplicatePerson, NotFound, ValidationError
from .lookup import resolve_id
from .name_check import unsafe_characters
from .suppression import admit

if TYPE_CHECKING:
    from .connection import Connection
    from .store import Vault

KINDS = ("candidate", "contact")
#: The contact points that make two records the same person (a phone only in E.164 form).
IDENTITY_KINDS = ("email", "phone", "link")
STATUSES = ("active", "passive", "placed", "not-looking")
POLICIES = ("on-authorisation", "locked")
DEFAULT_POLICY = {"candidate": "on-authorisation", "contact": "locked"}
MAX_TEXT = {"full_name": 200, "given_name": 100, "family_name": 100, "headline": 300,
            "organisation": 200, "title": 200, "notes": 100_000}
SORT_COLUMNS = {"name": "sort_name COLLATE NOCASE", "organisation": "organisation COLLATE NOCASE",
                "updated": "updated_at"}


@dataclass(frozen=True)
class ContactPoint:
    id: int
    uuid: str
    kind: str
    value: str
    normalized: str
    label: str
    source: str
    source_detail: str
    obtained_on: str | None
    outreach: str

    @property
    def from_old_document(self) -> bool:
        return self.source == "old-document"


@dataclass(frozen=True)
class NewContactPoint:
    kind: str
    value: str
    label: str = ""
    source: str = "given"
    source_detail: str = ""
    obtained_on: str | None = None
    outreach: str = "ok"


@dataclass(frozen=True)
class PersonFields:
    """The editable fields of a person; ``None`` in an update means 'leave as it is'."""

    full_name: str | None = None
    kind: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    headline: str | None = None
    organisation: str | None = None
    title: str | None = None
    notes: str | None = None
    status: str | None = None
    not_looking_until: str | None = None
    retention_until: str | None = None
    sharing_policy: str | None = None


@dataclass(frozen=True)
class PersonRow:
    """What a list shows: cheap to fetch in pages."""

    id: int
    uuid: str
    kind: str
    full_name: str
    organisation: str
    title: str
    updated_at: str
    email: str
    phone: str


@dataclass(frozen=True)
class Person:
    id: int
    uuid: str
    kind: str
    full_name: str
    given_name: str
    family_name: str
    headline: str
    organisation: str
    title: str
    notes: str
    status: str
    not_looking_until: str | None
    retention_until: str | None
    sharing_policy: str
    origin: str
    created_at: str
    updated_at: str
    contact_points: tuple[ContactPoint, ...] = ()
    tags: tuple[str, ...] = field(default_factory=tuple)

    def points(self, kind: str) -> list[ContactPoint]:
        return [p for p in self.contact_points if p.kind == kind]

    def shareable_points(self, kind: str) -> list[ContactPoint]:
        """The values of ``kind`` that may leave in a share: never one marked do-not-contact, nor
        one taken from an old document (it may no longer be theirs)."""
        return [p for p in self.points(kind) if p.outreach == "ok" and not p.from_old_document]

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("contact_points", "tags")}
        data["id"] = self.uuid
        data["contact_points"] = [p.__dict__ for p in self.contact_points]
        data["tags"] = list(self.tags)
        return data


_PERSON_COLUMNS = (
    "id, uuid, kind, full_name, given_name, family_name, headline, organisation, title, notes, status, "
    "not_looking_until, retention_until, sharing_policy, origin, created_at, updated_at"
)
_POINT_COLUMNS = "id, uuid, kind, value, normalized, label, source, source_detail, obtained_on, outreach"


def sort_name_for(full_name: str, family_name: str, given_name: str) -> str:
    """Family name first when known, so lists sort the way recruiters expect."""
    if family_name:
        return f"{family_name} {given_name}".strip().lower()
    parts = full_name.split()
    if len(parts) > 1:
        return f"{parts[-1]} {' '.join(parts[:-1])}".lower()
    return full_name.lower()


def _check_date(name: str, value: str | None) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError as exc:
        raise ValidationError(name, f"'{value}' is not a date (use YYYY-MM-DD)") from exc


_NAME_FIELDS = ("full_name", "given_name", "family_name")


def _refuse_hidden(field: str, value: str) -> None:
    """A name with bidi controls or invisible characters can read as another one (cover sheets,
    vCards, the terminal): refused on every way in (vault/name_check.py)."""
    bad = unsafe_characters(value)
    if bad:
        raise ValidationError(field, f"contains invisible or text-direction characters ({', '.join(bad)})")


def _clean(values: PersonFields, *, creating: bool) -> dict[str, Any]:
    """Validate every given field; the error names the field that is wrong."""
    out: dict[str, Any] = {}
    for f in fields(values):
        value = getattr(values, f.name)
        if value is None:
            continue
        if f.name in MAX_TEXT:
            value = value.strip() if f.name != "notes" else value
            if len(value) > MAX_TEXT[f.name]:
                raise ValidationError(f.name, f"is longer than {MAX_TEXT[f.name]} characters")
            if "\x00" in value:
                raise ValidationError(f.name, "contains a NUL character")
            if f.name in _NAME_FIELDS:
                _refuse_hidden(f.name, value)
        out[f.name] = value
    if creating or "full_name" in out:
        if not out.get("full_name", "").strip():
            raise ValidationError("full_name", "a name is required")
    if "kind" in out and out["kind"] not in KINDS:
        raise ValidationError("kind", "must be 'candidate' or 'contact'")
    if "status" in out and out["status"] not in STATUSES:
        raise ValidationError("status", f"must be one of {', '.join(STATUSES)}")
    if "sharing_policy" in out and out["sharing_policy"] not in POLICIES:
        raise ValidationError("sharing_policy", "must be 'on-authorisation' or 'locked'")
    for name in ("not_looking_until", "retention_until"):
        if name in out:
            out[name] = _check_date(name, out[name])
    return out


#: Temporary (this connection only, never in the file) counter of writes to ``person_tags``,
#: kept by triggers, so the tag counts are recounted only after a tag changed. Triggers see
#: every write of the connection, whatever code path made it (cascades from deleted people too).
_TAG_WRITES = (
    "CREATE TEMP TABLE IF NOT EXISTS tag_writes (n INTEGER NOT NULL)",
    "INSERT INTO temp.tag_writes (n) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM temp.tag_writes)",
    "CREATE TEMP TRIGGER IF NOT EXISTS tag_writes_insert AFTER INSERT ON main.person_tags "
    "BEGIN UPDATE temp.tag_writes SET n = n + 1; END",
    "CREATE TEMP TRIGGER IF NOT EXISTS tag_writes_delete AFTER DELETE ON main.person_tags "
    "BEGIN UPDATE temp.tag_writes SET n = n + 1; END",
)


class PeopleService:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._watched: Any = None  # the connection whose tag writes are counted
        self._tag_counts: tuple[tuple[int, int], list[tuple[str, int]]] | None = None

    # --- lookups ----------------------------------------------------------------------------

    def resolve(self, ident: str | int) -> int:
        """Person id from an integer id, a UUID, or an unambiguous UUID prefix (≥ 4 chars)."""
        return resolve_id(self.vault.conn, "people", "person", ident)

    def get(self, ident: str | int) -> Person:
        person_id = self.resolve(ident)
        conn = self.vault.conn
        row = conn.execute(f"SELECT {_PERSON_COLUMNS} FROM people WHERE id = ?", (person_id,)).fetchone()
        points = tuple(
            ContactPoint(*r)
            for r in conn.execute(
                f"SELECT {_POINT_COLUMNS} FROM contact_points WHERE person_id = ? ORDER BY kind, id", (person_id,)
            )
        )
        tags = tuple(
            r[0]
            for r in conn.execute(
                "SELECT t.name FROM person_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.person_id = ? "
                "ORDER BY t.name COLLATE NOCASE",
                (person_id,),
            )
        )
        return Person(*row, contact_points=points, tags=tags)  # type: ignore[misc]  # row: the columns before them

    def get_many(self, person_ids: Iterable[int]) -> dict[int, Person]:
        """``get`` for many people at once (missing ids are left out): three reads per block of
        500 instead of four per person."""
        found: dict[int, Person] = {}
        conn = self.vault.conn
        wanted = sorted(set(person_ids))
        for start in range(0, len(wanted), 500):
            block = wanted[start:start + 500]
            marks = ",".join("?" * len(block))
            rows = {r[0]: r for r in conn.execute(
                f"SELECT {_PERSON_COLUMNS} FROM people WHERE id IN ({marks})", block)}
            points: dict[int, list[ContactPoint]] = {}
            for r in conn.execute(f"SELECT person_id, {_POINT_COLUMNS} FROM contact_points "
                                  f"WHERE person_id IN ({marks}) ORDER BY person_id, kind, id", block):
                points.setdefault(r[0], []).append(ContactPoint(*r[1:]))
            tags: dict[int, list[str]] = {}
            for person_id, name in conn.execute(
                    "SELECT pt.person_id, t.name FROM person_tags pt JOIN tags t ON t.id = pt.tag_id "
                    f"WHERE pt.person_id IN ({marks}) ORDER BY pt.person_id, t.name COLLATE NOCASE", block):
                tags.setdefault(person_id, []).append(name)
            for person_id, row in rows.items():
                found[person_id] = Person(*row, contact_points=tuple(points.get(person_id, ())),  # type: ignore[misc]
                                          tags=tuple(tags.get(person_id, ())))
        return found

    def uuid_of(self, person_id: int) -> str:
        row = self.vault.conn.execute("SELECT uuid FROM people WHERE id = ?", (person_id,)).fetchone()
        if not row:
            raise NotFound("person", str(person_id))
        return cast(str, row[0])

    def count(self, view: str = "all", tag: str | None = None) -> int:
        """How many people a sidebar view lists, from the smallest index that answers it."""
        if view == "tag":  # the tag's own index range: no need to visit the people rows
            return cast(int, self.vault.conn.execute(
                "SELECT count(*) FROM person_tags WHERE tag_id = (SELECT id FROM tags WHERE name = ? COLLATE NOCASE)",
                (tag or "",)).fetchone()[0])
        if view == "do-not-contact":  # the partial index holds only do-not-contact points
            return cast(int, self.vault.conn.execute(
                "SELECT count(DISTINCT person_id) FROM contact_points WHERE outreach = 'do-not-contact'").fetchone()[0])
        source, where, params = self._view_filter(view, tag)
        return cast(int, self.vault.conn.execute(f"SELECT count(*) FROM {source} {where}", params).fetchone()[0])

    def view_counts(self) -> dict[str, int]:
        """The count of every built-in view at once, for the sidebar after each change.

        Candidates are everyone minus the contacts (``kind`` takes only those two values): the
        larger kind's index range is never walked.
        """
        everyone = self.count("all")
        contacts = self.count("contacts")
        return {"all": everyone, "candidates": everyone - contacts, "contacts": contacts,
                "do-not-contact": self.count("do-not-contact"), "retention-due": self.count("retention-due")}

    def list_ids(
        self,
        *,
        view: str = "all",
        tag: str | None = None,
        sort: str = "name",
        descending: bool = False,
        limit: int = 200,
        offset: int = 0,
    ) -> list[int]:
        """One page of person ids, in order; the list models fetch rows for these lazily."""
        if sort not in SORT_COLUMNS:
            raise ValidationError("sort", f"must be one of {', '.join(SORT_COLUMNS)}")
        source, where, params = self._view_filter(view, tag)
        direction = "DESC" if descending else "ASC"
        rows = self.vault.conn.execute(
            f"SELECT p.id FROM {source} {where} ORDER BY p.{SORT_COLUMNS[sort]} {direction}, p.id {direction} "
            "LIMIT ? OFFSET ?",
            (*params, limit, offset),
        ).fetchall()
        return [r[0] for r in rows]

    def _view_filter(self, view: str, tag: str | None) -> tuple[str, str, list[Any]]:
        """(source, where, params) of a sidebar view: the FROM clause (people as ``p``) and filter.

        Joins, not ``p.id IN (SELECT …)``: the do-not-contact and tag views are driven from their
        own small index (the partial do-not-contact index, the tag's range of ``person_tags_tag``)
        and look people up by id, instead of building the set of ids apart and probing it.
        """
        today = self.vault.clock.now().date().isoformat()
        if view == "all":
            return "people p", "", []
        if view in ("candidate", "candidates"):
            return "people p", "WHERE p.kind = 'candidate'", []
        if view in ("contact", "contacts"):
            return "people p", "WHERE p.kind = 'contact'", []
        if view == "do-not-contact":
            return ("(SELECT DISTINCT person_id FROM contact_points WHERE outreach = 'do-not-contact') d "
                    "CROSS JOIN people p ON p.id = d.person_id"), "", []
        if view == "retention-due":
            return "people p", "WHERE p.retention_until IS NOT NULL AND p.retention_until <= ?", [today]
        if view == "tag":
            return ("person_tags pt CROSS JOIN people p ON p.id = pt.person_id "
                    "AND pt.tag_id = (SELECT id FROM tags WHERE name = ? COLLATE NOCASE)"), "", [tag or ""]
        raise ValidationError("view", f"unknown view '{view}'")

    def rows(self, ids: Sequence[int]) -> list[PersonRow]:
        """List rows for the given ids, in the same order (missing ids are skipped)."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.vault.conn.execute(
            f"""SELECT p.id, p.uuid, p.kind, p.full_name, p.organisation, p.title, p.updated_at,
                   (SELECT value FROM contact_points c WHERE c.person_id = p.id AND c.kind = 'email'
                    ORDER BY c.id LIMIT 1),
                   (SELECT value FROM contact_points c WHERE c.person_id = p.id AND c.kind = 'phone'
                    ORDER BY c.id LIMIT 1)
                FROM people p WHERE p.id IN ({marks})""",
            list(ids),
        ).fetchall()
        by_id = {r[0]: PersonRow(*r[:7], r[7] or "", r[8] or "") for r in rows}  # type: ignore[call-arg]
        return [by_id[i] for i in ids if i in by_id]

    def find_duplicates(self, keys: Iterable[tuple[str, str]], exclude: Iterable[int] = ()
                        ) -> list[tuple[int, str, str, str, str]]:
        """People already holding one of ``keys`` (kind, normalised): ``(id, uuid, name, kind,
        value)`` each, e-mails first. A phone counts only in E.164 form; addresses never."""
        wanted = sorted({(k, n) for k, n in keys if k in IDENTITY_KINDS and (k != "phone" or n.startswith("+"))})
        skip = set(exclude)
        found: list[tuple[int, str, str, str, str]] = []
        seen: set[int] = set()
        for kind, normalized in sorted(wanted, key=lambda kn: IDENTITY_KINDS.index(kn[0])):
            for row in self.vault.conn.execute(
                    "SELECT p.id, p.uuid, p.full_name, c.kind, c.value FROM contact_points c "
                    "JOIN people p ON p.id = c.person_id WHERE c.kind = ? AND c.normalized = ? ORDER BY p.id",
                    (kind, normalized)):
                if row[0] not in skip and row[0] not in seen:
                    seen.add(row[0])
                    found.append(tuple(row))
        return found

    def same_identity(self, person_id: int) -> list[int]:
        """This person and every other record sharing an e-mail or E.164 phone with them."""
        person = self.get(person_id)
        keys = [(p.kind, p.normalized) for p in person.contact_points if p.kind in ("email", "phone")]
        return [person_id, *(row[0] for row in self.find_duplicates(keys, exclude=[person_id]))]

    def find_point(self, ident: str | int, text: str, region: str = "US") -> ContactPoint:
        """One of this person's contact points by id (or a prefix of 4+), value, or value as typed
        in another form (``(415) 555-0142`` finds ``+14155550142``)."""
        person = self.get(ident)
        wanted = text.strip()
        keys = set()
        for kind in cp.KINDS:
            try:
                keys.add((kind, cp.normalise(kind, wanted, region)[1]))
            except ValidationError:
                continue
        lowered = wanted.lower()
        found = [p for p in person.contact_points
                 if p.uuid == lowered or (len(lowered) >= 4 and p.uuid.startswith(lowered))
                 or p.value.lower() == lowered or (p.kind, p.normalized) in keys]
        if not found:
            raise ValidationError("contact point", f"'{wanted}' is not one of {person.full_name}'s contact points")
        if len({p.id for p in found}) > 1:
            raise ValidationError("contact point", f"'{wanted}' matches {len(found)} contact points; use its id")
        return found[0]

    def record_readout(self, command: str, people_uuids: Sequence[str]) -> None:
        """A list or search that printed contact details: audited like a vCard export
        (``export.list``, the person ids and the count; never the values)."""
        with self.vault.transaction():
            self.vault.record("export.list", "vault", self.vault.uuid,
                              {"command": command, "count": len(people_uuids), "people": list(people_uuids)})

    def tags(self) -> list[tuple[str, int]]:
        """Every tag in use and how many people have it.

        Counting walks all of ``person_tags_tag`` (15-30 ms at 100,000 people, after every edit
        in the sidebar); the counts are kept until this connection writes a tag (``_TAG_WRITES``)
        or another connection commits (``PRAGMA data_version``).
        """
        conn = self.vault.conn
        key = self._tag_writes_key(conn)
        if key is not None and self._tag_counts is not None and self._tag_counts[0] == key:
            return list(self._tag_counts[1])
        counts = [
            (r[0], r[1])
            for r in conn.execute(
                "SELECT t.name, c.n FROM (SELECT tag_id, count(*) AS n FROM person_tags GROUP BY tag_id) c "
                "JOIN tags t ON t.id = c.tag_id ORDER BY t.name COLLATE NOCASE"
            )
        ]
        self._tag_counts = (key, counts) if key is not None else None
        return list(counts)

    def _tag_writes_key(self, conn: Connection) -> tuple[int, int] | None:
        """(tag writes on this connection, data_version), or None when they cannot be watched."""
        if self._watched is not conn:
            self._tag_counts = None
            if self.vault._depth:  # set up outside transactions only: a rollback would undo it
                return None
            try:
                for statement in _TAG_WRITES:
                    conn.execute(statement)
            except sqlcipher3.Error:
                return None
            self._watched = conn
        writes = conn.execute("SELECT n FROM temp.tag_writes").fetchone()[0]
        return writes, conn.execute("PRAGMA data_version").fetchone()[0]

    # --- writes -----------------------------------------------------------------------------

    def add(
        self,
        values: PersonFields,
        contact_points: Iterable[NewContactPoint] = (),
        tags: Iterable[str] = (),
        *,
        origin: str = "",
        region: str = "US",
        despite_erasure: bool = False,
        allow_duplicate: bool = False,
    ) -> Person:
        """Add one person. Refused (``SuppressedPerson``) when an e-mail or phone belongs to
        someone erased on request, unless ``despite_erasure``; refused (``DuplicatePerson``) when
        an e-mail, E.164 phone or profile link is already someone's, unless ``allow_duplicate``."""
        clean, prepared, tag_names = self._prepare_new(values, contact_points, tags, region)
        now = self.vault.now()
        person_uuid = str(uuidlib.uuid4())
        keys = [(p.kind, _normalized(p)) for p in prepared]
        with self.vault.transaction() as conn:
            admit(self.vault, keys, subject_uuid=person_uuid, despite_erasure=despite_erasure,
                  way=origin.partition(":")[0] or "manual")
            duplicates = self.find_duplicates(keys)
            if duplicates and not allow_duplicate:
                _, dup_uuid, dup_name, dup_kind, dup_value = duplicates[0]
                raise DuplicatePerson(dup_name, dup_uuid, dup_kind, dup_value)
            cur = conn.execute(_INSERT_PERSON, _person_values(person_uuid, clean, origin, now))
            person_id = cur.lastrowid
            for point in prepared:
                self._insert_point(conn, person_id, point, now)
            for name in tag_names:
                self._attach_tag(conn, person_id, name)
            details = _created_details(clean, prepared, tag_names, origin)
            if duplicates:  # kept apart on purpose: the audit says with whom
                details["duplicate_of"] = sorted({d[1] for d in duplicates})
            self.vault.record("person.created", "person", person_uuid, details)
            self.vault.search.reindex_person(person_id)
        return self.get(person_id)

    def add_many(
        self,
        people: Iterable[NewPerson],
        *,
        origin: str = "",
        region: str = "US",
    ) -> list[tuple[int, str]]:
        """Create many people in one transaction; returns ``(id, uuid)`` for each, in order.

        Every person is validated exactly as ``add`` validates it (all of them before anything
        is written, so a bad one raises the error ``add`` would and writes nothing), gets the same
        rows, the same tags and the same ``person.created`` audit event, one per person, in the
        same order. The writes are batched (``executemany``), tag ids are looked up once, the
        audit chain head is read once, and nothing is read back.
        """
        items = [self._prepare_new(p.values, p.contact_points, p.tags, region) for p in people]
        if not items:
            return []
        vault = self.vault
        with vault.bulk_transaction() as conn:
            admit(vault, [(p.kind, _normalized(p)) for _, prepared, _ in items for p in prepared],
                  subject_uuid=vault.uuid, way=origin or "bulk")
            # INTEGER PRIMARY KEY without AUTOINCREMENT: SQLite would give max(id) + 1 to each
            # new row, and nothing else writes people inside this (BEGIN IMMEDIATE) transaction.
            base = conn.execute("SELECT coalesce(max(id), 0) FROM people").fetchone()[0]
            tag_ids: dict[str, int] = {}
            person_rows: list[tuple[Any, ...]] = []
            point_rows: list[tuple[Any, ...]] = []
            tag_rows: list[tuple[int, int]] = []
            events: list[dict[str, Any]] = []
            created: list[tuple[int, str]] = []
            for offset, (clean, prepared, tag_names) in enumerate(items, start=1):
                person_id, person_uuid, now = base + offset, str(uuidlib.uuid4()), vault.now()
                person_rows.append((person_id, *_person_values(person_uuid, clean, origin, now)))
                point_rows.extend(_point_values(person_id, point, now) for point in prepared)
                tag_rows.extend((person_id, self._tag_id(conn, name, tag_ids)) for name in tag_names)
                events.append({"at": now, "actor": vault.actor, "action": "person.created",
                               "subject_type": "person", "subject_id": person_uuid,
                               "details": _created_details(clean, prepared, tag_names, origin)})
                created.append((person_id, person_uuid))
            conn.executemany(_INSERT_PERSON_WITH_ID, person_rows)
            conn.executemany(_INSERT_POINT, point_rows)
            conn.executemany("INSERT OR IGNORE INTO person_tags (person_id, tag_id) VALUES (?, ?)", tag_rows)
            audit.append_many(conn, events)
            for person_id, _ in created:
                vault.search.reindex_person(person_id)
        return created

    def update(self, ident: str | int, values: PersonFields) -> Person:
        person_id = self.resolve(ident)
        clean = _clean(values, creating=False)
        current = self.get(person_id)
        with self.vault.transaction() as conn:
            if not self._write_update(conn, current, clean):
                return current
        return self.get(person_id)

    def merge(self, current: Person, values: PersonFields | None, points: Sequence[NewContactPoint],
              tags: Sequence[str], region: str = "US") -> None:
        """What ``update``, then ``add_contact_point`` for each point, then ``add_tag`` for each
        tag would write for ``current`` (read in this transaction): the same rows and events, in
        that order, but the person is read once instead of a few times per call. An import
        merges into a thousand people."""
        clean = _clean(values, creating=False) if values is not None else {}
        prepared = [self._prepare_point(p, region) for p in points]
        names = _clean_tags(tags)
        with self.vault.transaction() as conn:
            admit(self.vault, [(p.kind, _normalized(p)) for p in prepared], subject_uuid=current.uuid, way="merge")
            if clean:
                self._write_update(conn, current, clean)
            touched = False
            for point in prepared:
                self._write_point(conn, current.id, current.uuid, point, touch=False)
                touched = True
            for name in names:
                touched = self._write_tag(conn, current.id, current.uuid, name, touch=False) or touched
            if touched:  # once, not once per point and tag: the last of those touches wins anyway
                self._touch(conn, current.id)

    def _write_update(self, conn: Connection, current: Person, clean: dict[str, Any]) -> bool:
        """The UPDATE and event of ``update``; False when nothing changes."""
        changed = {k: v for k, v in clean.items() if getattr(current, k) != v}
        if not changed:
            return False
        if "kind" in changed and "sharing_policy" not in changed and current.kind != changed["kind"]:
            # Moving a person to 'contact' never loosens their policy.
            if changed["kind"] == "contact":
                changed["sharing_policy"] = "locked"
        merged = replace(current, **changed)
        changed["sort_name"] = sort_name_for(merged.full_name, merged.family_name, merged.given_name)
        changed["updated_at"] = self.vault.now()
        assignments = ", ".join(f"{k} = ?" for k in changed)
        conn.execute(f"UPDATE people SET {assignments} WHERE id = ?", (*changed.values(), current.id))
        names = sorted(k for k in changed if k not in ("sort_name", "updated_at"))
        action = "person.sharing_policy" if names == ["sharing_policy"] else "person.updated"
        details: dict[str, Any] = {"fields": names}
        if "sharing_policy" in changed:
            details["sharing_policy"] = changed["sharing_policy"]
        self.vault.record(action, "person", current.uuid, details)
        self.vault.search.reindex_person(current.id)
        return True

    def set_sharing_policy(self, ident: str | int, policy: str) -> Person:
        return self.update(ident, PersonFields(sharing_policy=policy))

    def delete(self, ident: str | int) -> None:
        """Remove a person and everything attached (the deliberate, audited erase lives in privacy)."""
        person_id = self.resolve(ident)
        person_uuid = self.uuid_of(person_id)
        with self.vault.transaction() as conn:
            self.vault.search.remove_person(person_id)
            conn.execute("DELETE FROM people WHERE id = ?", (person_id,))
            self.vault.record("person.deleted", "person", person_uuid, {})

    def add_contact_point(self, ident: str | int, point: NewContactPoint, region: str = "US", *,
                          despite_erasure: bool = False) -> ContactPoint:
        person_id = self.resolve(ident)
        prepared = self._prepare_point(point, region)
        with self.vault.transaction() as conn:
            person_uuid = self.uuid_of(person_id)
            admit(self.vault, [(prepared.kind, _normalized(prepared))], subject_uuid=person_uuid,
                  despite_erasure=despite_erasure, way="contact-point", what="contact detail")
            point_id = self._write_point(conn, person_id, person_uuid, prepared)
        return self._point(point_id)

    def _write_point(self, conn: Connection, person_id: int, person_uuid: str, prepared: NewContactPoint, *,
                     touch: bool = True) -> int:
        """The rows and event of ``add_contact_point``; returns the new point's id."""
        point_id, point_uuid = self._insert_point(conn, person_id, prepared, self.vault.now())
        if touch:
            self._touch(conn, person_id)
        self.vault.record("contact_point.added", "person", person_uuid,
                          {"contact_point": point_uuid, "kind": prepared.kind, "source": prepared.source})
        self.vault.search.reindex_person(person_id)
        return point_id

    def update_contact_point(
        self,
        point_uuid: str,
        *,
        value: str | None = None,
        label: str | None = None,
        source: str | None = None,
        outreach: str | None = None,
        obtained_on: str | None = None,
        region: str = "US",
        despite_erasure: bool = False,
    ) -> ContactPoint:
        row = self.vault.conn.execute(
            "SELECT id, person_id, kind FROM contact_points WHERE uuid = ?", (point_uuid,)
        ).fetchone()
        if not row:
            raise NotFound("contact point", point_uuid)
        point_id, person_id, kind = row
        changes: dict[str, Any] = {}
        if value is not None:
            changes["value"], changes["normalized"] = cp.normalise(kind, value, region)
        if label is not None:
            changes["label"] = label.strip()
        if source is not None:
            if source not in cp.SOURCES:
                raise ValidationError("source", f"must be one of {', '.join(cp.SOURCES)}")
            changes["source"] = source
        if outreach is not None:
            if outreach not in cp.OUTREACH:
                raise ValidationError("outreach", "must be 'ok' or 'do-not-contact'")
            changes["outreach"] = outreach
        if obtained_on is not None:
            changes["obtained_on"] = _check_date("obtained_on", obtained_on)
        if not changes:
            return self._point(point_id)
        with self.vault.transaction() as conn:
            if "normalized" in changes:
                admit(self.vault, [(kind, changes["normalized"])], subject_uuid=self.uuid_of(person_id),
                      despite_erasure=despite_erasure, way="contact-point", what="contact detail")
            conn.execute(
                f"UPDATE contact_points SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                (*changes.values(), point_id),
            )
            self._touch(conn, person_id)
            self.vault.record(
                "contact_point.updated", "person", self.uuid_of(person_id),
                {"contact_point": point_uuid, "fields": sorted(k for k in changes if k != "normalized")},
            )
            self.vault.search.reindex_person(person_id)
        return self._point(point_id)

    def remove_contact_point(self, point_uuid: str) -> None:
        row = self.vault.conn.execute(
            "SELECT id, person_id, kind FROM contact_points WHERE uuid = ?", (point_uuid,)
        ).fetchone()
        if not row:
            raise NotFound("contact point", point_uuid)
        with self.vault.transaction() as conn:
            conn.execute("DELETE FROM contact_points WHERE id = ?", (row[0],))
            self._touch(conn, row[1])
            self.vault.record(
                "contact_point.removed", "person", self.uuid_of(row[1]), {"contact_point": point_uuid, "kind": row[2]}
            )
            self.vault.search.reindex_person(row[1])

    def add_tag(self, ident: str | int, tag: str) -> None:
        person_id = self.resolve(ident)
        (name,) = _clean_tags([tag]) or [""]
        if not name:
            raise ValidationError("tag", "is empty")
        with self.vault.transaction() as conn:
            self._write_tag(conn, person_id, None, name)

    def _write_tag(self, conn: Connection, person_id: int, person_uuid: str | None, name: str, *,
                   touch: bool = True) -> bool:
        """The row and event of ``add_tag``; False (and nothing written) when the person has it."""
        if not self._attach_tag(conn, person_id, name):
            return False
        if touch:
            self._touch(conn, person_id)
        self.vault.record("tag.added", "person", person_uuid or self.uuid_of(person_id), {"tag_count": 1})
        self.vault.search.reindex_person(person_id)
        return True

    def remove_tag(self, ident: str | int, tag: str) -> None:
        person_id = self.resolve(ident)
        with self.vault.transaction() as conn:
            cur = conn.execute(
                "DELETE FROM person_tags WHERE person_id = ? AND tag_id = (SELECT id FROM tags WHERE name = ?)",
                (person_id, tag.strip()),
            )
            if cur.rowcount:
                self._touch(conn, person_id)
                self.vault.record("tag.removed", "person", self.uuid_of(person_id), {"tag_count": 1})
                self.vault.search.reindex_person(person_id)

    def set_tags(self, ident: str | int, tags: Iterable[str]) -> None:
        person_id = self.resolve(ident)
        wanted = _clean_tags(tags)
        current = set(self.get(person_id).tags)
        with self.vault.transaction():
            for name in current - set(wanted):
                self.remove_tag(person_id, name)
            for name in wanted:
                if name not in current:
                    self.add_tag(person_id, name)

    # --- helpers ----------------------------------------------------------------------------

    def _prepare_new(
        self, values: PersonFields, contact_points: Iterable[NewContactPoint], tags: Iterable[str], region: str
    ) -> tuple[dict[str, Any], list[NewContactPoint], list[str]]:
        """Validate and normalise a new person (fields, contact points, tags); writes nothing."""
        clean = _clean(values, creating=True)
        kind = clean.get("kind") or "candidate"
        clean["kind"] = kind
        clean.setdefault("sharing_policy", DEFAULT_POLICY[kind])
        prepared = [self._prepare_point(p, region) for p in contact_points]
        return clean, prepared, _clean_tags(tags)

    def _prepare_point(self, point: NewContactPoint, region: str) -> NewContactPoint:
        value, normalized = cp.normalise(point.kind, point.value, region)
        if point.source not in cp.SOURCES:
            raise ValidationError("source", f"must be one of {', '.join(cp.SOURCES)}")
        if point.outreach not in cp.OUTREACH:
            raise ValidationError("outreach", "must be 'ok' or 'do-not-contact'")
        obtained = _check_date("obtained_on", point.obtained_on) or self.vault.clock.now().date().isoformat()
        return _PreparedPoint(point.kind, value, point.label.strip(), point.source, point.source_detail,
                              obtained, point.outreach, normalized)

    def _insert_point(self, conn: Connection, person_id: int, point: NewContactPoint, now: str) -> tuple[int, str]:
        row = _point_values(person_id, point, now)
        cur = conn.execute(_INSERT_POINT, row)
        return cur.lastrowid, row[0]

    def _attach_tag(self, conn: Connection, person_id: int, name: str) -> bool:
        tag_id = self._tag_id(conn, name)
        cur = conn.execute("INSERT OR IGNORE INTO person_tags (person_id, tag_id) VALUES (?, ?)", (person_id, tag_id))
        return cur.rowcount > 0

    @staticmethod
    def _tag_id(conn: Connection, name: str, cache: dict[str, int] | None = None) -> int:
        """The id of tag ``name``, created if new; ``cache`` (exact name -> id) saves repeat look-ups."""
        if cache is not None and name in cache:
            return cache[name]
        conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (name,))
        tag_id: int = conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()[0]
        if cache is not None:
            cache[name] = tag_id
        return tag_id

    def _touch(self, conn: Connection, person_id: int) -> None:
        conn.execute("UPDATE people SET updated_at = ? WHERE id = ?", (self.vault.now(), person_id))

    def _point(self, point_id: int) -> ContactPoint:
        row = self.vault.conn.execute(f"SELECT {_POINT_COLUMNS} FROM contact_points WHERE id = ?", (point_id,)).fetchone()
        return ContactPoint(*row)


@dataclass(frozen=True)
class _PreparedPoint(NewContactPoint):
    normalized: str = ""


def _normalized(point: NewContactPoint) -> str:
    """The match key of a prepared point."""
    assert isinstance(point, _PreparedPoint)
    return point.normalized


@dataclass(frozen=True)
class NewPerson:
    """One person for ``PeopleService.add_many``: what ``add`` takes as arguments."""

    values: PersonFields
    contact_points: Sequence[NewContactPoint] = ()
    tags: Sequence[str] = ()


_PERSON_INSERT_COLUMNS = (
    "uuid, kind, full_name, given_name, family_name, sort_name, headline, organisation, title, notes, status, "
    "not_looking_until, retention_until, sharing_policy, origin, created_at, updated_at"
)
_INSERT_PERSON = f"INSERT INTO people ({_PERSON_INSERT_COLUMNS}) VALUES ({', '.join('?' * 17)})"
_INSERT_PERSON_WITH_ID = f"INSERT INTO people (id, {_PERSON_INSERT_COLUMNS}) VALUES ({', '.join('?' * 18)})"
_INSERT_POINT = (
    "INSERT INTO contact_points (uuid, person_id, kind, value, normalized, label, source, source_detail, "
    "obtained_on, outreach, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _person_values(person_uuid: str, clean: dict[str, Any], origin: str, now: str) -> tuple[Any, ...]:
    """The ``people`` row of a new person (columns of ``_PERSON_INSERT_COLUMNS``)."""
    return (
        person_uuid, clean["kind"], clean["full_name"], clean.get("given_name", ""),
        clean.get("family_name", ""),
        sort_name_for(clean["full_name"], clean.get("family_name", ""), clean.get("given_name", "")),
        clean.get("headline", ""), clean.get("organisation", ""), clean.get("title", ""),
        clean.get("notes", ""), clean.get("status", "active"), clean.get("not_looking_until"),
        clean.get("retention_until"), clean["sharing_policy"], origin, now, now,
    )


def _point_values(person_id: int, point: NewContactPoint, now: str) -> tuple[Any, ...]:
    """A new ``contact_points`` row (with a fresh UUID first) for a prepared point."""
    assert isinstance(point, _PreparedPoint)
    return (str(uuidlib.uuid4()), person_id, point.kind, point.value, point.normalized, point.label, point.source,
            point.source_detail, point.obtained_on, point.outreach, now)


def _created_details(
    clean: dict[str, Any], prepared: Sequence[NewContactPoint], tag_names: Sequence[str], origin: str
) -> dict[str, Any]:
    """The details of a ``person.created`` event: field names and counts, never values."""
    return {"kind": clean["kind"], "fields": sorted(clean), "contact_points": [p.kind for p in prepared],
            "tags": len(tag_names), "origin": origin or "manual"}


def _clean_tags(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        name = " ".join(str(tag).split())
        if not name:
            continue
        if len(name) > 60:
            raise ValidationError("tag", f"'{name[:20]}…' is longer than 60 characters")
        if name.lower() not in (t.lower() for t in out):
            out.append(name)
    return out

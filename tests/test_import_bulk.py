"""The bulk path imports use (``PeopleService.add_many``, ``audit.append_many``) gives the same
people, contact points, tags, search results and audit trail as the one-by-one path."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vault import audit
from vault.clock import FixedClock
from vault.config import AppConfig
from vault.errors import ValidationError
from vault.importing import apply_plan, plan_import
from vault.people import NewContactPoint, NewPerson, PeopleService, PersonFields
from vault.store import Vault

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def card(*lines: str) -> str:
    return "BEGIN:VCARD\r\nVERSION:3.0\r\n" + "".join(line + "\r\n" for line in lines) + "END:VCARD\r\n"


@pytest.fixture
def other_vault(template_vault: tuple[Path, bytes], tmp_path: Path, clock: FixedClock) -> Iterator[Vault]:
    """A second copy of the same template vault (same chain head, same vault id), same clock."""
    source, key = template_vault
    target = tmp_path / "other.cvault"
    shutil.copyfile(source, target)
    opened = Vault.open(target, raw_key=key, clock=clock, config=AppConfig(tmp_path / "other-config"))
    yield opened
    if opened.is_open:
        opened.close()


def one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``add_many`` the old path: ``add`` for each person, in order."""

    def add_many(self: PeopleService, people: Any, *, origin: str = "", region: str = "US") -> list[tuple[int, str]]:
        out = []
        for p in people:
            person = self.add(p.values, p.contact_points, p.tags, origin=origin, region=region)
            out.append((person.id, person.uuid))
        return out

    monkeypatch.setattr(PeopleService, "add_many", add_many)


def snapshot(vault: Vault, queries: list[str]) -> dict[str, Any]:
    """Everything an import writes, with the random UUIDs replaced by what they name."""
    conn = vault.conn
    person_of = {u: f"person:{i}" for u, i in conn.execute("SELECT uuid, id FROM people")}
    point_of = {u: f"point:{i}" for u, i in conn.execute("SELECT uuid, id FROM contact_points")}
    doc_of = {u: f"document:{i}" for u, i in conn.execute("SELECT uuid, id FROM documents")}
    names = {**person_of, **point_of, **doc_of}

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return names.get(value, value)
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        return value

    events = [(e.seq, e.at, e.actor, e.action, e.subject_type, scrub(e.subject_id), scrub(e.details))
              for e in audit.iter_events(conn)]
    return {
        "people": [r[:1] + r[2:] for r in conn.execute("SELECT * FROM people ORDER BY id")],
        "points": [r[:1] + r[2:] for r in conn.execute("SELECT * FROM contact_points ORDER BY id")],
        "tags": conn.execute("SELECT id, name FROM tags ORDER BY id").fetchall(),
        "person_tags": conn.execute("SELECT person_id, tag_id FROM person_tags ORDER BY 1, 2").fetchall(),
        "documents": conn.execute("SELECT id, person_id, role, file_name, mime_type, size, sha256 "
                                  "FROM documents ORDER BY id").fetchall(),
        "search": {q: (r.ids, r.total) for q in queries for r in [vault.search.query(q)]},
        "index_rows": conn.execute("SELECT count(*) FROM search_index").fetchone()[0],
        "events": events,
        "chain": audit.verify_chain(conn),
    }


PEOPLE = [
    NewPerson(PersonFields(full_name="  Ann Lee ", kind="candidate", headline="Rust engineer", organisation="Initech",
                           title="CTO", notes="met at a conference", retention_until="2027-01-31T00:00:00Z"),
              [NewContactPoint("email", "Ann@Example.COM", label="work"),
               NewContactPoint("phone", "+1 415 555 0199", label="mobile", obtained_on="2025-05-01"),
               NewContactPoint("link", "www.example.com/ann/")],
              ["vip", "Rust", "VIP", "  rust  "]),
    NewPerson(PersonFields(full_name="Bob", given_name="Robert", family_name="Tables", kind="contact"),
              [NewContactPoint("address", "1 Main St\nSpringfield", outreach="do-not-contact", source="given")],
              ["rust", "Friends"]),
    NewPerson(PersonFields(full_name="Zoë Ångström", status="passive", sharing_policy="locked"), [], []),
    NewPerson(PersonFields(full_name="Carol Danvers", kind="contact", organisation="Globex"),
              [NewContactPoint("phone", "(415) 555-0100"), NewContactPoint("email", "carol@globex.example")],
              ["friends", "new tag"]),
]
QUERIES = ["ann", "lee", "initech", "rust", "friends", "springfield", "4155550100", "globex.example", "zoe",
           "Ångström", "tables"]


def test_add_many_gives_what_add_gives_one_by_one(vault: Vault, other_vault: Vault) -> None:
    for p in PEOPLE:
        vault.people.add(p.values, p.contact_points, p.tags, origin="import")
    created = other_vault.people.add_many(PEOPLE, origin="import")

    assert [other_vault.people.get(i).uuid for i, _ in created] == [u for _, u in created]
    assert [i for i, _ in created] == vault.people.list_ids(sort="updated", limit=10) == [1, 2, 3, 4]
    one, bulk = snapshot(vault, QUERIES), snapshot(other_vault, QUERIES)
    assert bulk == one
    assert bulk["chain"].ok and bulk["chain"].count == one["chain"].count
    assert [e[3] for e in bulk["events"][-4:]] == ["person.created"] * 4
    assert all(bulk["search"][q][1] for q in ("ann", "rust", "springfield", "4155550100", "tables"))
    assert other_vault.people.add_many([]) == []


def test_add_many_after_existing_people_continues_their_ids(vault: Vault) -> None:
    first = vault.people.add(PersonFields(full_name="First Person"))
    vault.people.add(PersonFields(full_name="Gone Person"))
    vault.people.delete(vault.people.add(PersonFields(full_name="Last Person")).id)
    created = vault.people.add_many(PEOPLE[:2])
    assert [i for i, _ in created] == [3, 4]  # what SQLite gives: max(id) + 1
    assert vault.people.get(created[1][0]).tags == ("Friends", "Rust")  # the tag person 3 created
    assert vault.people.get(first.id).full_name == "First Person"
    assert audit.verify_chain(vault.conn).ok


def test_add_many_validates_like_add_and_writes_nothing_on_error(vault: Vault) -> None:
    before = audit.verify_chain(vault.conn).count
    bad_name = NewPerson(PersonFields(full_name="   "))
    with pytest.raises(ValidationError) as single:
        vault.people.add(bad_name.values)
    with pytest.raises(ValidationError) as bulk:
        vault.people.add_many([PEOPLE[0], bad_name])
    assert (bulk.value.field, bulk.value.problem) == (single.value.field, single.value.problem)

    bad_point = NewPerson(PersonFields(full_name="Dee"), [NewContactPoint("email", "not an address")])
    with pytest.raises(ValidationError) as single:
        vault.people.add(bad_point.values, bad_point.contact_points)
    with pytest.raises(ValidationError) as bulk:
        vault.people.add_many([PEOPLE[1], bad_point])
    assert (bulk.value.field, bulk.value.problem) == (single.value.field, single.value.problem)

    assert vault.people.count() == 0
    assert vault.conn.execute("SELECT count(*) FROM contact_points").fetchone()[0] == 0
    assert vault.conn.execute("SELECT count(*) FROM search_index").fetchone()[0] == 0
    assert audit.verify_chain(vault.conn).count == before


def test_append_many_hashes_are_byte_identical_to_append(vault: Vault, other_vault: Vault) -> None:
    events = [
        {"at": "2026-03-01T09:30:00.000Z", "actor": "ab" * 16, "action": "person.created", "subject_type": "person",
         "subject_id": "11111111-2222-3333-4444-555555555555",
         "details": {"kind": "contact", "fields": ["full_name", "kind"], "contact_points": ["email"], "tags": 2,
                     "origin": "import"}},
        {"at": "2026-03-01T09:30:00.001Z", "actor": "ab" * 16, "action": "tag.added", "subject_type": "person",
         "subject_id": "x", "details": {"nested": {"b": [1, True, None, "é\u2028\"quoted\""], "a": -(2**53 - 1)}}},
        {"at": "2026-03-01T09:30:00.002Z", "actor": "ab" * 16, "action": "import.applied", "subject_type": "vault",
         "subject_id": "y"},
    ]
    with vault.transaction() as conn:
        singles = [audit.append(conn, **e) for e in events]
    with other_vault.transaction() as conn:
        many = audit.append_many(conn, events)
        assert audit.append_many(conn, []) == []
    assert many == singles
    rows = "SELECT seq, at, actor, action, subject_type, subject_id, details, prev, hash FROM audit ORDER BY seq"
    assert other_vault.conn.execute(rows).fetchall() == vault.conn.execute(rows).fetchall()
    assert audit.verify_chain(other_vault.conn).ok

    with other_vault.transaction() as conn:
        with pytest.raises(ValueError):
            audit.append_many(conn, [events[0], {**events[1], "action": "no.such.action"}])
        with pytest.raises(ValidationError):
            audit.append_many(conn, [events[0], {**events[1], "details": {"big": 2**60}}])
    assert other_vault.conn.execute("SELECT max(seq) FROM audit").fetchone() == \
        vault.conn.execute("SELECT max(seq) FROM audit").fetchone()


IMPORT_FILE = "".join([
    card("FN:Ann Lee", "EMAIL:ann@example.com", "TEL:+1 415 555 0101", "CATEGORIES:vip,Rust"),
    card("FN:Bob Stone", "ORG:Globex", "EMAIL:bob@globex.example", "TITLE:Buyer",
         "PHOTO;ENCODING=b;TYPE=PNG:" + base64.b64encode(PNG).decode()),
    card("FN:Existing Person", "EMAIL:existing@example.com", "TEL:+1 415 555 0177", "ORG:Initech",
         "CATEGORIES:rust", "NOTE:from the file"),  # merges into a person already in the vault
    card("FN:Cara Wu", "EMAIL:cara@example.com", "CATEGORIES:friends"),
    card("FN:Ann Lee", "EMAIL:ANN@example.com", "TITLE:Engineer", "CATEGORIES:new"),  # folds into card 1
    card("FN:Dan Ode", "URL:https://dan.example/", "ADR:;;2 High St;Leeds;;LS1;UK"),
    card("FN:Cara Wu", "EMAIL:cara@example.com"),  # nothing new: a duplicate of card 4
    card("N:;;;;", "ORG:Only An Org Ltd"),
    card("FN:Eve Park", "TEL:0044 20 7946 0958", "CATEGORIES:VIP"),
]).encode()


@pytest.mark.parametrize("region", ["US", "GB"])
def test_apply_plan_bulk_matches_one_by_one(vault: Vault, other_vault: Vault, monkeypatch: pytest.MonkeyPatch,
                                            region: str) -> None:
    results = []
    for target in (other_vault, vault):  # ``vault`` last: it runs with the one-by-one path
        if target is vault:
            one_by_one(monkeypatch)
        target.people.add(PersonFields(full_name="Existing Person"), [NewContactPoint("email", "existing@example.com")])
        plan = plan_import(target, IMPORT_FILE, "contacts.vcf", region=region)
        assert [r.outcome for r in plan.rows] == ["new", "new", "merge", "new", "merge", "new", "duplicate", "new",
                                                  "new"]
        apply_plan(target, plan)
        results.append((snapshot(target, QUERIES + ["bob", "buyer", "vip", "new", "leeds", "Only", "eve", "dan"]),
                        [r.to_json() for r in plan.rows]))
    (bulk, bulk_rows), (one, one_rows) = results
    assert bulk == one
    assert bulk["chain"].ok
    assert len(bulk["people"]) == 7 and len(bulk["documents"]) == 1
    assert [e[3] for e in bulk["events"]].count("person.created") == 7
    assert [e[3] for e in bulk["events"]][-1] == "import.applied"
    # The plan reports carry each row's person; compare them by what the UUIDs name.
    person_of = {vault: dict(vault.conn.execute("SELECT uuid, id FROM people").fetchall()),
                 other_vault: dict(other_vault.conn.execute("SELECT uuid, id FROM people").fetchall())}
    for rows, target in ((bulk_rows, other_vault), (one_rows, vault)):
        for row in rows:
            row["person"] = person_of[target].get(row.get("person"))
    assert bulk_rows == one_rows

"""The import's fast paths answer exactly what the plain ones answer (issue 7).

* close-name matching with integer letter bounds against a plain scan of every name;
* the bulk search-index refresh (``SearchService.reindex_many``) against ``reindex_person``.
"""

from __future__ import annotations

import difflib
import random
import re

from vault.importing import apply_plan, plan_import
from vault.importing.dedupe import MATCH_KINDS, NAME_RATIO, MatchIndex, Target, normalise_name, normalise_org
from vault.people import NewContactPoint, PersonFields


class PlainIndex:
    """The matching rules written as a plain scan, with no buckets or bounds."""

    def __init__(self) -> None:
        self.points: dict[tuple[str, str], Target] = {}
        self.people: list[tuple[Target, str, str]] = []  # (target, name, org) in the order added

    def add_name(self, target: Target, full_name: str, organisation: str) -> None:
        name = normalise_name(full_name)
        if name:
            self.people.append((target, name, normalise_org(organisation)))

    def add_points(self, target: Target, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            if key[0] in MATCH_KINDS:
                self.points.setdefault(key, target)

    def find(self, keys: list[tuple[str, str]], full_name: str, organisation: str) -> tuple[Target, str] | None:
        for key in keys:
            if key in self.points:
                return self.points[key], MATCH_KINDS[key[0]]
        name = normalise_name(full_name)
        if not name:
            return None
        org = normalise_org(organisation)
        for target, other, other_org in self.people:
            if other == name and (not org or not other_org or org == other_org):
                return target, "name"
        if not org:
            return None
        words, digits = name.count(" "), re.sub(r"\D", "", name)
        for target, other, other_org in self.people:
            if other_org != org or other.count(" ") != words or re.sub(r"\D", "", other) != digits:
                continue
            if difflib.SequenceMatcher(None, name, other).ratio() >= NAME_RATIO:
                return target, "close name at the same organisation"
        return None


def _typo(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(0, 2)):
        op = rng.randrange(3)
        pos = rng.randrange(len(chars) + 1)
        letter = rng.choice("abcdefghijklmnopqrstuvwxyzéø")
        if op == 0:
            chars.insert(pos, letter)
        elif op == 1 and pos < len(chars):
            chars[pos] = letter
        elif pos < len(chars) and len(chars) > 1:
            del chars[pos]
    return "".join(chars)


def test_close_name_matching_equals_a_plain_scan_on_random_people():
    rng = random.Random(2026)
    given = ["Anna", "Anne", "Ann", "Ben", "Benjamin", "Chloé", "Chloe", "Dmitri", "Dmitry", "Katherine",
             "Catherine", "Jo", "Joe", "Li", "Lee", "Marie-Claire", "Zoë", "Ahmed", "Ahmad"]
    family = ["Smith", "Smyth", "Johnson", "Jonson", "O'Neil", "ONeil", "van der Berg", "Lee", "Li", "Müller",
              "Muller", "Nakamura", "Okafor", "Okafur", "Kowalski", "Kowalsky"]
    orgs = ["Acme Inc", "ACME", "Globex Ltd", "Initech", "", "", "The Initech Company", "Hooli", "Hooli GmbH"]

    def random_person() -> tuple[str, str]:
        parts = [rng.choice(given), rng.choice(family)]
        if rng.random() < 0.2:
            parts.insert(1, rng.choice(given))
        if rng.random() < 0.15:
            parts.append(str(rng.randint(1, 30)))
        name = " ".join(parts)
        if rng.random() < 0.5:
            name = _typo(rng, name)
        if rng.random() < 0.2:
            name = name.upper() if rng.random() < 0.5 else " ".join(reversed(name.split()))
        return name, rng.choice(orgs)

    for trial in range(4):
        fast, plain = MatchIndex(), PlainIndex()
        for n in range(1500):
            name, org = random_person()
            target = Target(person_id=n)
            keys = [("email", f"p{n}@example.org")]
            for index in (fast, plain):
                index.add_name(target, name, org)
                index.add_points(target, keys)
        matched = 0
        for row in range(1500):  # as planning does: look up, then add what did not match
            name, org = random_person()
            keys = [("email", f"p{rng.randint(0, 40_000)}@example.org")]
            found = fast.find(keys, name, org)
            assert found == plain.find(keys, name, org), (trial, row, name, org)
            matched += found is not None and found[1] == "close name at the same organisation"
            if found is None:
                target = Target(row=row)
                for index in (fast, plain):
                    index.add_name(target, name, org)
                    index.add_points(target, keys)
        assert matched > 50  # the data really exercises close names
        # ... and the letter postings, not only the plain scan of small buckets.
        assert any(bucket._holding for buckets in fast._org_buckets.values() for bucket in buckets.values())


def _index_rows(vault) -> list[tuple]:
    return vault.conn.execute(
        "SELECT rowid, names, work, contact, tags, notes, resume FROM search_index ORDER BY rowid").fetchall()


def test_reindex_many_writes_the_rows_reindex_person_writes(vault):
    people = []
    for n in range(30):
        person = vault.people.add(PersonFields(full_name=f"Person {n} Example", given_name="Person",
                                               family_name="Example", organisation=f"Org {n % 4}",
                                               title="Engineer", headline="Builds things", notes=f"note {n}"))
        people.append(person.id)
        vault.people.add_contact_point(person.id, NewContactPoint("phone", f"+1 212 555 {1000 + n:04d}"))
        vault.people.add_contact_point(person.id, NewContactPoint("email", f"p{n}@example.org"))
        for tag in ("zeta", "alpha", f"tag{n % 3}"):
            vault.people.add_tag(person.id, tag)
    with vault.transaction():
        vault.search.remove_person(people[3])  # one row missing before the refresh
        vault.conn.execute("UPDATE people SET notes = 'changed' WHERE id = ?", (people[5],))
        for person_id in people:
            vault.search.reindex_person(person_id)
    expected = _index_rows(vault)
    with vault.transaction():
        for person_id in people[::2]:
            vault.search.remove_person(person_id)
        vault.search.reindex_many([*reversed(people), people[1], 999_999])  # duplicates and a missing id
    assert _index_rows(vault) == expected
    assert vault.search.query("alpha").total == 30
    assert vault.search.query("changed").ids == [people[5]]


def test_an_import_indexes_people_as_a_full_rebuild_does(vault):
    existing = vault.people.add(PersonFields(full_name="Ada Lovelace", organisation="Engines Ltd"))
    vault.people.add_contact_point(existing.id, NewContactPoint("email", "ada@engine.example"))
    cards = []
    for n in range(60):
        cards.append("BEGIN:VCARD\r\nVERSION:3.0\r\n"
                     f"N:Family{n};Given{n};;;\r\nFN:Given{n} Family{n}\r\nORG:Org {n % 5}\r\n"
                     f"EMAIL:g{n}@example.org\r\nTEL;TYPE=CELL:+1 (332) 300-{n:04d}\r\n"
                     f"CATEGORIES:beta,alpha{n % 2}\r\nNOTE:Met at meetup {n}\r\nEND:VCARD\r\n")
    cards.append("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nORG:Engines Ltd\r\n"
                 "EMAIL:ada@engine.example\r\nTEL:+44 20 7946 0000\r\nCATEGORIES:math\r\nEND:VCARD\r\n")
    plan = plan_import(vault, "".join(cards).encode(), "cards.vcf")
    assert plan.counts()["new"] == 60 and plan.counts()["merge"] == 1
    apply_plan(vault, plan)
    after_import = _index_rows(vault)
    assert len(after_import) == 61
    vault.search.rebuild()
    assert _index_rows(vault) == after_import
    assert vault.search.query("math").ids == [existing.id]

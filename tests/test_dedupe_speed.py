"""The duplicate index's fast paths answer what the plain ones answer.

* the ASCII shortcut of ``normalise_name`` against the full Unicode recipe;
* ``MatchIndex.from_vault`` (bulk load, close-name buckets built on first use) against the same
  people and keys added one at a time.
"""

from __future__ import annotations

import random
import re
import unicodedata

from vault.importing.dedupe import MatchIndex, Target, normalise_name
from vault.people import NewContactPoint, PersonFields


def _unicode_recipe(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(sorted(re.findall(r"\w+", text)))


def test_the_ascii_shortcut_normalises_as_the_unicode_recipe_does():
    rng = random.Random(7)
    ascii_chars = [chr(c) for c in range(128)]
    other = list("éÉøßİıﬁ１²ǅ\u0301\u00a0Ωω’")
    for n in range(20_000):
        pool = ascii_chars if n % 2 else ascii_chars + other
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 24)))
        assert normalise_name(text) == _unicode_recipe(text), repr(text)


def test_from_vault_indexes_what_adding_one_at_a_time_indexes(vault):
    rng = random.Random(3)
    given = ["Ann", "Anne", "Ben", "Chloé", "Katherine", "Catherine", "Jo", "Joe"]
    family = ["Smith", "Smyth", "Müller", "Muller", "O'Neil", "Okafor"]
    orgs = ["Acme Inc", "ACME", "Globex Ltd", "", "The Initech Company"]
    added = []
    for _ in range(80):
        name, org = f"{rng.choice(given)} {rng.choice(family)}", rng.choice(orgs)
        person = vault.people.add(PersonFields(full_name=name, organisation=org))
        added.append((person.id, name, org))
        # Some addresses are shared: the lowest rowid keeps the key.
        vault.people.add_contact_point(person.id, NewContactPoint("email", f"p{rng.randint(0, 50)}@example.org"))
        vault.people.add_contact_point(person.id, NewContactPoint("phone", f"+1 212 555 {rng.randint(0, 40):04d}"))
    plain = MatchIndex()
    for person_id, name, org in added:
        plain.add_name(Target(person_id=person_id), name, org)
    for person_id, kind, normalized in vault.conn.execute(
            "SELECT person_id, kind, normalized FROM contact_points ORDER BY rowid"):
        plain.add_points(Target(person_id=person_id), [(kind, normalized)])
    fast = MatchIndex.from_vault(vault)
    assert fast.points == plain.points
    assert fast.names == plain.names
    assert fast.by_org == plain.by_org
    assert not fast._org_buckets  # nothing asked yet: no buckets built
    for row in range(200):  # as planning does: look up, then add what did not match
        name, org = f"{rng.choice(given)}{rng.choice(['', 'e', 'h'])} {rng.choice(family)}", rng.choice(orgs)
        keys = [("email", f"p{rng.randint(0, 400)}@example.org")]
        found = fast.find(keys, name, org)
        assert found == plain.find(keys, name, org), (row, name, org)
        if found is None:
            for index in (fast, plain):
                index.add_name(Target(row=row), name, org)
                index.add_points(Target(row=row), keys)
    assert fast.by_org == plain.by_org

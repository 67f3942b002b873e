"""The fast paths the benchmark added to the product give the same answers as the slow ones."""

from __future__ import annotations

import difflib
import random
import sys

from tests.helpers.docs_factory import make_docx, make_pdf
from vault import audit, extraction, sniff
from vault.importing.dedupe import NAME_RATIO, MatchIndex, Target, _letters
from vault.people import PersonFields


def test_batch_extraction_matches_one_child_per_document():
    items = [
        (make_pdf(["Ada Lovelace", "analytical engine programmer"]), sniff.PDF),
        (b"%PDF-1.4 this is not really a PDF", sniff.PDF),
        (make_docx(["Grace Hopper", "compilers"]), sniff.DOCX),
        ("plain text résumé".encode(), sniff.TEXT),
    ]
    batch = extraction.extract_many(items, batch=3)
    single = [extraction.extract_text(data, mime) for data, mime in items]
    assert batch == single
    assert batch[0].ok and "analytical engine" in batch[0].text
    assert not batch[1].ok and batch[1].error


def test_a_batch_child_that_dies_is_finished_one_document_at_a_time(monkeypatch):
    # A child that answers the first document, then spins until its CPU limit kills it.
    spinner = ("import sys\nif '--batch' in sys.argv:\n    print('{\"text\": \"first\"}', flush=True)\n"
               "while True:\n    pass\n")
    monkeypatch.setattr(extraction, "child_command", lambda: [sys.executable, "-c", spinner])
    monkeypatch.setattr(extraction, "CPU_SECONDS", 1)
    results = extraction.extract_many([(b"a", sniff.TEXT), (b"b", sniff.TEXT)], batch=2)
    assert results[0] == extraction.ExtractionResult(True, "first")
    # The second document got its own limited child, which hit the same per-document limit.
    assert not results[1].ok and "CPU-time limit" in results[1].error


def test_the_letter_bound_never_hides_a_close_name():
    rng = random.Random(5)
    alphabet = "abcdeéfghijklmnopqrstuvwxyz0 "
    for _ in range(20_000):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 18)))
        b = list(a)
        for _ in range(rng.randint(0, 2)):
            b.insert(rng.randrange(len(b) + 1), rng.choice(alphabet))
        other = "".join(b)
        ma, mb = _letters(a), _letters(other)
        bound = min(len(a) - (ma & ~mb).bit_count(), len(other) - (mb & ~ma).bit_count())
        if difflib.SequenceMatcher(None, a, other).ratio() >= NAME_RATIO:
            assert 2.0 * bound / (len(a) + len(other)) >= NAME_RATIO


def test_close_names_at_the_same_organisation_still_match():
    index = MatchIndex()
    for n in range(300):
        index.add_name(Target(person_id=n), f"Person Number{n:03d}", "Globex")
    index.add_name(Target(person_id=999), "Katherine Johnson", "Globex")
    assert index.find([], "Katherine Jonson", "Globex") == (Target(person_id=999), "close name at the same organisation")
    assert index.find([], "Someone Else Entirely", "Globex") is None


def test_person_pane_events_are_the_subject_events(vault):
    ada = vault.people.add(PersonFields(full_name="Ada Lovelace"))
    bob = vault.people.add(PersonFields(full_name="Bob Babbage"))
    with vault.transaction():
        vault.record("intro.requested", "person", bob.uuid, {"referred_by": ada.uuid})
    own = audit.query_events(vault.conn, subject_ids=[ada.uuid], mentions=False)
    every = audit.query_events(vault.conn, subject_ids=[ada.uuid])
    assert [e.action for e in own] == ["person.created"]
    assert [e.action for e in every] == ["intro.requested", "person.created"]


def test_bucketed_close_name_search_gives_the_first_match_in_list_order():
    """The buckets answer exactly what a plain scan of the organisation's list answers."""
    import re

    from vault.importing.dedupe import normalise_name

    rng = random.Random(11)
    pieces = ["ann", "anne", "anna", "lee", "li", "kim", "kimm", "jo", "joe", "o'neil", "oneil", "2", "12", "de"]
    index = MatchIndex()
    for n in range(400):
        index.add_name(Target(person_id=n), " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 3))), "Acme")

    def plain_scan(full_name: str) -> Target | None:
        name = normalise_name(full_name)
        words, digits = name.count(" "), re.sub(r"\D", "", name)
        for target, other in index.by_org["acme"]:
            if other.count(" ") != words or re.sub(r"\D", "", other) != digits:
                continue
            if difflib.SequenceMatcher(None, name, other).ratio() >= NAME_RATIO:
                return target
        return None

    for _ in range(400):
        probe = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 3)))
        if normalise_name(probe) in index.names:
            continue  # an exact name is matched before close names are looked at
        found = index.find([], probe, "Acme")
        assert (found[0] if found else None) == plain_scan(probe)


def test_deferred_reindex_indexes_each_person_once_at_the_end(vault):
    from vault.people import NewContactPoint

    ada = vault.people.add(PersonFields(full_name="Ada Lovelace"))
    with vault.transaction(), vault.search.deferred():
        vault.people.add_contact_point(ada.id, NewContactPoint("email", "ada@engine.example"))
        vault.people.add_tag(ada.id, "analytical")
        bob = vault.people.add(PersonFields(full_name="Bob Babbage"))
        # Not visible yet: the index is written when the block ends, inside the same transaction.
        assert vault.search.query("analytical").ids == []
    assert vault.search.query("analytical").ids == [ada.id]
    assert vault.search.query("ada@engine.example").ids == [ada.id]
    assert vault.search.query("Babbage").ids == [bob.id]
    try:
        with vault.transaction(), vault.search.deferred():
            vault.people.add_tag(ada.id, "rolled-back")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert vault.search.query("rolled").ids == []
    vault.people.add_tag(ada.id, "afterwards")  # reindexing is immediate again
    assert vault.search.query("afterwards").ids == [ada.id]

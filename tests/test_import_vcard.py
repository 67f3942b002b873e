"""vCard reading details: dialects, labels, photos, limits, one bad card among good ones."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import corpus_file
from tests.helpers.contact_files import (
    FOLDED_UTF8_NAME,
    folded_utf8_vcard,
    quoted_printable_vcards,
    utf16be_vcard_without_bom,
)
from vault import audit
from vault.errors import Cancelled
from vault.importing import apply_plan, plan_import, read_import_file
from vault.importing.records import MAX_RECORD_BYTES
from vault.importing.vcard import parse_vcards

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def card(*lines: str) -> str:
    return "BEGIN:VCARD\r\nVERSION:3.0\r\n" + "".join(line + "\r\n" for line in lines) + "END:VCARD\r\n"


def test_quoted_printable_soft_breaks_made_here() -> None:
    parsed = parse_vcards(quoted_printable_vcards())
    first = parsed.items[0].record
    assert (first.full_name, first.notes) == ("Jürgen Müller", "Grüße – ein längerer Text, der über zwei Zeilen geht")
    assert first.addresses == [("Hauptstraße 1, Köln, 50667, Deutschland", "work")]
    assert parsed.items[1].record.notes == "Straße – Ecke"  # QUOTED-PRINTABLE before CHARSET


def test_quoted_printable_soft_breaks_and_charset() -> None:
    parsed = parse_vcards(read_import_file(corpus_file("vcard/kcontacts__vcard10.vcf")))
    assert len(parsed.items) == 5
    notes = [i.record.notes for i in parsed.items if i.record]
    assert any("–" in n or "ä" in n or "ü" in n for n in notes)  # en dashes and umlauts decoded


def test_utf16_big_endian_without_bom_made_here() -> None:
    parsed = parse_vcards(utf16be_vcard_without_bom())
    assert parsed.encoding == "utf-16-be"
    assert parsed.items[0].record.full_name == "Ǽgean ĽdaMonté"


def test_utf16_big_endian_without_bom() -> None:
    parsed = parse_vcards(read_import_file(corpus_file("vcard/roundcube__utf-16_sample.vcf")))
    assert parsed.encoding == "utf-16-be"
    assert parsed.items[0].record.full_name == "Ǽgean ĽdaMonté"


def test_folded_utf8_split_inside_a_character_made_here() -> None:
    data = folded_utf8_vcard()
    assert b"\xce\r\n \xb5" in data  # the fold really cuts a character in two
    record = parse_vcards(data).items[0].record
    assert record.full_name == FOLDED_UTF8_NAME and "\ufffd" not in record.notes


def test_folded_utf8_split_inside_a_character() -> None:
    parsed = parse_vcards(read_import_file(corpus_file("vcard/kcontacts__vcard9.vcf")))
    assert "\ufffd" not in parsed.items[0].record.full_name


def test_grouped_labels_and_typed_points() -> None:
    text = card("FN:Greg Label", "item1.EMAIL;type=INTERNET:greg@example.com", "item1.X-ABLabel:_$!<Other>!$_",
                "TEL;TYPE=CELL,VOICE:+1 415 555 0100", "ADR;TYPE=WORK:;;1 Main St;Springfield;;12345;USA",
                "URL;TYPE=profile:https://example.com/greg", "CATEGORIES:Friends,Work\\, mostly", "ORG:Acme;Sales",
                "TITLE:Boss", "NOTE:Hello\\nWorld")
    record = parse_vcards(text.encode()).items[0].record
    assert record.emails == [("greg@example.com", "other")]
    assert record.phones == [("+1 415 555 0100", "cell")]
    assert record.addresses == [("1 Main St, Springfield, 12345, USA", "work")]
    assert record.tags == ["Friends", "Work, mostly"]
    assert (record.organisation, record.title, record.notes) == ("Acme", "Boss", "Hello\nWorld")


def test_photo_kept_as_document_and_uri_never_fetched(vault) -> None:
    data = card("FN:Pic One", "EMAIL:pic1@example.com", "PHOTO;ENCODING=b;TYPE=PNG:" + base64.b64encode(PNG).decode())
    data += card("FN:Pic Two", "EMAIL:pic2@example.com", "PHOTO;VALUE=uri:http://192.0.2.1/never-fetched.jpg")
    plan = plan_import(vault, data.encode(), "photos.vcf")
    assert "PHOTO is a link; it was not fetched (dropped)" in plan.rows[1].warnings
    apply_plan(vault, plan)
    one = vault.people.resolve(plan.rows[0].person_uuid)
    photos = vault.documents.for_person(one, role="photo")
    assert len(photos) == 1 and photos[0].mime_type == "image/png"
    assert vault.documents.data(photos[0].id) == PNG


def test_one_bad_card_never_stops_the_file(vault) -> None:
    big = "NOTE:" + "x" * (MAX_RECORD_BYTES + 10)
    data = card("FN:Good Before", "EMAIL:a@example.com") + card("FN:Too Big", big) + "BEGIN:VCARD\r\nFN:Cut\r\n"
    data = card("FN:Good After", "EMAIL:b@example.com") + data
    plan = plan_import(vault, data.encode(), "mixed.vcf")
    outcomes = [(r.outcome, r.reason.split(" ")[0:3]) for r in plan.rows]
    assert [o for o, _ in outcomes] == ["new", "new", "failed", "failed"]
    assert "larger than" in plan.rows[2].reason
    assert "without END:VCARD" in plan.rows[3].reason


def test_apply_is_one_transaction_and_cancel_leaves_nothing(vault) -> None:
    data = "".join(card(f"FN:Person {i}", f"EMAIL:p{i}@example.com") for i in range(5)).encode()
    before = audit.count_events(vault.conn)
    plan = plan_import(vault, data, "five.vcf")
    try:
        apply_plan(vault, plan, progress=lambda done, total: done < 3)
    except Cancelled:
        pass
    assert vault.people.count() == 0
    assert audit.count_events(vault.conn) == before
    plan = plan_import(vault, data, "five.vcf")
    apply_plan(vault, plan)
    assert vault.people.count() == 5
    event = audit.query_events(vault.conn, actions=["import.applied"])[0]
    assert event.details == {"format": "vcard", "new": 5, "merged": 0, "duplicate": 0, "suppressed": 0,
                             "failed": 0}


def test_dry_run_plan_writes_nothing(vault) -> None:
    before = audit.count_events(vault.conn)
    plan_import(vault, read_import_file(corpus_file("vcard/ezvcard__gmail-list.vcf")), "gmail-list.vcf")
    assert vault.people.count() == 0 and audit.count_events(vault.conn) == before


def test_merge_field_by_field_keeps_every_point(vault) -> None:
    apply_plan(vault, plan_import(vault, card("FN:Ann Lee", "EMAIL:ann@example.com", "TITLE:Engineer").encode(),
                                  "a.vcf"))
    second = card("FN:Ann Lee", "EMAIL:ANN@example.com", "TEL:+1 415 555 0199", "ORG:Initech", "TITLE:CTO",
                  "CATEGORIES:vip", "NOTE:met at conf")
    plan = plan_import(vault, second.encode(), "b.vcf")
    row = plan.rows[0]
    assert row.outcome == "merge" and row.matched_by == "e-mail"
    assert row.conflicts == {"title": ("Engineer", "CTO")}
    assert "organisation" in row.changes
    row.choices["title"] = "incoming"  # what the merge dialog does
    apply_plan(vault, plan)
    ann = vault.people.get(row.person_uuid)
    assert (ann.organisation, ann.title, ann.notes, ann.tags) == ("Initech", "CTO", "met at conf", ("vip",))
    assert sorted(p.kind for p in ann.contact_points) == ["email", "phone"]
    assert all(p.source == "imported-file" for p in ann.contact_points)
    assert {p.source_detail for p in ann.contact_points} == {"a.vcf", "b.vcf"}


def test_close_name_at_same_organisation_is_a_duplicate(vault) -> None:
    apply_plan(vault, plan_import(vault, card("FN:Jonathan Smithers", "ORG:Globex").encode(), "a.vcf"))
    plan = plan_import(vault, card("FN:Jonathon Smithers", "ORG:Globex Inc").encode(), "b.vcf")
    assert plan.rows[0].outcome == "duplicate"
    assert plan.rows[0].matched_by == "close name at the same organisation"
    other = plan_import(vault, card("FN:Jonathon Smithers", "ORG:Umbrella").encode(), "c.vcf")
    assert other.rows[0].outcome == "new"


def test_numbered_names_are_not_typos_of_each_other(vault) -> None:
    apply_plan(vault, plan_import(vault, card("FN:Room 101", "ORG:Globex").encode(), "a.vcf"))
    assert plan_import(vault, card("FN:Room 102", "ORG:Globex").encode(), "b.vcf").rows[0].outcome == "new"


def test_bulk_file_built_here(vault) -> None:
    """No corpus file holds many cards (corpus README, gap 1), so this one is synthetic: 2,000 cards."""
    import time

    data = "".join(card(f"FN:Person{i} Surname{i % 97}", f"ORG:Org {i % 50}", f"EMAIL:p{i}@example.com",
                        f"TEL:+1 415 555 {i:04d}", f"CATEGORIES:tag{i % 7}") for i in range(2000)).encode()
    started = time.perf_counter()
    plan = plan_import(vault, data, "bulk.vcf")
    apply_plan(vault, plan)
    elapsed = time.perf_counter() - started
    assert plan.counts()["new"] == 2000 and vault.people.count() == 2000
    assert plan_import(vault, data, "bulk.vcf").counts()["duplicate"] == 2000
    assert elapsed < 60  # about 2 s here; generous for slow CI machines


def test_unquoted_label_parameter_with_colons() -> None:
    """ez-vcard issue 114: the value starts after the LABEL's colons, not at the first one."""
    record = parse_vcards(read_import_file(corpus_file("vcard/ezvcard__issue114.vcf"))).items[0].record
    assert record.addresses == [("BHG01:, Dummy-Dummy-Strasse 1, Bad Homburg, 61352, Germany", "work")]


def test_file_size_limit(tmp_path) -> None:
    import pytest

    from vault.errors import ImportFailed

    huge = tmp_path / "huge.vcf"
    with open(huge, "wb") as handle:
        handle.truncate(51 * 1024 * 1024)  # sparse: costs no disk, only its size is read
    with pytest.raises(ImportFailed, match="limit is 50 MB"):
        read_import_file(huge)


def test_a_row_kept_separate_is_created_and_an_applied_plan_cannot_change(vault) -> None:
    from vault.errors import ValidationError
    from vault.importing import keep_separate
    from vault.people import NewContactPoint, PersonFields

    vault.people.add(PersonFields(full_name="Ann Lee"), [NewContactPoint("email", "ann@example.com")])
    plan = plan_import(vault, b"BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nEMAIL:ann@example.com\nTEL:+14155550100\n"
                              b"END:VCARD\n", "ann.vcf")
    assert plan.rows[0].outcome == "merge"
    keep_separate(plan, 1)
    assert plan.counts()["new"] == 1
    apply_plan(vault, plan)
    assert vault.people.count() == 2
    with pytest.raises(ValidationError, match="applied already"):
        keep_separate(plan, 1)

"""Acceptance: every corpus vCard and CSV file imports or is reported item by item with a reason.

Each file is planned and applied into a fresh vault, so the pinned counts are the file's own:
(new, merged within the file, already present, failed). No exception may escape, every failed
item names its reason, and importing the same file again creates nobody (every imported row
is matched).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import VENDORED, corpus_files, shared_corpus_present
from vault.importing import apply_plan, plan_import, read_import_file

#: file -> (new, merge, duplicate, failed), measured on an empty vault.
PINNED: dict[str, tuple[int, int, int, int]] = {
    "evolution__10.vcf": (1, 0, 0, 0),
    "evolution__11.vcf": (1, 0, 0, 0),
    "evolution__13.vcf": (1, 0, 0, 0),
    "evolution__5.vcf": (1, 0, 0, 0),
    "evolution__6.vcf": (1, 0, 0, 0),
    "evolution__7.vcf": (0, 0, 0, 1),
    "evolution__8.vcf": (0, 0, 0, 1),
    "evolution__9.vcf": (0, 0, 0, 1),
    "evolution__logo-1.vcf": (1, 0, 0, 0),
    "evolution__name-only.vcf": (1, 0, 0, 0),
    "evolution__photo-1.vcf": (1, 0, 0, 0),
    "ezvcard__John_Doe_ANDROID.vcf": (5, 1, 0, 0),
    "ezvcard__John_Doe_BLACK_BERRY.vcf": (1, 0, 0, 0),
    "ezvcard__John_Doe_EVOLUTION.vcf": (1, 0, 0, 0),
    "ezvcard__John_Doe_GMAIL.vcf": (1, 0, 0, 0),
    "ezvcard__John_Doe_IPHONE.vcf": (1, 0, 0, 0),
    "ezvcard__John_Doe_LOTUS_NOTES.vcf": (1, 0, 0, 0),
    "ezvcard__John_Doe_MAC_ADDRESS_BOOK.vcf": (1, 0, 0, 0),
    "ezvcard__John_Doe_MS_OUTLOOK.vcf": (1, 0, 0, 0),
    "ezvcard__fullcontact.vcf": (1, 0, 0, 0),
    "ezvcard__gmail-list.vcf": (3, 0, 0, 0),
    "ezvcard__gmail-single.vcf": (1, 0, 0, 0),
    "ezvcard__gmail-single2.vcf": (1, 0, 0, 0),
    "ezvcard__issue114.vcf": (1, 0, 0, 0),
    "ezvcard__outlook-2003.vcf": (1, 0, 0, 0),
    "ezvcard__rfc2426-example.vcf": (2, 0, 0, 0),
    "ezvcard__rfc6350-example.vcf": (1, 0, 0, 0),
    "ezvcard__thunderbird-MoreFunctionsForAddressBook-extension.vcf": (1, 0, 0, 0),
    "kcontacts__testfullvcard.vcf": (1, 0, 0, 0),
    "kcontacts__vcard10.vcf": (4, 1, 0, 0),
    "kcontacts__vcard12.vcf": (1, 0, 0, 0),
    "kcontacts__vcard15.vcf": (1, 0, 0, 0),
    "kcontacts__vcard3.vcf": (1, 0, 0, 0),
    "kcontacts__vcard4.vcf": (1, 0, 0, 0),
    "kcontacts__vcard5.vcf": (1, 0, 0, 0),
    "kcontacts__vcard7.vcf": (0, 0, 0, 1),
    "kcontacts__vcard9.vcf": (1, 0, 0, 0),
    "kcontacts__vcardwithitemasapplesupport.vcf": (1, 0, 0, 0),
    "radicale__broken-vcard.vcf": (1, 0, 0, 0),
    "radicale__broken-vcards2-no_uid.vcf": (2, 0, 0, 0),
    "radicale__contact4-with-bday-no-year.vcf": (1, 0, 0, 0),
    "radicale__contact_photo_with_data_uri.vcf": (1, 0, 0, 0),
    "roundcube__apple.vcf": (1, 0, 0, 0),
    "roundcube__johndoe.vcf": (1, 0, 0, 0),
    "roundcube__thebat.vcf": (1, 0, 0, 0),
    "roundcube__utf-16_sample.vcf": (1, 0, 0, 0),
    "sabre-vobject__issue153.vcf": (1, 0, 0, 0),
    "sabre-vobject__issue64.vcf": (0, 0, 0, 1),
    "thunderbird__dos_vcard_addressbook.vcf": (1, 0, 0, 0),
    "thunderbird__emptylines_vcard_addressbook.vcf": (2, 0, 0, 0),
    "thunderbird__export.vcf": (2, 0, 0, 0),
    "thunderbird__v3-binary-jpeg.vcf": (1, 0, 0, 0),
    "thunderbird__v4-uri-png.vcf": (1, 0, 0, 0),
    "tine20__HerrFalkMuenchen.vcf": (1, 0, 0, 0),
    "tine20__WebDAVCollaborator.vcf": (1, 0, 0, 0),
    "tine20__emclient_addressbook.vcf": (1, 0, 0, 0),
    "tine20__without_N_property.vcf": (1, 0, 0, 0),
    "vobject__radicale-1587.vcf": (1, 0, 0, 0),
    "foldmark__google.csv": (3, 0, 0, 0),
    "kawsay__Connections.csv": (2, 0, 0, 0),
    "linkedin-network-intelligence__Connections.csv": (10, 0, 0, 0),
    "network-jobs__Connections.csv": (10, 0, 0, 0),
    "rolomind__google.csv": (4, 0, 0, 0),
    "rolomind__linkedin.csv": (5, 0, 0, 0),
    "roundcube__all.csv": (1, 0, 0, 0),
    "roundcube__email.csv": (4, 0, 0, 0),
    "roundcube__gmail.csv": (1, 0, 0, 0),
    "roundcube__outlook.csv": (1, 0, 0, 0),
    "roundcube__tb_plain.csv": (1, 0, 0, 0),
    "thunderbird__basic_csv_addressbook.csv": (2, 0, 0, 0),
    "thunderbird__csv_no_header.csv": (2, 0, 0, 0),
    "thunderbird__csv_semicolon.csv": (2, 0, 0, 0),
    "thunderbird__export.csv": (2, 0, 0, 0),
    "thunderbird__quote.csv": (1, 0, 0, 0),
    "thunderbird__shiftjis_addressbook.csv": (1, 0, 0, 0),
    "thunderbird__tab_comma_mixed.csv": (4, 0, 0, 0),
    "thunderbird__utf16_addressbook.csv": (1, 0, 0, 0),
    "tine20__importtest_outlook2013.csv": (2, 0, 0, 0),
    "tine20__importtest_win1252.csv": (4, 0, 0, 0),
}

#: csv/ then vcard/ (the order of the whole-corpus test); the shared-only files join when present.
FILES = [*corpus_files("csv", "*.csv"), *corpus_files("vcard", "*.vcf")]


def test_every_vendored_corpus_file_is_pinned() -> None:
    """The 37 vendored files (tests/data/corpus, see its MANIFEST.md) are all present and pinned."""
    vendored = sorted(p.name for p in FILES if p.is_relative_to(VENDORED))
    assert set(vendored) <= set(PINNED), "a corpus file was added: pin its counts"
    assert len(vendored) == 37, "a vendored corpus file was added or removed"


def test_every_shared_corpus_file_is_pinned() -> None:
    """With ../shared/corpus beside the clone (as on CI) all 79 files are there and pinned."""
    if not shared_corpus_present():
        pytest.skip("needs ../shared/corpus (not redistributable; CI has it)")
    assert sorted(p.name for p in FILES) == sorted(PINNED)
    assert len(FILES) == 79


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file_imports_or_reports_each_item(vault, path: Path) -> None:
    plan = plan_import(vault, read_import_file(path), path.name)
    counts = plan.counts()
    assert (counts["new"], counts["merge"], counts["duplicate"], counts["failed"]) == PINNED[path.name]
    assert counts["suppressed"] == 0
    for row in plan.rows:
        assert row.outcome in ("new", "merge", "duplicate", "failed")
        if row.outcome == "failed":
            assert row.reason, f"{row.label} failed without a reason"
    apply_plan(vault, plan)
    people = vault.people.count()
    assert people == counts["new"]
    for row in plan.rows:
        if row.outcome != "failed":
            assert row.person_uuid, row.label
    # Contact points carry the file as their source.
    sources = vault.conn.execute("SELECT DISTINCT source, source_detail FROM contact_points").fetchall()
    assert all(s == ("imported-file", path.name) for s in sources)

    again = plan_import(vault, read_import_file(path), path.name)
    second = again.counts()
    assert second["new"] == 0 and second["merge"] == 0
    assert second["duplicate"] == counts["new"] + counts["merge"] + counts["duplicate"]
    apply_plan(vault, again)
    assert vault.people.count() == people
    assert vault.verify_audit_chain().ok


def test_whole_corpus_into_one_vault_then_again(vault) -> None:
    """All files into one vault (cross-file duplicates merge), then all again: nobody new."""
    for path in FILES:
        apply_plan(vault, plan_import(vault, read_import_file(path), path.name))
    people = vault.people.count()
    low, high = (80, 120) if shared_corpus_present() else (45, 65)  # 79 files, or the 37 vendored
    assert low <= people <= high
    for path in FILES:
        counts = plan_import(vault, read_import_file(path), path.name).counts()
        assert counts["new"] == 0 and counts["merge"] == 0, path.name
    assert vault.people.count() == people
    assert vault.check().ok

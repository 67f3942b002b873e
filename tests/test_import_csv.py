"""CSV reading: encodings, delimiters, LinkedIn preamble, Google/Outlook headers, --map."""

from __future__ import annotations

import pytest

from tests.conftest import corpus_file
from tests.helpers.contact_files import cp1252_csv
from vault.errors import ValidationError
from vault.importing import apply_plan, plan_import, read_import_file
from vault.importing.csv_import import parse_csv
from vault.people import NewContactPoint, PersonFields

LINKEDIN = (
    'Notes:\n"When exporting your connection data, you may notice that some of the email addresses are missing. '
    'You will only see email addresses for connections who have allowed their connections to see or download '
    'their email address using this setting https://www.linkedin.com/psettings/privacy/email. You can learn more '
    'here https://www.linkedin.com/help/linkedin/answer/261"\n\n'
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Maya,Okafor,https://www.linkedin.com/in/maya-okafor,,Contoso,Head of Data,12 Mar 2024\n"
    'Liam,Berg,https://www.linkedin.com/in/liamberg,liam@example.com,"Fabrikam, Inc.",CTO,01 Feb 2023\n'
)

OUTLOOK_EN = (
    '"Title","First Name","Middle Name","Last Name","Suffix","Company","Department","Job Title",'
    '"Business Street","Business City","Business Postal Code","Business Country/Region","Home Phone",'
    '"Mobile Phone","E-mail Address","E-mail Type","E-mail Display Name","E-mail 2 Address","Notes","Web Page"\r\n'
    '"Ms.","Grace","B.","Hopper","","Navy","R&D","Rear Admiral","1 Pentagon","Arlington","22202","USA",'
    '"","+1 703 555 0101","grace@example.mil","SMTP","Grace Hopper (grace@example.mil)","gh@example.org",'
    '"Found a moth","https://example.mil/grace"\r\n'
)


def test_linkedin_with_the_official_preamble(vault) -> None:
    plan = plan_import(vault, LINKEDIN.encode("utf-8-sig"), "Connections.csv", fmt="linkedin")
    assert [r.outcome for r in plan.rows] == ["new", "new"]
    assert any("preamble" in n for n in plan.notes)
    apply_plan(vault, plan)
    liam = vault.people.get(plan.rows[1].person_uuid)
    assert (liam.organisation, liam.title) == ("Fabrikam, Inc.", "CTO")
    assert sorted(p.kind for p in liam.contact_points) == ["email", "link"]
    maya = vault.people.get(plan.rows[0].person_uuid)
    assert [p.value for p in maya.contact_points] == ["https://www.linkedin.com/in/maya-okafor"]


def test_profile_link_matches_a_duplicate(vault) -> None:
    apply_plan(vault, plan_import(vault, LINKEDIN.encode(), "Connections.csv"))
    renamed = LINKEDIN.replace("Maya,Okafor", "M.,Okafor-Smith")
    plan = plan_import(vault, renamed.encode(), "Connections.csv")
    assert plan.rows[0].outcome in ("duplicate", "merge") and plan.rows[0].matched_by == "profile link"


def test_english_outlook_header(vault) -> None:
    plan = plan_import(vault, OUTLOOK_EN.encode("cp1252"), "contacts.csv", fmt="outlook")
    apply_plan(vault, plan)
    grace = vault.people.get(plan.rows[0].person_uuid)
    assert grace.full_name == "Grace B. Hopper"
    assert (grace.organisation, grace.title, grace.notes) == ("Navy", "Rear Admiral", "Found a moth")
    kinds = sorted((p.kind, p.value) for p in grace.contact_points)
    assert ("email", "gh@example.org") in kinds and ("phone", "+17035550101") in kinds
    assert ("address", "1 Pentagon, Arlington, 22202, USA") in kinds
    assert ("link", "https://example.mil/grace") in kinds


@pytest.mark.parametrize(("name", "encoding", "delimiter"), [
    ("thunderbird__utf16_addressbook.csv", "utf-16", "','"),
    ("kawsay__Connections.csv", "utf-8-sig", "','"),
    ("tine20__importtest_win1252.csv", "cp1252", "';'"),
    ("thunderbird__csv_semicolon.csv", "utf-8", "';'"),
    ("thunderbird__tab_comma_mixed.csv", "utf-8", "tab"),
])
def test_encodings_and_delimiters(name: str, encoding: str, delimiter: str) -> None:
    parsed = parse_csv(read_import_file(corpus_file(f"csv/{name}")))
    assert parsed.encoding == encoding
    assert f"delimiter {delimiter}, encoding {encoding}" in parsed.notes


def test_cp1252_semicolons_and_letters_made_here() -> None:
    parsed = parse_csv(cp1252_csv())
    assert parsed.encoding == "cp1252"
    assert "delimiter ';', encoding cp1252" in parsed.notes
    records = [item.record for item in parsed.items]
    assert [(r.full_name, r.organisation) for r in records] == [("Jürgen Müller", "Bäckerei Öztürk"),
                                                                 ("Cornelius Weiß", "Straßenbau AG")]
    assert records[1].notes == "erste Zeile\nzweite Zeile"


def test_cp1252_letters_survive() -> None:
    parsed = parse_csv(read_import_file(corpus_file("csv/tine20__importtest_outlook2013.csv")))
    assert parsed.items[1].record.full_name == "Cornelius Weiß"


def test_generic_csv_through_a_mapping(vault) -> None:
    data = "Who;Mail;Mobile;Firm;Stuff\nAda Byron;ada@example.org;+44 20 7946 0000;Engines;likes maths\n"
    plain = plan_import(vault, data.encode(), "odd.csv")
    assert plain.rows[0].outcome == "new"  # e-mail recognised by its header word
    plan = plan_import(vault, data.encode(), "odd.csv",
                       mapping={"Who": "full_name", "3": "phone", "Firm": "organization", "Stuff": "notes"})
    apply_plan(vault, plan)
    ada = vault.people.get(plan.rows[0].person_uuid)
    assert (ada.full_name, ada.organisation, ada.notes) == ("Ada Byron", "Engines", "likes maths")
    assert sorted(p.kind for p in ada.contact_points) == ["email", "phone"]
    with pytest.raises(ValidationError, match="no column"):
        plan_import(vault, data.encode(), "odd.csv", mapping={"Nope": "email"})
    with pytest.raises(ValidationError, match="is not a field"):
        plan_import(vault, data.encode(), "odd.csv", mapping={"Who": "shoe_size"})


def test_headerless_file_is_read_by_content() -> None:
    parsed = parse_csv(read_import_file(corpus_file("csv/thunderbird__csv_no_header.csv")))
    records = [i.record for i in parsed.items]
    assert [(r.full_name, r.emails[0][0]) for r in records] == [("John Doe", "john@doe.invalid"),
                                                                 ("Jane Doe", "jane@doe.invalid")]


def test_google_labels_and_tags(vault) -> None:
    plan = plan_import(vault, read_import_file(corpus_file("csv/foldmark__google.csv")), "google.csv")
    apply_plan(vault, plan)
    erika = vault.people.get(plan.rows[0].person_uuid)
    assert erika.tags == ("Kunden",)
    assert erika.notes == 'Kennt sich aus, "sehr" hilfsbereit'
    labels = {p.value: p.label for p in erika.contact_points if p.kind == "email"}
    assert labels == {"erika.beispiel@example.org": "work", "erika@home.example": "home"}
    town_hall = plan.rows[2]
    assert "organisation is used as the name" in " ".join(town_hall.warnings)


def test_bad_points_are_dropped_with_a_warning_not_the_row(vault) -> None:
    data = "Name,Email,Phone\nBo Jo,not-an-email,12\n,,\n"
    plan = plan_import(vault, data.encode(), "x.csv")
    assert len(plan.rows) == 1 and plan.rows[0].outcome == "new"
    assert any("email dropped" in w for w in plan.rows[0].warnings)
    assert any("phone dropped" in w for w in plan.rows[0].warnings)


def test_a_merge_in_another_region_adds_no_copy_of_a_number_the_person_has(vault):
    """Found in review: the apply keyed a file's numbers with the US region, so a person's own
    French number looked new and was added twice (the preview said only a tag)."""
    person = vault.people.add(PersonFields(full_name="Marie Curie"), [NewContactPoint("phone", "555-0142")],
                              region="FR")
    data = b"Name,Phone,Labels\nMarie Curie,555-0142,physics\n"
    plan = plan_import(vault, data, "people.csv", fmt="csv", mapping={"1": "full_name", "2": "phone", "3": "tags"},
                       region="FR")
    assert plan.rows[0].outcome == "merge" and plan.rows[0].changes == ["1 tag(s)"]
    apply_plan(vault, plan)
    assert [p.kind for p in vault.people.get(person.id).contact_points] == ["phone"]

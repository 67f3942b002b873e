"""People, contact points, tags and sharing-policy defaults (docs/design.md §5)."""

from __future__ import annotations

import pytest

from vault import audit
from vault.contact_points import normalise
from vault.errors import NotFound, ValidationError
from vault.people import NewContactPoint, PersonFields


def test_add_person_with_every_field(vault):
    person = vault.people.add(
        PersonFields(full_name="Grace Hopper", kind="candidate", given_name="Grace", family_name="Hopper",
                     headline="Compiler pioneer", organisation="US Navy", title="Rear Admiral",
                     notes="Prefers mornings", status="not-looking", not_looking_until="2026-09-01",
                     retention_until="2028-03-01"),
        [NewContactPoint("email", "Grace@Navy.MIL", source="given"),
         NewContactPoint("phone", "(202) 555-0143", source="referral", obtained_on="2025-01-02"),
         NewContactPoint("address", "1 Navy Way, Arlington", source="public-profile"),
         NewContactPoint("link", "www.linkedin.com/in/grace/", source="public-profile", outreach="do-not-contact")],
        ["cobol", "Leadership", "cobol"],
    )
    assert person.sharing_policy == "on-authorisation"
    assert person.tags == ("cobol", "Leadership")
    by_kind = {p.kind: p for p in person.contact_points}
    assert by_kind["email"].value == "Grace@navy.mil"
    assert by_kind["phone"].value == "+12025550143"
    assert by_kind["phone"].obtained_on == "2025-01-02"
    assert by_kind["email"].obtained_on == "2026-03-01"  # the fixed clock's date
    assert by_kind["link"].outreach == "do-not-contact"
    assert person.status == "not-looking" and person.not_looking_until == "2026-09-01"
    event = audit.last_event(vault.conn)
    assert event.action == "person.created" and event.subject_id == person.uuid
    # Audit details carry field names, never personal values.
    assert "Grace" not in str(event.details) and "Navy" not in str(event.details)


def test_contacts_default_to_locked(vault):
    contact = vault.people.add(PersonFields(full_name="Exec Director", kind="contact"))
    assert contact.sharing_policy == "locked"
    candidate = vault.people.update(contact.uuid, PersonFields(kind="candidate"))
    assert candidate.sharing_policy == "locked"  # changing kind never loosens the policy


@pytest.mark.parametrize(
    "fields, field_name",
    [
        (PersonFields(full_name=""), "full_name"),
        (PersonFields(full_name="X", kind="robot"), "kind"),
        (PersonFields(full_name="X", status="retired"), "status"),
        (PersonFields(full_name="X", sharing_policy="open"), "sharing_policy"),
        (PersonFields(full_name="X", retention_until="next year"), "retention_until"),
        (PersonFields(full_name="X" * 201), "full_name"),
    ],
)
def test_validation_errors_name_the_field(vault, fields, field_name):
    with pytest.raises(ValidationError) as info:
        vault.people.add(fields)
    assert info.value.field == field_name
    assert vault.people.count() == 0


@pytest.mark.parametrize(
    "kind, value, field_name",
    [("email", "not-an-email", "email"), ("email", "a@b", "email"), ("phone", "12", "phone"),
     ("link", "ftp://x.example", "link"), ("address", "   ", "address")],
)
def test_contact_point_validation(vault, kind, value, field_name):
    with pytest.raises(ValidationError) as info:
        vault.people.add(PersonFields(full_name="Y"), [NewContactPoint(kind, value)])
    assert info.value.field == field_name
    assert vault.people.count() == 0  # nothing half-written


def test_phone_normalisation():
    assert normalise("phone", "+44 20 7946 0958") == ("+442079460958", "+442079460958")
    assert normalise("phone", "020 7946 0958", region="GB")[1] == "+442079460958"
    assert normalise("link", "https://www.LinkedIn.com/in/jane/")[1] == "https://linkedin.com/in/jane"


def test_update_edit_points_tags_and_delete(vault):
    person = vault.people.add(PersonFields(full_name="Alan Turing"), [NewContactPoint("email", "alan@bletchley.uk")])
    updated = vault.people.update(person.uuid[:8], PersonFields(organisation="Bletchley Park", title="Cryptanalyst"))
    assert updated.organisation == "Bletchley Park"
    point = updated.contact_points[0]
    vault.people.update_contact_point(point.uuid, outreach="do-not-contact", source="old-document")
    vault.people.add_tag(person.uuid, "enigma")
    vault.people.set_tags(person.uuid, ["crypto", "maths"])
    again = vault.people.get(person.uuid)
    assert again.tags == ("crypto", "maths")
    assert again.contact_points[0].outreach == "do-not-contact" and again.contact_points[0].from_old_document
    assert vault.people.count("do-not-contact") == 1
    vault.people.remove_contact_point(point.uuid)
    vault.people.delete(person.uuid)
    with pytest.raises(NotFound):
        vault.people.get(person.uuid)
    actions = [e.action for e in audit.query_events(vault.conn, newest_first=False)]
    for expected in ("person.updated", "contact_point.updated", "tag.added", "tag.removed", "contact_point.removed",
                     "person.deleted"):
        assert expected in actions
    assert vault.verify_audit_chain().ok


def test_listing_pages_and_sorts_without_loading_everything(vault):
    with vault.transaction():
        for index in range(30):
            vault.people.add(PersonFields(full_name=f"Person {index:02d} Zed", organisation=f"Org {29 - index:02d}",
                                          kind="contact" if index % 3 == 0 else "candidate"))
    first = vault.people.list_ids(limit=10)
    second = vault.people.list_ids(limit=10, offset=10)
    assert len(first) == 10 and not set(first) & set(second)
    by_org = vault.people.rows(vault.people.list_ids(sort="organisation", limit=3))
    assert [r.organisation for r in by_org] == ["Org 00", "Org 01", "Org 02"]
    assert vault.people.count("contacts") == 10
    assert vault.people.count("candidates") == 20


def test_sharing_policy_change_is_audited(vault):
    person = vault.people.add(PersonFields(full_name="Policy Person"))
    vault.people.set_sharing_policy(person.uuid, "locked")
    event = audit.last_event(vault.conn)
    assert event.action == "person.sharing_policy" and event.details["sharing_policy"] == "locked"


def test_failed_transaction_leaves_no_trace(vault):
    before = audit.count_events(vault.conn)
    with pytest.raises(RuntimeError), vault.transaction():
        vault.people.add(PersonFields(full_name="Ghost"))
        raise RuntimeError("power cut")
    assert vault.people.count() == 0
    assert audit.count_events(vault.conn) == before


def test_get_many_reads_what_get_reads(vault):
    full = vault.people.add(
        PersonFields(full_name="Ada Lovelace", organisation="Analytical"),
        [NewContactPoint("phone", "(202) 555-0144"), NewContactPoint("email", "ada@example.com"),
         NewContactPoint("email", "countess@example.com")],
        ["zeta", "Alpha", "mid"],
    )
    bare = vault.people.add(PersonFields(full_name="Bare Person"))
    gone = vault.people.add(PersonFields(full_name="Gone Person"))
    vault.people.delete(gone.id)
    many = vault.people.get_many([bare.id, full.id, gone.id, full.id])
    assert set(many) == {full.id, bare.id}
    assert many[full.id] == vault.people.get(full.id)
    assert many[bare.id] == vault.people.get(bare.id)
    assert vault.people.get_many([]) == {}

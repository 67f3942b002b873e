"""The share check (docs/design.md §2 rule 2) through the core API: every refusal, its audit event, and the
happy path; authorisations' immutability, revocation and expiry; recipients; introduction requests.

Dates are far from today on purpose (2020 / 2099) so the same world works with the fixed test
clock and with the real clock the CLI tests run under.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW, corpus_file
from vault import audit, sharing
from vault.clock import FixedClock
from vault.config import AppConfig
from vault.errors import AuthorisationImmutable, NotFound, ShareNotAuthorised, ValidationError
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault

RESUME = corpus_file("resumes/rendercv__classic_minimal.pdf")
OLD_RESUME = corpus_file("resumes/trajector__sample-resume.pdf")


@dataclass(frozen=True)
class Scenario:
    name: str
    condition: str
    words: str  # what the message must say
    person: str = ""
    recipient: str = "Bob Client"
    items: tuple[str, ...] = ()


SCENARIOS = [
    Scenario("none", "no-authorisation", "no authorisation"),
    Scenario("expired", "expired", "expired on 2020-01-31"),
    Scenario("revoked", "revoked", "was revoked on"),
    Scenario("future", "not-yet-valid", "not valid before 2099-01-01"),
    Scenario("other_recipient", "other-recipient", "names Carol Client (Acme), not Bob Client (Acme)"),
    Scenario("other_org", "other-organisation", "covers Globex, and Bob Client (Acme) is not part of it"),
    Scenario("phone", "outside-scope", "covers resume but not phone"),
    Scenario("excluded", "document-excluded", "is excluded from sharing"),
    Scenario("do_not_contact", "no-shareable-value", "has no email that may be shared"),
    Scenario("used_up", "use-limit-reached", "allowed 1 share(s) and all have been used"),
    Scenario("locked", "person-locked", "sharing policy is 'locked'"),
    # The authorisation names one resume version; the share asks for another one.
    Scenario("other_document", "outside-scope", "but not document"),
]


def build_world(vault: Vault, out_dir: Path) -> dict[str, Scenario]:
    """One person per refusal, plus 'ok' (allowed). Returns scenarios with person ids and items."""
    vault.recipients.add("Bob Client", email="bob@acme.example", organisation="Acme")
    vault.recipients.add("Carol Client", email="carol@acme.example", organisation="Acme")
    vault.recipients.add("Dave Buyer", email="dave@globex.example", organisation="Globex")
    prepared = vault.documents.prepare(RESUME.read_bytes(), RESUME.name)
    world: dict[str, Scenario] = {}
    for n, sc in enumerate([*SCENARIOS, Scenario("ok", "", "")]):
        person = vault.people.add(  # one phone each: a shared one would make them one identity
            PersonFields(full_name=f"Pat {sc.name.replace('_', ' ').title()}"),
            [NewContactPoint("email", f"{sc.name}@example.com"), NewContactPoint("phone", f"+1 415 555 01{n:02d}")],
        )
        doc = vault.documents.add_bytes(person.id, RESUME.read_bytes(), RESUME.name, prepared=prepared)
        items = (f"document:{doc.uuid}",)
        base = dict(scope=["resume", "email"], purpose="Senior Engineer role", method="email",
                    obtained_at="2020-01-01", valid_until="2099-12-31")
        if sc.name == "expired":
            vault.authorisations.log(person.id, recipient="Bob Client", **{**base, "valid_until": "2020-01-31"})
        elif sc.name == "revoked":
            auth = vault.authorisations.log(person.id, recipient="Bob Client", **base)
            vault.authorisations.revoke(auth.uuid, "candidate withdrew")
        elif sc.name == "future":
            vault.authorisations.log(person.id, recipient="Bob Client", **{**base, "obtained_at": "2099-01-01"})
        elif sc.name == "other_recipient":
            vault.authorisations.log(person.id, recipient="Carol Client", **base)
        elif sc.name == "other_org":
            vault.authorisations.log(person.id, organisation="Globex", **base)
        elif sc.name == "phone":
            vault.authorisations.log(person.id, recipient="Bob Client", **{**base, "scope": ["resume"]})
            items = (*items, "phone")
        elif sc.name == "excluded":
            newer = vault.documents.add_file(person.id, OLD_RESUME)
            vault.documents.set_shareable(doc.uuid, False)
            vault.authorisations.log(person.id, recipient="Bob Client", **base)
            assert newer.is_default
        elif sc.name == "do_not_contact":
            vault.authorisations.log(person.id, recipient="Bob Client", **base)
            (point,) = vault.people.get(person.id).points("email")
            vault.people.update_contact_point(point.uuid, outreach="do-not-contact")
            items = (*items, "email")
        elif sc.name == "used_up":
            vault.authorisations.log(person.id, recipient="Bob Client", **base, max_uses=1)
            sharing.build_share(vault, person.id, "Bob Client", list(items), out_dir / "first-use.zip")
        elif sc.name == "locked":
            vault.authorisations.log(person.id, recipient="Bob Client", **base)
            vault.people.set_sharing_policy(person.id, "locked")
        elif sc.name == "other_document":
            newer = vault.documents.add_file(person.id, OLD_RESUME)
            vault.authorisations.log(person.id, recipient="Bob Client", **{**base, "scope": [f"document:{doc.uuid}"]})
            items = (f"document:{newer.uuid}",)
        elif sc.name == "ok":
            vault.authorisations.log(person.id, organisation="Acme", **base)
        world[sc.name] = Scenario(sc.name, sc.condition, sc.words, person.uuid, sc.recipient, items)
    return world


@pytest.fixture(scope="module")
def world_vault(template_vault, tmp_path_factory) -> tuple[Path, bytes, dict[str, Scenario]]:
    """A vault file holding the world (built once per module), and its raw key."""
    folder = tmp_path_factory.mktemp("world")
    path = folder / "world.cvault"
    shutil.copyfile(template_vault[0], path)
    with Vault.open(path, raw_key=template_vault[1], clock=FixedClock(FIXED_NOW),
                    config=AppConfig(folder / "config")) as vault:
        world = build_world(vault, folder)
    return path, template_vault[1], world


def open_world(world_vault, tmp_path) -> Vault:
    path, key, _ = world_vault
    return Vault.open(path, raw_key=key, clock=FixedClock(FIXED_NOW), config=AppConfig(tmp_path / "config"))


def refusals(vault: Vault, person_uuid: str) -> list[audit.AuditEvent]:
    return audit.query_events(vault.conn, subject_ids=[person_uuid], actions=["share.refused"], newest_first=False)


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
def test_every_refusal_names_its_condition_and_is_audited(world_vault, tmp_path, name):
    sc = world_vault[2][name]
    out = tmp_path / "package.zip"
    with open_world(world_vault, tmp_path) as vault:
        before = refusals(vault, sc.person)
        shares_before = vault.conn.execute("SELECT count(*) FROM shares").fetchone()[0]
        with pytest.raises(ShareNotAuthorised) as caught:
            sharing.build_share(vault, sc.person, sc.recipient, list(sc.items), out)
        assert caught.value.condition == sc.condition
        assert sc.words in str(caught.value)
        assert str(caught.value).startswith("Share refused: ")
        after = refusals(vault, sc.person)
        assert len(after) == len(before) + 1
        event = after[-1]
        assert event.details["condition"] == sc.condition
        assert event.details["recipient"] == vault.recipients.get(sc.recipient).uuid
        assert event.details["items"] == [i.lower() for i in sc.items]
        assert vault.conn.execute("SELECT count(*) FROM shares").fetchone()[0] == shares_before
        assert vault.verify_audit_chain().ok
    assert not out.exists()
    # The refusal was committed, not just written inside a transaction that rolled back.
    with open_world(world_vault, tmp_path) as again:
        assert len(refusals(again, sc.person)) == len(before) + 1


def test_check_refuses_directly_and_evaluate_has_no_side_effects(world_vault, tmp_path):
    sc = world_vault[2]["expired"]
    with open_world(world_vault, tmp_path) as vault:
        count = audit.count_events(vault.conn)
        verdict = vault.authorisations.evaluate(sc.person, "Bob Client", list(sc.items))
        assert not verdict.allowed and verdict.condition == "expired"
        assert audit.count_events(vault.conn) == count
        with pytest.raises(ShareNotAuthorised):
            vault.authorisations.check(sc.person, "Bob Client", list(sc.items))
        assert audit.count_events(vault.conn) == count + 1


def test_allowed_share_records_the_ledger_and_warns_within_the_represent_window(world_vault, tmp_path):
    sc = world_vault[2]["ok"]
    with open_world(world_vault, tmp_path) as vault:
        first = sharing.build_share(vault, sc.person, "Bob Client", [*sc.items, "email"], tmp_path / "a.zip")
        assert first.warnings == []
        assert first.authorisation.organisation_name == "Acme"
        assert (tmp_path / "a.zip").is_file()
        row = vault.conn.execute("SELECT package_id, package_sha256, items FROM shares WHERE uuid = ?",
                                 (first.share_id,)).fetchone()
        assert row[0] == first.package_id and json.loads(row[2]) == [*sc.items, "email"]
        import hashlib
        assert row[1] == hashlib.sha256((tmp_path / "a.zip").read_bytes()).hexdigest()
        created = audit.query_events(vault.conn, subject_ids=[sc.person], actions=["share.created"])
        assert created[0].details["package"] == first.package_id
        # Same organisation (another recipient there) within 180 days: a warning, never a refusal.
        second = sharing.build_share(vault, sc.person, "Carol Client", list(sc.items), tmp_path / "b.zip")
        assert len(second.warnings) == 1 and "Acme" in second.warnings[0] and "180-day" in second.warnings[0]
        vault.set_setting("sharing.represent_days", "0")
        third = sharing.build_share(vault, sc.person, "Carol Client", list(sc.items), tmp_path / "c.zip")
        assert third.warnings == []
        assert [s.package_id for s in sharing.list_shares(vault, sc.person)][-1] == first.package_id


def test_org_wide_authorisation_refuses_a_recipient_without_organisation(vault, tmp_path):
    vault.recipients.add("Freelance Fran")
    vault.recipients.add("Bob Client", organisation="Acme")
    person = vault.people.add(PersonFields(full_name="Sam Seeker"), [NewContactPoint("email", "sam@example.com")])
    vault.authorisations.log(person.id, organisation="Acme", scope=["email"], purpose="intro", method="phone",
                             obtained_at="2026-01-01")
    with pytest.raises(ShareNotAuthorised) as caught:
        sharing.build_share(vault, person.id, "Freelance Fran", ["email"], tmp_path / "x.zip")
    assert caught.value.condition == "other-organisation"
    result = sharing.build_share(vault, person.id, "Bob Client", ["email"], tmp_path / "y.zip")
    assert result.authorisation.uses == 1


def test_authorisations_are_immutable_and_revoked_once(vault):
    vault.recipients.add("Bob Client", organisation="Acme")
    person = vault.people.add(PersonFields(full_name="Ivy Immutable"))
    auth = vault.authorisations.log(person.id, recipient="Bob Client", scope=["resume"], purpose="Role X",
                                    method="written", obtained_at="2026-02-01", valid_until="2026-03-15")
    assert auth.valid_until == "2026-03-15T23:59:59.999Z"  # a bare date means the whole of that day
    assert auth.recorded_by == vault.actor
    with pytest.raises(AuthorisationImmutable), vault.transaction() as conn:
        conn.execute("UPDATE authorisations SET scope = ? WHERE id = ?", ('["resume","phone"]', auth.id))
    revoked = vault.authorisations.revoke(auth.uuid[:8], "changed their mind")
    assert revoked.revoked_reason == "changed their mind" and revoked.status(vault.now()) == "revoked"
    with pytest.raises(ValidationError, match="already revoked"):
        vault.authorisations.revoke(auth.uuid, "again")
    with pytest.raises(AuthorisationImmutable), vault.transaction() as conn:
        conn.execute("UPDATE authorisations SET revoked_reason = 'edited' WHERE id = ?", (auth.id,))
    actions = [e.action for e in audit.query_events(vault.conn, subject_ids=[person.uuid], newest_first=False)]
    assert actions[-2:] == ["authorisation.logged", "authorisation.revoked"]
    logged = audit.query_events(vault.conn, subject_ids=[person.uuid], actions=["authorisation.logged"])[0]
    assert "Role X" not in json.dumps(logged.details)  # ids and field names only


def test_log_validates_every_field(vault):
    vault.recipients.add("Bob Client")
    person = vault.people.add(PersonFields(full_name="Val Idate"))
    other = vault.people.add(PersonFields(full_name="Someone Else"))
    doc = vault.documents.add_bytes(other.id, b"plain text resume", "cv.txt")
    ok = dict(recipient="Bob Client", scope=["resume"], purpose="Role", method="email", obtained_at="2026-01-01")
    for change, field in [({"scope": ["resume", "salary"]}, "scope"), ({"scope": []}, "scope"),
                          ({"purpose": "  "}, "purpose"), ({"method": "telepathy"}, "method"),
                          ({"method": "upstream"}, "method"), ({"obtained_at": "yesterday"}, "obtained"),
                          ({"valid_until": "2025-12-31"}, "valid until"), ({"max_uses": 0}, "max uses"),
                          ({"scope": [f"document:{doc.uuid}"]}, "scope"),
                          ({"recipient": None}, "recipient")]:
        with pytest.raises(ValidationError) as caught:
            vault.authorisations.log(person.id, **{**ok, **change})
        assert caught.value.field == field, change
    with pytest.raises(NotFound):
        vault.authorisations.log(person.id, **{**ok, "recipient": "Nobody"})
    assert vault.authorisations.for_person(person.id) == []


def test_expiring_view_and_statuses(vault, clock):
    vault.recipients.add("Bob Client")
    person = vault.people.add(PersonFields(full_name="Eve Expiring"), [NewContactPoint("email", "eve@example.com")])
    base = dict(recipient="Bob Client", scope=["email"], purpose="Role", method="email", obtained_at="2026-01-01")
    soon = vault.authorisations.log(person.id, **base, valid_until="2026-03-20")
    later = vault.authorisations.log(person.id, **base, valid_until="2026-06-20")
    gone = vault.authorisations.log(person.id, **base, valid_until="2026-02-20")
    limited = vault.authorisations.log(person.id, **base, max_uses=1)
    assert [a.uuid for a in vault.authorisations.expiring()] == [soon.uuid]
    assert {a.uuid for a in vault.authorisations.expiring(120)} == {soon.uuid, later.uuid}
    now = vault.now()
    by_id = {a.uuid: a for a in vault.authorisations.for_person(person.id)}
    assert by_id[soon.uuid].status(now) == "active"
    assert by_id[gone.uuid].status(now) == "expired"
    assert by_id[limited.uuid].status(now) == "active"
    clock.advance(days=30)
    assert vault.authorisations.get(soon.uuid).status(vault.now()) == "expired"


def test_recipients_resolve_by_prefix_name_and_email(vault):
    bob = vault.recipients.add("Bob Client", email="Bob@Acme.example", organisation="Acme",
                               public_key=vault.owner.identity.minisign_public_key_file())
    assert bob.public_key == vault.owner.identity.minisign_base64()
    assert vault.recipients.get("bob client").uuid == bob.uuid
    assert vault.recipients.get("Bob@acme.example").uuid == bob.uuid
    assert vault.recipients.get(bob.uuid[:6]).uuid == bob.uuid
    assert vault.recipients.organisation("acme").name == "Acme"
    with pytest.raises(ValidationError):
        vault.recipients.add("Mallory", public_key="not a key")
    moved = vault.recipients.update(bob.uuid, organisation="Globex", email="")
    assert moved.organisation == "Globex" and moved.email == ""
    assert [r.name for r in vault.recipients.list("Globex")] == ["Bob Client"]
    actions = [e.action for e in audit.query_events(vault.conn, actions=["recipient.created", "recipient.updated",
                                                                         "organisation.created"])]
    assert sorted(actions) == ["organisation.created", "organisation.created", "recipient.created",
                               "recipient.updated"]


def test_introduction_request_waits_for_the_contacts_authorisation(vault, tmp_path):
    bob = vault.recipients.add("Bob Client", organisation="Acme")
    contact = vault.people.add(PersonFields(full_name="Hana Manager", kind="contact"),
                               [NewContactPoint("email", "hana@bigco.example"),
                                NewContactPoint("phone", "+44 20 7946 0018"),
                                NewContactPoint("phone", "+44 20 7946 0999", source="old-document")])
    assert contact.sharing_policy == "locked"
    request = vault.introductions.request(contact.id, recipient=bob.uuid, reason="wants to hire a VP")
    assert request.status == "pending"
    with pytest.raises(ShareNotAuthorised) as caught:
        sharing.build_share(vault, contact.id, bob.uuid, ["email", "phone"], tmp_path / "intro.zip")
    assert caught.value.condition == "person-locked"
    vault.people.set_sharing_policy(contact.id, "on-authorisation")
    with pytest.raises(ShareNotAuthorised) as caught:
        sharing.build_share(vault, contact.id, bob.uuid, ["email", "phone"], tmp_path / "intro.zip")
    assert caught.value.condition == "no-authorisation"
    assert vault.introductions.get(request.uuid).status == "pending"
    auth = vault.authorisations.log(contact.id, organisation="Acme", scope=["email", "phone"],
                                    purpose="Introduction to Bob", method="phone", obtained_at="2026-02-28")
    answered = vault.introductions.get(request.uuid)
    assert answered.status == "authorised" and answered.authorisation_uuid == auth.uuid
    result = sharing.build_share(vault, contact.id, bob.uuid, ["email", "phone"], tmp_path / "intro.zip")
    assert vault.introductions.get(request.uuid).status == "fulfilled"
    import zipfile
    with zipfile.ZipFile(result.path) as archive:
        names = set(archive.namelist())
        card = archive.read("contact.vcf").decode()
        manifest = json.loads(archive.read("manifest.json"))
    assert "authorisation.pdf" in names and not any(n.endswith((".docx", ".txt")) and n != "README.txt"
                                                    for n in names)
    assert "hana@bigco.example" in card and "+442079460018" in card
    assert "+442079460999" not in card  # taken from an old document: never passed on
    assert manifest["kind"] == "introduction"
    assert set(manifest["person"]) == {"id", "kind", "full_name", "given_name", "family_name", "email", "phone"}
    declined = vault.introductions.request(contact.id, requester="A stranger at a conference")
    assert vault.introductions.answer(declined.uuid, "declined", "no thanks").status == "declined"
    assert {r.status for r in vault.introductions.list(person=contact.id)} == {"fulfilled", "declined"}
    with pytest.raises(ValidationError, match="already shared"):
        vault.introductions.answer(request.uuid, "declined")
    assert vault.introductions.get(request.uuid).status == "fulfilled"


def test_a_share_fulfils_only_the_requests_its_authorisation_answered(vault, tmp_path):
    bob = vault.recipients.add("Bob Client", organisation="Acme")
    contact = vault.people.add(PersonFields(full_name="Ivo Manager", kind="contact", sharing_policy="on-authorisation"),
                               [NewContactPoint("email", "ivo@bigco.example")])
    earlier = vault.authorisations.log(contact.id, recipient=bob.uuid, scope=["email"], purpose="Earlier role",
                                       method="email", obtained_at="2026-02-01")
    request = vault.introductions.request(contact.id, recipient=bob.uuid, reason="wants an intro")
    answering = vault.authorisations.log(contact.id, recipient=bob.uuid, scope=["email"], purpose="Introduction",
                                         method="phone", obtained_at="2026-02-28")
    assert vault.introductions.get(request.uuid).authorisation_uuid == answering.uuid
    vault.authorisations.revoke(answering.uuid, "asked to wait")
    sharing.build_share(vault, contact.id, bob.uuid, ["email"], tmp_path / "old.zip")  # under ``earlier``
    assert vault.introductions.get(request.uuid).status == "authorised", "shared under another consent"
    assert earlier.uuid != answering.uuid


def test_schema_refusals_are_typed_and_never_reported_as_damage(vault, tmp_path):
    """A duplicate organisation name and removing consent evidence are bad input, not a damaged vault."""
    import subprocess

    from conftest import CLI, cli_env

    from vault.errors import ValidationError

    vault.recipients.add_organisation("Acme")
    beta = vault.recipients.add_organisation("Beta")
    with pytest.raises(ValidationError) as info:
        vault.recipients.update_organisation(beta.uuid, name="acme")
    assert info.value.field == "organisation"
    person = vault.people.add(PersonFields(full_name="Evidence Holder"))
    evidence = vault.documents.add_bytes(person.uuid, b"I agree to be introduced.", "consent.txt", role="evidence")
    vault.recipients.add("Evidence Client", email="ec@client.example")
    auth = vault.authorisations.log(person.uuid, recipient="Evidence Client", scope=["resume"], purpose="Role",
                                    method="written", obtained_at="2026-01-01", evidence_document=evidence.uuid)
    vault.authorisations.revoke(auth.uuid, "changed their mind")
    with pytest.raises(ValidationError, match="evidence for authorisation"):
        vault.documents.remove(evidence.uuid)
    assert vault.documents.get(evidence.uuid).uuid == evidence.uuid
    vault.close()
    result = subprocess.run([*CLI, "organisation", "edit", "Beta", "--name", "acme"], capture_output=True, text=True,
                            env=cli_env(vault.path, tmp_path / "cfg"), timeout=60)
    assert result.returncode == 1
    assert "already exists" in result.stderr and "damaged" not in result.stderr


def test_a_constraint_the_schema_enforces_becomes_a_typed_error(vault):
    from vault.errors import ConstraintViolated

    with pytest.raises(ConstraintViolated), vault.transaction() as conn:
        conn.execute("INSERT INTO tags (name) VALUES ('dup')")
        conn.execute("INSERT INTO tags (name) VALUES ('DUP')")
    assert vault.conn.execute("SELECT count(*) FROM tags WHERE name = 'dup'").fetchone()[0] == 0

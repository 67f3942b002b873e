"""Who an authorisation covers is fixed when it is logged (docs/design.md §2 rule 2), at the core and
through the real CLI: a named recipient or organisation cannot be edited into someone else, a
recipient edited into a firm is not covered by that firm's earlier consent, a change is a new
record that keeps the history, and every edit is audited with old and new values."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CLI, cli_env
from vault import audit, sharing
from vault.errors import PartyFrozen, ShareNotAuthorised, ValidationError
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault

BASE = dict(scope=["email"], purpose="Staff Engineer", method="email", obtained_at="2020-01-01",
            valid_until="2099-12-31")
TABLES = ("recipients", "organisations", "recipient_memberships", "authorisations", "shares")


def counts(vault: Vault) -> dict[str, int]:
    out = {t: vault.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    out["audit"] = audit.count_events(vault.conn)
    return out


def person(vault: Vault, name: str = "Pat Person") -> str:
    return vault.people.add(PersonFields(full_name=name), [NewContactPoint("email", "pat@example.com")]).uuid


def carol_world(vault: Vault) -> tuple[str, str]:
    """Carol Client at Acme, named by Pat's authorisation."""
    vault.recipients.add("Carol Client", email="carol@acme.example", organisation="Acme")
    pat = person(vault)
    auth = vault.authorisations.log(pat, recipient="Carol Client", **BASE)
    return pat, auth.uuid


def eve_world(vault: Vault) -> str:
    """Eve at Acme (named by nothing); Pat agreed to share with anyone at Globex."""
    vault.recipients.add("Eve Example", email="eve@acme.example", organisation="Acme")
    vault.recipients.add("Dave Buyer", organisation="Globex")
    pat = person(vault)
    vault.authorisations.log(pat, organisation="Globex", **BASE)
    return pat


# --- core ---------------------------------------------------------------------------------------


def test_a_named_recipient_cannot_be_edited_into_someone_else(vault, tmp_path):
    pat, auth_uuid = carol_world(vault)
    before = counts(vault)
    with pytest.raises(PartyFrozen) as caught:
        vault.recipients.update("Carol Client", name="Mallory Poacher", email="mallory@rival.example",
                                organisation="Rival Staffing")
    assert "Carol Client (Acme) is named by 1 authorisation(s)" in str(caught.value)
    assert "name, e-mail, organisation cannot change" in str(caught.value)
    assert counts(vault) == before, "nothing is written"
    assert vault.recipients.get("Carol Client").email == "carol@acme.example"
    # The schema refuses it too, whatever the code path.
    from vault.errors import ConstraintViolated
    with pytest.raises(ConstraintViolated), vault.transaction() as conn:
        conn.execute("UPDATE recipients SET name = 'Mallory Poacher' WHERE name = 'Carol Client'")
    # Notes and the key stay editable.
    vault.recipients.update("Carol Client", notes="prefers PDFs")
    # Carol moving to Rival is a new record; Pat's consent still names Carol at Acme.
    mallory = vault.recipients.supersede("Carol Client", name="Mallory Poacher", email="mallory@rival.example",
                                         organisation="Rival Staffing")
    with pytest.raises(ShareNotAuthorised) as refused:
        sharing.build_share(vault, pat, "Mallory Poacher", ["email"], tmp_path / "x.zip")
    assert refused.value.condition == "other-recipient"
    assert "names Carol Client (Acme), not Mallory Poacher (Rival Staffing)" in str(refused.value)
    assert not (tmp_path / "x.zip").exists()
    assert vault.authorisations.get(auth_uuid).grantee == "Carol Client (Acme)"
    old = vault.recipients.get(vault.authorisations.get(auth_uuid).recipient_uuid)
    assert old.superseded_by == mallory.uuid and old.name == "Carol Client"
    assert [r.name for r in vault.recipients.list()] == ["Mallory Poacher"]
    event = audit.query_events(vault.conn, actions=["recipient.superseded"])[0]
    assert event.details["superseded_by"] == mallory.uuid
    assert event.details["changes"]["name"] == ["Carol Client", "Mallory Poacher"]
    assert event.details["changes"]["organisation"] == ["Acme", "Rival Staffing"]
    with pytest.raises(ValidationError, match="superseded"):
        vault.authorisations.log(pat, recipient=old.uuid, **BASE)


def test_an_edit_into_a_firm_does_not_extend_its_earlier_consent(vault, tmp_path):
    pat = eve_world(vault)
    vault.recipients.update("Eve Example", organisation="Globex")  # a correction: allowed, nothing names Eve
    shares = counts(vault)["shares"]
    with pytest.raises(ShareNotAuthorised) as refused:
        sharing.build_share(vault, pat, "Eve Example", ["email"], tmp_path / "x.zip")
    assert refused.value.condition == "other-organisation"
    assert "was put into it by an edit on" in str(refused.value)
    assert counts(vault)["shares"] == shares and not (tmp_path / "x.zip").exists()
    updated = audit.query_events(vault.conn, actions=["recipient.updated"])[0]
    assert updated.details["changes"]["organisation"] == ["Acme", "Globex"]
    # Dave was at Globex all along: covered. The explicit, audited move covers Eve too.
    sharing.build_share(vault, pat, "Dave Buyer", ["email"], tmp_path / "dave.zip")
    vault.recipients.move("Eve Example", "Acme")
    vault.recipients.move("Eve Example", "Globex")
    assert audit.query_events(vault.conn, actions=["recipient.moved"])[0].details["changes"]["organisation"] == [
        "Acme", "Globex"]
    sharing.build_share(vault, pat, "Eve Example", ["email"], tmp_path / "eve.zip")


def test_a_recipient_who_moved_firms_keeps_the_history(vault, tmp_path):
    vault.recipients.add("Bob Client", email="bob@acme.example", organisation="Acme")
    pat = person(vault)
    auth = vault.authorisations.log(pat, recipient="Bob Client", **BASE)
    sharing.build_share(vault, pat, "Bob Client", ["email"], tmp_path / "first.zip")
    with pytest.raises(PartyFrozen):
        vault.recipients.update("Bob Client", organisation="Globex")
    moved = vault.recipients.move("Bob Client", "Globex")
    assert moved.organisation == "Globex" and moved.name == "Bob Client"
    (share,) = sharing.list_shares(vault, pat)
    assert share.recipient_name == "Bob Client" and share.organisation_name == "Acme"
    assert vault.authorisations.get(auth.uuid).grantee == "Bob Client (Acme)"
    # The name now means the current record, at Globex, whom Pat never agreed to.
    assert vault.recipients.get("Bob Client").uuid == moved.uuid
    with pytest.raises(ShareNotAuthorised) as refused:
        sharing.build_share(vault, pat, "Bob Client", ["email"], tmp_path / "second.zip")
    assert refused.value.condition == "other-recipient"


def test_a_named_organisation_keeps_its_name_and_is_superseded_instead(vault):
    vault.recipients.add("Dave Buyer", organisation="Globex")
    pat = person(vault)
    auth = vault.authorisations.log(pat, organisation="Globex", **BASE)
    before = counts(vault)
    with pytest.raises(PartyFrozen, match="Globex is named by 1 authorisation"):
        vault.recipients.update_organisation("Globex", name="Rival Staffing")
    assert counts(vault) == before
    vault.recipients.update_organisation("Globex", website="https://globex.example")
    event = audit.query_events(vault.conn, actions=["organisation.updated"])[0]
    assert event.details["changes"] == {"website": ["", "https://globex.example"]}
    renamed = vault.recipients.supersede_organisation("Globex", name="Globex Holdings")
    assert vault.authorisations.get(auth.uuid).grantee == "anyone at Globex"
    assert [o.name for o in vault.recipients.organisations()] == ["Globex Holdings"]
    assert vault.recipients.organisation("Globex").superseded_by == renamed.uuid


def test_typos_stay_editable_until_something_names_the_recipient(vault):
    vault.recipients.add_organisation("Acme")
    typo = vault.recipients.add("Carl Clinet", email="carl@acme.exmaple", organisation="Acme")
    fixed = vault.recipients.update(typo.uuid, name="Carl Client", email="carl@acme.example")
    assert fixed.uuid == typo.uuid and fixed.name == "Carl Client"
    event = audit.query_events(vault.conn, actions=["recipient.updated"])[0]
    assert event.details["changes"] == {"name": ["Carl Clinet", "Carl Client"],
                                        "email": ["carl@acme.exmaple", "carl@acme.example"]}
    org = vault.recipients.add_organisation("Initeck")
    assert vault.recipients.update_organisation(org.uuid, name="Initech").name == "Initech"


@pytest.mark.parametrize("name", ["Rіta Recruiter", "Rita\u202eRecruiter", "Rita Recruiter\u200b",
                                  "\u2066Rita Recruiter\u2069"])
def test_typed_names_that_hide_or_imitate_are_refused(vault, name):
    vault.recipients.add("Rita Recruiter", email="rita@northwind.example", organisation="Acme")
    before = counts(vault)
    with pytest.raises(ValidationError) as caught:
        vault.recipients.add(name)
    assert caught.value.field == "name"
    assert ("looks like Rita Recruiter (no key on file)" in str(caught.value)
            or "invisible or text-direction characters" in str(caught.value))
    with pytest.raises(ValidationError):
        vault.recipients.add_organisation(name.replace("Rita Recruiter", "Acme") if "\u0456" not in name else "Аcme")
    assert counts(vault) == before
    # The same name (doubled space, other case) is the same name, not a lookalike.
    assert vault.recipients.add("rita  recruiter", email="other@northwind.example").name == "rita recruiter"


# --- the real CLI -------------------------------------------------------------------------------


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def cli_vault(vault: Vault, tmp_path: Path) -> tuple[Vault, dict[str, str]]:
    return vault, cli_env(vault.path, tmp_path / "cli-config")


def reopen(vault: Vault, template_vault: tuple[Path, bytes], tmp_path: Path) -> Vault:
    from vault.config import AppConfig
    return Vault.open(vault.path, raw_key=template_vault[1], config=AppConfig(tmp_path / "reopen"))


def test_cli_refuses_to_edit_carol_into_mallory(cli_vault, template_vault, tmp_path):
    vault, env = cli_vault
    pat, _ = carol_world(vault)
    before = counts(vault)
    vault.close()
    edit = run(env, "recipient", "edit", "Carol Client", "--name", "Mallory Poacher", "--email",
               "mallory@rival.example", "--organisation", "Rival Staffing")
    assert edit.returncode == 1 and edit.stderr.startswith("contact-vault: Carol Client (Acme) is named by")
    assert len(edit.stderr.strip().splitlines()) == 1
    listed = run(env, "authorisations", pat[:8])
    assert "to Carol Client (Acme)" in listed.stdout
    with reopen(vault, template_vault, tmp_path) as again:
        after = counts(again)
    assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}
    with reopen(vault, template_vault, tmp_path) as again:
        actions = [e.action for e in audit.query_events(again.conn, newest_first=False)][-4:]
    assert "recipient.updated" not in actions
    moved = run(env, "recipient", "supersede", "Carol Client", "--name", "Mallory Poacher", "--email",
                "mallory@rival.example", "--organisation", "Rival Staffing")
    assert moved.returncode == 0, moved.stderr
    share = run(env, "share", pat[:8], "--recipient", "Mallory Poacher", "--no-resume", "--fields", "email",
                "--out", str(tmp_path / "p.zip"))
    assert share.returncode == 1 and "names Carol Client (Acme), not Mallory Poacher" in share.stderr
    assert not (tmp_path / "p.zip").exists()
    everyone = json.loads(run(env, "recipient", "list", "--all", "--json").stdout)
    assert {(r["name"], bool(r["superseded_by"])) for r in everyone} == {("Carol Client", True),
                                                                         ("Mallory Poacher", False)}


def test_cli_edit_into_globex_does_not_extend_its_consent(cli_vault, tmp_path):
    vault, env = cli_vault
    pat = eve_world(vault)
    vault.close()
    assert run(env, "recipient", "edit", "Eve Example", "--organisation", "Globex").returncode == 0
    share = run(env, "share", pat[:8], "--recipient", "Eve Example", "--no-resume", "--fields", "email",
                "--out", str(tmp_path / "p.zip"))
    assert share.returncode == 1
    assert "Share refused: " in share.stderr and "was put into it by an edit on" in share.stderr
    assert not (tmp_path / "p.zip").exists()
    assert run(env, "recipient", "move", "Eve Example", "--organisation", "Globex").returncode == 1  # already there
    frozen = run(env, "organisation", "edit", "Globex", "--name", "Rival Staffing")
    assert frozen.returncode == 1 and "Globex is named by 1 authorisation(s)" in frozen.stderr


def test_cli_refuses_hidden_and_lookalike_names_in_one_sentence(cli_vault):
    vault, env = cli_vault
    vault.recipients.add("Rita Recruiter", email="rita@northwind.example")
    vault.close()
    for args, words in ((("recipient", "add", "R\u0456ta Recruiter"), "looks like Rita Recruiter (no key on file)"),
                        (("recipient", "add", "Rita\u202eRecruiter"), "text-direction characters (U+202E)"),
                        (("person", "add", "--name", "Jane\u200b Doe"), "invisible or text-direction characters")):
        done = run(env, *args)
        assert done.returncode == 1 and words in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert "\u202e" not in done.stderr and "\u200b" not in done.stderr

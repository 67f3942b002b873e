"""Restrictions travel with the data (issue 14): our vCard export keeps each contact point's
source and outreach flag and the person's sharing policy, leaves private notes out unless
asked (--with-notes), and our import honours all of it, so a round trip through our own
export loses no restriction, for every source, flag, policy and kind, in vCard 4.0 and 3.0."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CLI, PASSPHRASE, cli_env
from vault import contact_points as cp
from vault.config import AppConfig
from vault.importing import apply_plan, plan_import
from vault.people import KINDS, POLICIES, NewContactPoint, PersonFields
from vault.store import Vault
from vault.vcard_export import render

NOTE = "Private: prefers calls after six, salary 190k"


def seed(vault: Vault) -> dict[str, tuple[str, str, set[tuple[str, str, str, str]]]]:
    """One person per (kind, policy), each with every source x outreach on e-mails, plus
    restricted phones, a link and an address. Name -> (kind, policy, {(kind, value, source, outreach)})."""
    expected = {}
    for n, (kind, policy) in enumerate(itertools.product(KINDS, POLICIES)):
        points = [NewContactPoint("email", f"p{n}-{source}-{flag}@example.org", source=source, outreach=flag)
                  for source, flag in itertools.product(cp.SOURCES, cp.OUTREACH)]
        points += [NewContactPoint("phone", f"+1 415 555 0{n}1{i}", source=source, outreach=flag)
                   for i, (source, flag) in enumerate([("old-document", "ok"), ("given", "do-not-contact"),
                                                       ("referral", "ok")])]
        points += [NewContactPoint("link", f"https://example.org/in/p{n}", source="public-profile",
                                   outreach="do-not-contact"),
                   NewContactPoint("address", f"{n} Main Street Springfield", source="old-document")]
        name = f"Person {kind} {policy}"
        person = vault.people.add(PersonFields(full_name=name, kind=kind, sharing_policy=policy, notes=NOTE), points)
        expected[name] = (kind, policy, {(p.kind, p.value, p.source, p.outreach) for p in person.contact_points})
    return expected


def held(vault: Vault) -> dict[str, tuple[str, str, set[tuple[str, str, str, str]]]]:
    people = vault.people.get_many(vault.people.list_ids(limit=100))
    return {p.full_name: (p.kind, p.sharing_policy, {(c.kind, c.value, c.source, c.outreach)
                                                    for c in p.contact_points}) for p in people.values()}


@pytest.mark.parametrize("fmt", ["vcard4", "vcard3"])
def test_cli_round_trip_loses_no_restriction(vault: Vault, template_vault, tmp_path: Path, fmt: str) -> None:
    expected = seed(vault)
    vault.close()
    env = cli_env(vault.path, tmp_path / "config")
    out = tmp_path / "all.vcf"
    done = subprocess.run([*CLI, "export", "--all", "--format", fmt, "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = out.read_text("utf-8")
    assert "NOTE" not in text and "salary" not in text  # notes are never shared unless asked
    assert "X-CONTACT-VAULT-OUTREACH=do-not-contact" in text and "X-CONTACT-VAULT-SHARING:locked" in text

    fresh = tmp_path / "fresh.cvault"
    shutil.copyfile(template_vault[0], fresh)
    env2 = cli_env(fresh, tmp_path / "config2")
    back = subprocess.run([*CLI, "import", str(out), "--json"], env=env2, capture_output=True, text=True,
                          timeout=120)
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout)["counts"]["new"] == 4
    with Vault.open(fresh, PASSPHRASE, config=AppConfig(tmp_path / "c3")) as again:
        assert held(again) == expected
        assert all(p.notes == "" for p in again.people.get_many(again.people.list_ids()).values())


def test_notes_only_with_notes(vault: Vault, tmp_path: Path) -> None:
    seed(vault)
    vault.close()
    env = cli_env(vault.path, tmp_path / "config")
    out = tmp_path / "notes.vcf"
    done = subprocess.run([*CLI, "export", "--all", "--with-notes", "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_text("utf-8").count("NOTE:Private: prefers calls after six\\, salary 190k") == 4
    with Vault.open(vault.path, PASSPHRASE, config=AppConfig(tmp_path / "c2")) as again:
        from vault import audit

        details = [e.details for e in audit.query_events(again.conn, actions=["export.vcard"])]
        assert [d["notes"] for d in details] == [True]


def test_reimport_onto_the_same_people_tightens_never_loosens(vault: Vault) -> None:
    """A card from our export merging into a person held with fewer restrictions adds them."""
    person = vault.people.add(PersonFields(full_name="Marisol Ortega"),
                              [NewContactPoint("email", "marisol@example.org"),
                               NewContactPoint("phone", "+1 415 555 0199")])
    strict = vault.people.get(person.id)
    card = render([strict]).decode().replace("X-CONTACT-VAULT-SHARING:on-authorisation",
                                             "X-CONTACT-VAULT-SHARING:locked")
    card = card.replace("SOURCE=given;X-CONTACT-VAULT-OUTREACH=ok:tel", "SOURCE=old-document;"
                        "X-CONTACT-VAULT-OUTREACH=do-not-contact:tel")
    plan = plan_import(vault, card.encode(), "back.vcf")
    assert plan.rows[0].outcome == "merge" and "sharing locked" in plan.rows[0].changes
    apply_plan(vault, plan)
    after = vault.people.get(person.id)
    assert after.sharing_policy == "locked"
    assert {(p.kind, p.source, p.outreach) for p in after.contact_points} == {
        ("email", "given", "ok"), ("phone", "old-document", "do-not-contact")}
    # And a plain card (no restrictions) merging back loosens nothing.
    plain = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Marisol Ortega\r\nTEL:+1 415 555 0199\r\nEND:VCARD\r\n"
    apply_plan(vault, plan_import(vault, plain.encode(), "plain.vcf"))
    again = vault.people.get(person.id)
    assert again.sharing_policy == "locked" and again.points("phone")[0].outreach == "do-not-contact"


@pytest.mark.gui
def test_import_wizard_honours_our_exports_restrictions(qtbot, vault_path, template_vault, clock,
                                                        tmp_path: Path) -> None:
    """The same round trip through the app's import wizard: every flag and policy comes back."""
    from tests.test_import_gui import WAIT_MS, next_page, run_on_worker
    from ui.main_window import MainWindow
    from ui.settings import UiSettings
    from ui.worker import VaultWorker

    source = tmp_path / "source.cvault"
    shutil.copyfile(template_vault[0], source)
    with Vault.open(source, raw_key=template_vault[1], clock=clock, config=AppConfig(tmp_path / "s")) as other:
        expected = seed(other)
        cards = render(other.people.get_many(other.people.list_ids(limit=100)).values())
    (tmp_path / "ours.vcf").write_bytes(cards)
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    window = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
    qtbot.addWidget(window)
    window.show()
    window.start()
    window.unlock_page.unlock_with_key(template_vault[1])
    qtbot.waitUntil(lambda: window.is_unlocked and not window.workspace.model.loading, timeout=WAIT_MS)
    wizard = window.contacts.import_contacts(str(tmp_path / "ours.vcf"))
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=WAIT_MS)
    assert "4 new" in wizard.preview_page.counts.text()
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.report_page.done, timeout=WAIT_MS)
    assert run_on_worker(qtbot, window, held) == expected
    window.close()

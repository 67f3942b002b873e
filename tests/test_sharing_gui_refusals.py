"""The share wizard is a door like the core and the CLI: every refusal condition, reached by a user
going through the wizard, is shown on the authorisation page and audited exactly once per attempt
(showing the page again is not a new attempt). The recipients dialog's New + Save adds a recipient
instead of renaming the selected one, and a GUI import asks before trusting a sender's key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from tests.conftest import FIXED_NOW
from tests.test_sharing_check import SCENARIOS, Scenario, build_world
from ui.sharing.share_wizard import ShareWizard
from ui.worker import VaultWorker
from vault import audit
from vault.clock import FixedClock
from vault.config import AppConfig
from vault.store import Vault

pytestmark = pytest.mark.gui
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def gui_world(template_vault, tmp_path_factory) -> tuple[Path, bytes, dict[str, Scenario]]:
    folder = tmp_path_factory.mktemp("gui-world")
    path = folder / "world.cvault"
    shutil.copyfile(template_vault[0], path)
    with Vault.open(path, raw_key=template_vault[1], clock=FixedClock(FIXED_NOW),
                    config=AppConfig(folder / "config")) as vault:
        world = build_world(vault, folder)
    return path, template_vault[1], world


@pytest.fixture
def opened(qtbot, gui_world, tmp_path):
    path, key, world = gui_world
    copy = tmp_path / "world.cvault"
    shutil.copyfile(path, copy)
    worker = VaultWorker(clock=FixedClock(FIXED_NOW), config=AppConfig(tmp_path / "app-config"))
    done: list[object] = []
    worker.open(copy, raw_key=key, on_result=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)
    yield worker, world
    worker.shutdown()


def on_worker(qtbot, worker: VaultWorker, fn):
    out: list[object] = []
    worker.call(fn, out.append, context=worker)
    qtbot.waitUntil(lambda: bool(out), timeout=WAIT_MS)
    return out[0]


def refused(qtbot, worker: VaultWorker, person: str) -> list[str]:
    events = on_worker(qtbot, worker, lambda v: audit.query_events(v.conn, subject_ids=[person],
                                                                   actions=["share.refused"], newest_first=False))
    return [e.details["condition"] for e in events]


def tick(wizard: ShareWizard, items: tuple[str, ...]) -> None:
    """What the user ticks on the first page (a listed item; see the two races below otherwise)."""
    listed = wizard.items_page.list
    for row in range(listed.count()):
        item = listed.item(row)
        wanted = item.data(Qt.ItemDataRole.UserRole) in items
        item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
    assert sorted(wizard.items()) == sorted(items)


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
def test_every_refusal_is_shown_in_the_wizard_and_audited_once_per_attempt(qtbot, opened, name):
    worker, world = opened
    sc = world[name]
    doc_uuid = sc.items[0].split(":", 1)[1]
    # The wizard lists only what may leave. These two refusals happen when the resume is excluded, or
    # the e-mail marked do-not-contact, in another window after the wizard listed it.
    if name == "excluded":
        on_worker(qtbot, worker, lambda v: v.documents.set_shareable(doc_uuid, True))
    if name == "do_not_contact":
        point = on_worker(qtbot, worker, lambda v: v.people.get(sc.person).points("email")[0].uuid)
        on_worker(qtbot, worker, lambda v: v.people.update_contact_point(point, outreach="ok"))
    before = refused(qtbot, worker, sc.person)
    wizard = ShareWizard(worker, sc.person)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.loaded, timeout=WAIT_MS)
    tick(wizard, sc.items)
    if name == "excluded":
        on_worker(qtbot, worker, lambda v: v.documents.set_shareable(doc_uuid, False))
    if name == "do_not_contact":
        on_worker(qtbot, worker, lambda v: v.people.update_contact_point(point, outreach="do-not-contact"))
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    combo = wizard.recipient_page.combo
    combo.setCurrentIndex(combo.findText("Bob Client (Acme)"))
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    page = wizard.auth_page
    assert wizard.currentPage() is page
    qtbot.waitUntil(lambda: page.verdict is not None, timeout=WAIT_MS)
    assert not page.verdict.allowed and page.verdict.condition == sc.condition
    assert "This share is not authorised" in page.status.text() and sc.words in page.status.text()
    assert not next_button.isEnabled() and not page.isComplete()
    assert refused(qtbot, worker, sc.person) == [*before, sc.condition], "one share.refused for the attempt"
    # Back and Next again shows the same refusal: not a new attempt, not a second event.
    wizard.back()
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.verdict is not None, timeout=WAIT_MS)
    assert page.verdict.condition == sc.condition and sc.words in page.status.text()
    wizard.next()  # a programmatic Next does not pass either
    assert wizard.currentPage() is page
    assert refused(qtbot, worker, sc.person) == [*before, sc.condition]
    shares = on_worker(qtbot, worker, lambda v: v.conn.execute(
        "SELECT count(*) FROM shares s JOIN people p ON p.id = s.person_id WHERE p.uuid = ?", (sc.person,))
        .fetchone()[0])
    assert shares == (1 if name == "used_up" else 0)
    wizard.close()


def test_new_then_save_adds_a_recipient_instead_of_renaming_the_selected_one(qtbot, opened):
    """Select Tom Harris, click New, type Sara Kline (Globex), Save: Tom is untouched and Sara is new."""
    from ui.sharing.recipients_dialog import RecipientsDialog

    worker, _world = opened
    tom = on_worker(qtbot, worker, lambda v: v.recipients.add("Tom Harris", email="tom@acme.example",
                                                             organisation="Acme"))
    dialog = RecipientsDialog(worker)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 4, timeout=WAIT_MS)
    row = next(r for r in range(4) if dialog.table.item(r, 0).text() == "Tom Harris")
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=dialog.table.visualItemRect(dialog.table.item(row, 0)).center())
    assert dialog.name.text() == "Tom Harris" and dialog.editing == tom.uuid
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    assert dialog.name.text() == "" and dialog.editing is None
    qtbot.keyClicks(dialog.name, "Sara Kline")
    qtbot.keyClicks(dialog.email, "sara@globex.example")
    dialog.organisation.setCurrentText("Globex")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 5, timeout=WAIT_MS)
    names = {dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text() for r in range(5)}
    assert names["Tom Harris"] == "Acme" and names["Sara Kline"] == "Globex"
    assert on_worker(qtbot, worker, lambda v: v.recipients.get(tom.uuid).name) == "Tom Harris"


def test_the_dialog_refuses_to_rename_a_named_recipient_and_offers_a_new_record(qtbot, opened):
    from ui.sharing.recipients_dialog import RecipientsDialog

    worker, _world = opened
    dialog = RecipientsDialog(worker)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3, timeout=WAIT_MS)
    row = next(r for r in range(3) if dialog.table.item(r, 0).text() == "Carol Client")
    dialog.table.selectRow(row)
    assert dialog.editing is not None and dialog.supersede_button.isEnabled()
    carol = dialog.editing
    dialog.name.setText("Mallory Poacher")
    dialog.organisation.setCurrentText("Rival Staffing")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT_MS)
    assert "Carol Client (Acme) is named by 1 authorisation(s)" in dialog.message.text()
    assert on_worker(qtbot, worker, lambda v: v.recipients.get(carol).name) == "Carol Client"
    dialog.supersede_button.click()
    qtbot.waitUntil(lambda: any(dialog.table.item(r, 0).text() == "Mallory Poacher"
                                for r in range(dialog.table.rowCount())), timeout=WAIT_MS)
    old = on_worker(qtbot, worker, lambda v: v.recipients.get(carol))
    assert old.name == "Carol Client" and old.superseded_by


# --- the GUI import door -------------------------------------------------------------------------


@pytest.fixture
def window(qtbot, tmp_path, template_vault):
    """The main window on a receiving vault whose owner is Bob Client <bob@acme.example>."""
    from tests.conftest import PASSPHRASE
    from ui.main_window import MainWindow
    from ui.settings import UiSettings

    path = tmp_path / "bob.cvault"
    with Vault.create(path, PASSPHRASE, owner_name="Bob Client", organisation="Acme", email="bob@acme.example",
                      clock=FixedClock(FIXED_NOW), config=AppConfig(tmp_path / "bob-config")) as created:
        key = created.raw_key
    worker = VaultWorker(clock=FixedClock(FIXED_NOW), config=AppConfig(tmp_path / "app-config"))
    made = MainWindow(worker, settings=UiSettings(), vault_path=path)
    qtbot.addWidget(made)
    made.show()
    made.start()
    made.unlock_page.unlock_with_key(key)
    qtbot.waitUntil(lambda: made.is_unlocked and not made.workspace.model.loading, timeout=WAIT_MS)
    yield made
    made.close()


def people_count(qtbot, window) -> int:
    return on_worker(qtbot, window.worker, lambda v: v.conn.execute("SELECT count(*) FROM people").fetchone()[0])


@pytest.mark.parametrize("answer", ["No", "Yes"])
def test_gui_import_shows_the_fingerprint_and_trusts_only_on_yes(qtbot, notifier, window, vault, tmp_path, answer):
    from tests.test_package_verify import make_package

    package = make_package(vault, tmp_path / "from-rita.zip").path
    fingerprint = vault.owner.identity.fingerprint
    notifier.answer(answer == "Yes")
    window.sharing.import_package_file(str(package))
    qtbot.waitUntil(lambda: "Trust this sender?" in notifier.questions, timeout=WAIT_MS)
    question = next(s for s in notifier.shown if s.title == "Trust this sender?")
    grouped = " ".join(fingerprint[i:i + 4] for i in range(0, 32, 4))
    assert grouped in question.text and "Rita Recruiter" in question.text
    if answer == "No":
        qtbot.waitUntil(lambda: notifier.last_message.startswith("Not imported"), timeout=WAIT_MS)
        assert people_count(qtbot, window) == 0, "nothing written without the user's yes"
        return
    qtbot.waitUntil(lambda: notifier.last_message.startswith("Package imported"), timeout=WAIT_MS)
    assert f"The key {fingerprint} is now trusted" in notifier.last_message
    assert people_count(qtbot, window) == 1


def test_gui_import_refuses_a_misaddressed_package_naming_who_it_was_for(qtbot, notifier, window, vault, tmp_path):
    from tests.test_package_verify import make_package

    vault.recipients.add("Dora Else", email="dora@else.example")
    package = make_package(vault, tmp_path / "for-bob.zip").path
    # The same package, re-addressed to Dora by whoever holds it: signed, intact, and not for Bob.
    from tests.test_package_trust import resign
    from vault.identity import OwnerKey

    other = resign(package, tmp_path / "for-dora.zip", OwnerKey(OwnerKey.generate()[0]),
                   recipient={"name": "Dora Else", "organisation": "", "email": "dora@else.example"})
    window.sharing.import_package_file(str(other))
    qtbot.waitUntil(lambda: "made for Dora Else <dora@else.example>" in notifier.last_error, timeout=WAIT_MS)
    assert "Trust this sender?" not in notifier.questions and people_count(qtbot, window) == 0

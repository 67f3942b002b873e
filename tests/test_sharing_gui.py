"""The sharing GUI with real widgets (offscreen) on a real vault: the share wizard cannot reach
Save without a valid authorisation; with one it writes a package that verifies. The main window
gets the Authorisations and Shares tabs, the menu actions, and lock empties them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox, QWizard

from tests.conftest import corpus_file
from ui.main_window import MainWindow
from ui.settings import UiSettings
from ui.sharing.share_wizard import ShareWizard
from ui.worker import VaultWorker
from vault import audit, sharing
from vault.config import AppConfig
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault

pytestmark = pytest.mark.gui

RESUME = corpus_file("resumes/rendercv__John_Doe_ClassicTheme_CV.pdf")
WAIT_MS = 20_000


def seed(vault_path: Path, key: bytes, clock, folder: Path) -> dict[str, str]:
    with Vault.open(vault_path, raw_key=key, clock=clock, config=AppConfig(folder / "seed-config")) as v:
        v.recipients.add("Bob Client", email="bob@acme.example", organisation="Acme")
        v.recipients.add("Carol Client", organisation="Acme")
        person = v.people.add(PersonFields(full_name="Jane Doe"), [NewContactPoint("email", "jane@example.com")])
        doc = v.documents.add_file(person.id, RESUME)
        return {"person": person.uuid, "doc": doc.uuid}


@pytest.fixture
def worker(qtbot, vault_path, template_vault, clock, tmp_path):
    made = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    yield made
    made.shutdown()


def open_worker(qtbot, worker: VaultWorker, vault_path: Path, key: bytes) -> None:
    opened: list[object] = []
    worker.open(vault_path, raw_key=key, on_result=opened.append)
    qtbot.waitUntil(lambda: bool(opened), timeout=WAIT_MS)


def test_wizard_cannot_reach_save_without_authorisation_and_then_writes_a_verified_package(
        qtbot, worker, vault_path, template_vault, clock, tmp_path):
    ids = seed(vault_path, template_vault[1], clock, tmp_path)
    open_worker(qtbot, worker, vault_path, template_vault[1])
    wizard = ShareWizard(worker, ids["person"])
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.loaded, timeout=WAIT_MS)
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.text() == "Save"

    # Items: the default resume is preselected; ticking nothing blocks Next.
    assert wizard.items() == [f"document:{ids['doc']}"]
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.recipient_page
    wizard.recipient_page.combo.setCurrentIndex(wizard.recipient_page.combo.findText("Bob Client (Acme)"))
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)

    # No authorisation: the page says what is missing, offers only "Log authorisation…", and Next
    # (hence Save) stays out of reach, whether clicked or called.
    page = wizard.auth_page
    assert wizard.currentPage() is page
    qtbot.waitUntil(lambda: page.verdict is not None, timeout=WAIT_MS)
    assert not page.verdict.allowed and page.verdict.condition == "no-authorisation"
    assert "not authorised" in page.status.text() and "no authorisation" in page.status.text()
    assert page.log_button.isVisible() and page.log_button.text() == "Log authorisation…"
    assert not next_button.isEnabled() and not (finish.isVisible() and finish.isEnabled())
    wizard.next()
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is page
    refused: list[list[object]] = []
    worker.call(lambda v: audit.query_events(v.conn, subject_ids=[ids["person"]], actions=["share.refused"]),
                refused.append, context=None)
    qtbot.waitUntil(lambda: bool(refused), timeout=WAIT_MS)
    assert [e.details["condition"] for e in refused[0]] == ["no-authorisation"]

    # An authorisation for someone else at Acme does not help either.
    page.log_authorisation()
    dialog = page.dialog
    qtbot.waitUntil(lambda: dialog.recipient.count() == 2, timeout=WAIT_MS)
    assert dialog.recipient.currentText() == "Bob Client (Acme)"
    assert [t for t, box in dialog.scope_boxes.items() if box.isChecked()] == ["resume"]
    dialog.recipient.setCurrentIndex(dialog.recipient.findText("Carol Client (Acme)"))
    dialog.purpose.setText("Staff Engineer at Acme")
    dialog.obtained.setDate(QDate(2026, 2, 1))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: page.verdict is not None and page.verdict.condition == "other-recipient",
                    timeout=WAIT_MS)
    assert not next_button.isEnabled()
    assert "names Carol Client" in page.status.text()

    # The right authorisation, logged from the wizard: now it may go on.
    page.log_authorisation()
    dialog = page.dialog
    qtbot.waitUntil(lambda: dialog.recipient.count() == 2, timeout=WAIT_MS)
    dialog.purpose.setText("Staff Engineer at Acme")
    dialog.method.setCurrentText("written")
    dialog.obtained.setDate(QDate(2026, 2, 1))
    evidence = tmp_path / "signed-consent.txt"
    evidence.write_text("I agree that Rita sends my CV to Bob Client at Acme. Jane Doe, 1 Feb 2026\n")
    dialog.set_evidence(evidence)
    with qtbot.waitSignal(dialog.logged, timeout=WAIT_MS) as logged:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert logged.args[0].evidence_document_uuid and logged.args[0].method == "written"
    qtbot.waitUntil(lambda: page.isComplete(), timeout=WAIT_MS)
    assert "Covered by authorisation" in page.status.text() and not page.log_button.isVisible()
    assert next_button.isEnabled()
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)

    # Preview of the stamped first page, rendered from memory.
    assert wizard.currentPage() is wizard.preview_page
    qtbot.waitUntil(lambda: wizard.preview_page.loaded, timeout=WAIT_MS)
    pixmap = wizard.preview_page.image.pixmap()
    assert pixmap is not None and not pixmap.isNull() and pixmap.width() > 300
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)

    # Save.
    assert wizard.currentPage() is wizard.save_page
    out = tmp_path / "for-bob.zip"
    wizard.save_page.path.setText(str(out))
    with qtbot.waitSignal(wizard.saved, timeout=WAIT_MS) as saved:
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    result = saved.args[0]
    assert out.is_file() and result.path == out
    report = sharing.verify_package(out, now=clock.now_iso())
    assert report.ok, report.problems
    assert report.recipient["name"] == "Bob Client" and report.authorisation["method"] == "written"
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=WAIT_MS)


def test_main_window_has_sharing_tabs_and_lock_empties_them(qtbot, vault_path, template_vault, clock, tmp_path):
    ids = seed(vault_path, template_vault[1], clock, tmp_path)
    with Vault.open(vault_path, raw_key=template_vault[1], clock=clock, config=AppConfig(tmp_path / "c")) as v:
        auth = v.authorisations.log(ids["person"], recipient="Bob Client", scope=["resume"], purpose="Role",
                                    method="email", obtained_at="2026-02-01", valid_until="2026-03-10")
        sharing.build_share(v, ids["person"], "Bob Client", [f"document:{ids['doc']}"], tmp_path / "p.zip")
        v.people.add_contact_point(ids["person"], NewContactPoint("phone", "+1 415 555 0177", outreach="do-not-contact"))
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    window = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
    qtbot.addWidget(window)
    window.show()
    window.start()
    window.unlock_page.unlock_with_key(template_vault[1])
    qtbot.waitUntil(lambda: window.is_unlocked and not window.workspace.model.loading, timeout=WAIT_MS)
    tabs = window.workspace.detail.tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert "Authorisations" in titles and "Shares" in titles
    assert window.sharing.share_action.isEnabled()
    window.workspace.show_person(ids["person"])
    auth_tab, shares_tab = window.sharing.authorisations_tab, window.sharing.shares_tab
    qtbot.waitUntil(lambda: auth_tab.table.rowCount() == 1 and shares_tab.table.rowCount() == 1, timeout=WAIT_MS)
    assert auth_tab.table.item(0, 0).text() == "active"
    assert auth_tab.table.item(0, 7).text() == "1"
    expiring = window.sharing.expiring
    expiring.reload()
    qtbot.waitUntil(lambda: expiring.table.rowCount() == 1, timeout=WAIT_MS)
    assert expiring.table.item(0, 0).text() == "2026-03-10" and expiring.table.item(0, 1).text() == "Jane Doe"
    # Revoke from the tab, with a reason.
    auth_tab.table.selectRow(0)
    auth_tab.reason.setText("withdrew")
    auth_tab.revoke_button.click()
    qtbot.waitUntil(lambda: auth_tab.table.item(0, 0) is not None and auth_tab.table.item(0, 0).text() == "revoked",
                    timeout=WAIT_MS)
    window.sharing.share_action.trigger()
    wizard = window.sharing.wizard
    qtbot.waitUntil(lambda: wizard.loaded and wizard.isVisible(), timeout=WAIT_MS)
    offered = [wizard.items_page.list.item(i).text() for i in range(wizard.items_page.list.count())]
    assert any("jane@example.com" in text for text in offered)
    assert not any("555 0177" in text or "5550177" in text for text in offered), "a do-not-contact phone never leaves"
    if os.environ.get("CONTACT_VAULT_SHOTS"):
        wizard.grab().save(str(Path(os.environ["CONTACT_VAULT_SHOTS"]) / "share-items.png"))
    window.lock()
    assert window.sharing.wizard is None and not wizard.isVisible() and wizard.items_page.list.count() == 0
    assert auth_tab.table.rowCount() == 0 and shares_tab.table.rowCount() == 0
    assert expiring.table.rowCount() == 0
    assert not window.sharing.share_action.isEnabled()
    assert auth.uuid
    window.close()


def test_recipients_manager_and_introduction_requests(qtbot, worker, vault_path, template_vault, clock, tmp_path):
    from ui.sharing.intro_requests import IntroRequestsDialog
    from ui.sharing.recipients_dialog import RecipientsDialog

    ids = seed(vault_path, template_vault[1], clock, tmp_path)
    open_worker(qtbot, worker, vault_path, template_vault[1])
    dialog = RecipientsDialog(worker)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=WAIT_MS)
    dialog.new()
    dialog.name.setText("Dana Partner")
    dialog.email.setText("dana@initech.example")
    dialog.organisation.setCurrentText("Initech")
    dialog.public_key.setPlainText("not a key")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT_MS)
    assert "public key" in dialog.message.text()
    dialog.public_key.setPlainText("")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3, timeout=WAIT_MS)
    names = {dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text() for r in range(3)}
    assert names["Dana Partner"] == "Initech"

    intros = IntroRequestsDialog(worker, ids["person"])
    qtbot.addWidget(intros)
    intros.show()
    qtbot.waitUntil(lambda: intros.recipient.count() == 4, timeout=WAIT_MS)
    intros.recipient.setCurrentIndex(intros.recipient.findText("Dana Partner (Initech)"))
    intros.reason.setText("wants an introduction")
    intros.log_button.click()
    qtbot.waitUntil(lambda: intros.table.rowCount() == 1, timeout=WAIT_MS)
    assert intros.table.item(0, 0).text() == "pending" and intros.table.item(0, 2).text() == "Dana Partner"
    done: list[object] = []
    worker.call(lambda v: v.authorisations.log(ids["person"], organisation="Initech", scope=["email"],
                                               purpose="intro", method="phone", obtained_at="2026-02-01"),
                done.append, context=None)
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)
    intros.reload()
    qtbot.waitUntil(lambda: intros.table.item(0, 0) is not None and intros.table.item(0, 0).text() == "authorised",
                    timeout=WAIT_MS)


def test_share_action_warns_about_the_represent_window_before_and_after_saving(
        qtbot, vault_path, template_vault, clock, tmp_path, notifier):
    ids = seed(vault_path, template_vault[1], clock, tmp_path)
    with Vault.open(vault_path, raw_key=template_vault[1], clock=clock, config=AppConfig(tmp_path / "c")) as v:
        v.authorisations.log(ids["person"], organisation="Acme", scope=["resume"], purpose="Role", method="email",
                             obtained_at="2026-02-01")
        sharing.build_share(v, ids["person"], "Carol Client", [f"document:{ids['doc']}"], tmp_path / "first.zip")
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    window = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
    qtbot.addWidget(window)
    window.show()
    window.start()
    window.unlock_page.unlock_with_key(template_vault[1])
    qtbot.waitUntil(lambda: window.is_unlocked and not window.workspace.model.loading, timeout=WAIT_MS)
    window.workspace.show_person(ids["person"])
    qtbot.waitUntil(lambda: window.current_person_uuid() == ids["person"], timeout=WAIT_MS)
    window.sharing.share_action.trigger()
    wizard = window.sharing.wizard
    qtbot.waitUntil(lambda: wizard is not None and wizard.loaded, timeout=WAIT_MS)
    wizard.next()
    wizard.recipient_page.combo.setCurrentIndex(wizard.recipient_page.combo.findText("Bob Client (Acme)"))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.auth_page.isComplete(), timeout=WAIT_MS)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview_page.loaded, timeout=WAIT_MS)
    assert "right-to-represent" in wizard.preview_page.note.text()
    wizard.next()
    wizard.save_page.path.setText(str(tmp_path / "second.zip"))
    with qtbot.waitSignal(wizard.saved, timeout=WAIT_MS):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    qtbot.waitUntil(lambda: "Share package saved" in window.statusBar().currentMessage(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.sharing.shares_tab.table.rowCount() == 2, timeout=WAIT_MS)
    # Tools ▸ Verify / Import share package (file chosen, dialog skipped).
    window.sharing.verify_package_file(str(tmp_path / "second.zip"))
    qtbot.waitUntil(lambda: "VALID" in notifier.last_message, timeout=WAIT_MS)
    assert "NOT VALID" not in notifier.last_message
    # Importing it here is refused: the package was made for Bob, not for this vault's owner.
    window.sharing.import_package_file(str(tmp_path / "second.zip"))
    qtbot.waitUntil(lambda: "made for Bob Client (Acme) <bob@acme.example>" in notifier.last_error,
                    timeout=WAIT_MS)
    imported: list[list[object]] = []
    worker.call(lambda v: v.conn.execute("SELECT sharing_policy FROM people WHERE origin LIKE 'package:%'")
                .fetchall(), imported.append, context=None)
    qtbot.waitUntil(lambda: bool(imported), timeout=WAIT_MS)
    assert imported[0] == []
    window.close()

"""Erasure with typed confirmation, the retention review queue, the Outreach tab and the export
actions, with real widgets (offscreen) on a real vault. Screenshots go to $CONTACT_VAULT_SHOTS."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

import pytest

from tests.test_import_gui import WAIT_MS, run_on_worker, shot
from ui.main_window import MainWindow
from ui.settings import UiSettings
from ui.worker import VaultWorker
from vault.config import AppConfig
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault

pytestmark = pytest.mark.gui


@pytest.fixture
def seeded(vault_path, template_vault, clock, tmp_path) -> dict[str, str]:
    with Vault.open(vault_path, raw_key=template_vault[1], clock=clock, config=AppConfig(tmp_path / "seed")) as v:
        clock.set("2023-01-05T10:00:00Z")
        old = v.people.add(PersonFields(full_name="Olga Oldcontact"), [NewContactPoint("email", "olga@example.com")])
        clock.set("2026-02-20T10:00:00Z")
        pat = v.people.add(PersonFields(full_name="Pat Caller", kind="contact"),
                           [NewContactPoint("phone", "+1 415 555 0111"),
                            NewContactPoint("phone", "+1 415 555 0122", outreach="do-not-contact"),
                            NewContactPoint("email", "pat@oldjob.example", source="old-document")])
        clock.set("2026-03-01T09:30:00Z")
        return {"old": old.uuid, "pat": pat.uuid}


@pytest.fixture
def window(qtbot, seeded, vault_path, template_vault, clock, tmp_path) -> Iterator[MainWindow]:
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    made = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
    qtbot.addWidget(made)
    made.show()
    made.start()
    made.unlock_page.unlock_with_key(template_vault[1])
    qtbot.waitUntil(lambda: made.is_unlocked and not made.workspace.model.loading, timeout=WAIT_MS)
    yield made
    made.close()


def test_erase_needs_the_typed_name(qtbot, window, seeded) -> None:
    window.workspace.show_person(seeded["pat"])
    qtbot.waitUntil(lambda: window.current_person_uuid() == seeded["pat"], timeout=WAIT_MS)
    window.contacts.erase_action.trigger()
    qtbot.waitUntil(lambda: window.contacts.erase_dialog is not None and window.contacts.erase_dialog.isVisible(),
                    timeout=WAIT_MS)
    dialog = window.contacts.erase_dialog
    assert not dialog.erase_button.isEnabled()
    qtbot.keyClicks(dialog.confirm, "Pat Calle")
    assert not dialog.erase_button.isEnabled()
    dialog.erase()  # a direct call is refused too
    assert run_on_worker(qtbot, window, lambda v: v.people.count()) == 2
    qtbot.keyClicks(dialog.confirm, "r")
    assert dialog.erase_button.isEnabled()
    shot(dialog, "erase-dialog")
    with qtbot.waitSignal(dialog.erased, timeout=WAIT_MS):
        dialog.erase_button.click()
    assert dialog.report is not None and dialog.report.suppressed == 3
    assert run_on_worker(qtbot, window, lambda v: (v.people.count(), v.verify_audit_chain().ok)) == (1, True)
    qtbot.waitUntil(lambda: window.workspace.model.rowCount() == 1, timeout=WAIT_MS)


def test_retention_queue_and_erase_from_it(qtbot, window, seeded) -> None:
    view = window.contacts.retention
    window.workspace.main_stack.setCurrentWidget(view)
    view.reload()
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=WAIT_MS)
    assert view.table.item(0, 0).text() == "Olga Oldcontact" and view.table.item(0, 3).text() == "2025-01-05"
    assert view.months.value() == 24
    shot(view, "retention-queue")
    view.table.selectRow(0)
    view.erase_selected()
    dialog = view.dialog
    qtbot.keyClicks(dialog.confirm, "Olga Oldcontact")
    with qtbot.waitSignal(dialog.erased, timeout=WAIT_MS):
        dialog.erase_button.click()
    qtbot.waitUntil(lambda: view.table.rowCount() == 0, timeout=WAIT_MS)
    window.lock()
    assert view.table.rowCount() == 0 and view.items == []


def test_outreach_tab_warns_and_asks_before_do_not_contact(qtbot, window, seeded, notifier) -> None:
    tab = window.contacts.outreach_tab
    window.workspace.show_person(seeded["pat"])
    qtbot.waitUntil(lambda: len(tab.points) == 3, timeout=WAIT_MS)
    assert "old document" in tab.warnings.text()
    tab.channel.setCurrentText("call")
    labels = [tab.point.itemText(i) for i in range(tab.point.count())]
    assert any("DO NOT CONTACT" in text for text in labels)
    tab.point.setCurrentIndex(next(i for i, t in enumerate(labels) if "0111" in t))
    tab.outcome.setCurrentText("no-answer")
    tab.note.setText("left no message")
    tab.log_button.click()
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=WAIT_MS)
    assert tab.table.item(0, 3).text() == "+14155550111"

    notifier.answer(False, True)
    tab.point.setCurrentIndex(next(i for i in range(tab.point.count()) if "DO NOT" in tab.point.itemText(i)))
    tab.log_button.click()
    assert tab.status.text() == "Not logged." and tab.table.rowCount() == 1
    tab.log_button.click()
    qtbot.waitUntil(lambda: tab.table.rowCount() == 2, timeout=WAIT_MS)
    for _ in range(1):
        tab.point.setCurrentIndex(1)
        tab.outcome.setCurrentText("voicemail")
        tab.log_button.click()
        qtbot.waitUntil(lambda: tab.table.rowCount() == 3, timeout=WAIT_MS)
    tab.outcome.setCurrentText("no-answer")
    tab.log_button.click()
    qtbot.waitUntil(lambda: tab.table.rowCount() == 4 and "unanswered" in tab.warnings.text(), timeout=WAIT_MS)
    window.workspace.detail.tabs.setCurrentWidget(tab)
    shot(window, "outreach-tab")
    window.lock()
    assert tab.table.rowCount() == 0 and tab.points == [] and tab.warnings.text() == ""


def test_export_actions(qtbot, window, seeded, tmp_path, notifier) -> None:
    window.workspace.show_person(seeded["pat"])
    qtbot.waitUntil(lambda: window.current_person_uuid() == seeded["pat"], timeout=WAIT_MS)
    window.contacts.export_action.trigger()
    qtbot.waitUntil(lambda: window.contacts.export_dialog is not None, timeout=WAIT_MS)
    dialog = window.contacts.export_dialog
    assert dialog.only_person.isChecked()
    dialog.path.setText(str(tmp_path / "pat.vcf"))
    dialog.format.setCurrentIndex(dialog.format.findData("vcard3"))
    shot(dialog, "export-dialog")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=WAIT_MS)
    text = (tmp_path / "pat.vcf").read_text()
    assert "VERSION:3.0" in text and "FN:Pat Caller" in text and text.count("BEGIN:VCARD") == 1

    window.contacts.export_person(str(tmp_path / "pat.zip"))
    qtbot.waitUntil(lambda: (tmp_path / "pat.zip").exists(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.worker.busy, timeout=WAIT_MS)
    assert "person.json" in zipfile.ZipFile(tmp_path / "pat.zip").namelist()
    assert "plaintext copy" in notifier.last_message

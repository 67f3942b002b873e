"""The app keeps the rules the command line got in issue 22: document.viewed is written when it
previews a document (the action existed but nothing wrote it), and an authorisation whose
window is already over is refused."""

from __future__ import annotations

from conftest import corpus_file
from test_gui_app import WAIT_MS, add_person_by_dialog, make_window, unlock_by_key  # noqa: F401 (fixture)

from vault.audit import chain as audit
from vault.people import PersonFields
from vault.store import Vault

RESUME = corpus_file("resumes/careerrag__sample-resume.docx")


def _viewed(conn) -> list[str]:
    return [e.details["document"] for e in audit.query_events(conn, actions=["document.viewed"])]


def test_the_preview_loader_records_a_view(vault):
    from ui.documents_tab import load_preview

    person = vault.people.add(PersonFields(full_name="Jordan Reyes", kind="candidate"), [])
    doc = vault.documents.add_file(person.id, RESUME)
    assert _viewed(vault.conn) == []
    preview = load_preview(vault, doc.uuid)
    assert "lakehouse" in preview.text
    assert _viewed(vault.conn) == [doc.uuid]


def test_opening_a_document_in_the_app_records_it(qtbot, make_window, vault_path, template_vault):  # noqa: F811
    window = make_window(vault_path)
    unlock_by_key(qtbot, window, template_vault[1])
    add_person_by_dialog(qtbot, window, "Jordan Reyes")
    documents = next(t for t in window.workspace.detail._tabs if type(t).__name__ == "DocumentsTab")
    window.workspace.detail.tabs.setCurrentWidget(documents)
    with qtbot.waitSignal(documents.document_added, timeout=WAIT_MS):
        documents.add_files([RESUME])
    qtbot.waitUntil(lambda: "lakehouse" in documents.text_view.toPlainText(), timeout=WAIT_MS)
    uuid = documents.selected_uuid()
    seen: list[list[str]] = []
    window.worker.call(lambda v: _viewed(v.conn), seen.append, lambda error: None, context=documents)
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
    assert uuid in seen[0]


def test_a_read_only_vault_previews_without_writing(vault_path, template_vault, vault):
    from ui.documents_tab import load_preview

    person = vault.people.add(PersonFields(full_name="Ada Byron", kind="candidate"), [])
    doc = vault.documents.add_file(person.id, RESUME)
    vault.close()
    with Vault.open(vault_path, raw_key=template_vault[1], readonly=True) as readonly:
        head = audit.last_event(readonly.conn).seq
        assert "lakehouse" in load_preview(readonly, doc.uuid).text
        assert audit.last_event(readonly.conn).seq == head


def test_the_app_refuses_an_authorisation_window_already_over(qtbot, vault, vault_path, template_vault, clock,
                                                              tmp_path):
    """The same rule as `contact-vault authorise`, in the app's authorisation dialog."""
    from PySide6.QtCore import QDate
    from PySide6.QtWidgets import QDialogButtonBox

    from ui.sharing.authorisation_dialog import LogAuthorisationDialog
    from ui.worker import VaultWorker
    from vault.config import AppConfig

    person = vault.people.add(PersonFields(full_name="Jane Doe", kind="candidate"), [])
    vault.recipients.add("Bob Client", organisation="Acme")
    vault.close()
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    opened: list[object] = []
    worker.open(vault_path, raw_key=template_vault[1], on_result=opened.append)
    qtbot.waitUntil(lambda: bool(opened), timeout=WAIT_MS)
    dialog = LogAuthorisationDialog(worker, person.uuid)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.recipient.count() == 1, timeout=WAIT_MS)
    dialog.purpose.setText("Staff Engineer at Acme")
    dialog.obtained.setDate(QDate(2025, 1, 1))
    dialog.has_end.setChecked(True)
    dialog.valid_until.setDate(QDate(2025, 6, 30))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not dialog.message.isHidden(), timeout=WAIT_MS)
    assert "the window ended on 2025-06-30" in dialog.message.text()
    worker.shutdown()

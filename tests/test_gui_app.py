"""The desktop app driven through its real widgets (offscreen), on real vault files.

Covers the acceptance points of the desktop issue: first run creates a vault, lock and
unlock (wrong, then right passphrase, with the real key derivation), add a person, attach
a PDF by a simulated drop, find the person by a word of the resume, idle lock empties every
model and widget, and the GUI thread keeps running while the key is derived.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PASSPHRASE, corpus_file
from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from ui.clipboard import CONCEAL_MIME
from ui.main_window import MainWindow
from ui.settings import UiSettings
from ui.worker import VaultWorker
from vault.config import AppConfig

pytestmark = pytest.mark.gui

RESUME = corpus_file("resumes/careerrag__sample-resume.pdf")
PERSON = "Jordan Alexander Reyes"
WAIT_MS = 20_000


@pytest.fixture
def make_window(qtbot, clock, tmp_path: Path, monkeypatch) -> Iterator:
    monkeypatch.setenv("CONTACT_VAULT_CONFIG_DIR", str(tmp_path / "ui-config"))  # settings stay per test
    windows: list[MainWindow] = []

    def make(vault_path: Path) -> MainWindow:
        worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
        window = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
        qtbot.addWidget(window)
        window.show()
        window.start()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def unlock_by_key(qtbot, window: MainWindow, key: bytes) -> None:
    """Unlock through the unlock page's public raw-key entry, skipping the KDF (not under test here)."""
    assert window.stack.currentWidget() is window.unlock_page
    window.unlock_page.unlock_with_key(key)
    qtbot.waitUntil(lambda: window.is_unlocked and not window.workspace.model.loading, timeout=WAIT_MS)


def wait_idle(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.worker.busy, timeout=WAIT_MS)


def add_person_by_dialog(qtbot, window: MainWindow, name: str, email: str = "") -> None:
    window.new_person_action.trigger()
    dialog = window.person_dialog
    qtbot.waitUntil(dialog.isVisible)
    qtbot.keyClicks(dialog.full_name, name)
    if email:
        qtbot.keyClicks(dialog.email, email)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: window.workspace.model.row_of(window.current_person_uuid() or "") >= 0,
                    timeout=WAIT_MS)
    wait_idle(qtbot, window)


def drop_files(widget: QWidget, files: list[Path]) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    point = QPoint(widget.width() // 2, widget.height() // 2)
    with warnings.catch_warnings():  # only the QPoint overload exists, and it is marked deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(point.toPointF(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop


def visible_texts(window: MainWindow) -> list[str]:
    """Every piece of text a widget of the app holds: labels, edits, buttons, item models, titles."""
    texts: list[str] = []
    widgets: list[QWidget] = [window, *window.findChildren(QWidget)]
    for top in QApplication.topLevelWidgets():
        if top is not window:
            widgets.extend([top, *top.findChildren(QWidget)])
    for widget in widgets:
        texts.append(widget.windowTitle())
        texts.append(widget.toolTip())
        if isinstance(widget, QLabel | QLineEdit | QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QTextEdit | QPlainTextEdit):
            texts.append(widget.toPlainText())
        if isinstance(widget, QComboBox):
            texts.extend(widget.itemText(i) for i in range(widget.count()))
        if isinstance(widget, QTabWidget):
            texts.extend(widget.tabText(i) for i in range(widget.count()))
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            texts.extend(model_texts(widget.model()))
    return texts


def model_texts(model, parent: QModelIndex | None = None) -> list[str]:
    parent = parent or QModelIndex()
    out: list[str] = []
    try:
        columns = model.columnCount(parent)
    except TypeError:  # list models hide columnCount
        columns = 1
    for row in range(model.rowCount(parent)):
        for column in range(columns):
            index = model.index(row, column, parent)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.data(index, role)
                if value is not None:
                    out.append(str(value))
        first = model.index(row, 0, parent)
        if columns > 1 or not isinstance(model, QAbstractListModel):
            if model.rowCount(first):
                out.extend(model_texts(model, first))
    return out


# --- first run, lock, unlock -----------------------------------------------------------------


def test_first_run_creates_a_vault_then_lock_and_unlock_with_the_real_kdf(qtbot, make_window, tmp_path):
    path = tmp_path / "fresh" / "mine.cvault"
    window = make_window(path)
    page = window.first_run
    assert window.stack.currentWidget() is page
    assert page.location.text() == str(path)
    assert "cannot be recovered" in page.findChild(QLabel, "lostPassphraseWarning").text()

    # Validation messages appear next to the wrong field.
    qtbot.keyClicks(page.passphrase, "short")
    assert page.meter.value() == 0 and "Too short" in page.meter_label.text()
    qtbot.keyClicks(page.confirm, "short")
    page.create_button.click()
    qtbot.waitUntil(lambda: page.errors.message_for("passphrase") != "", timeout=WAIT_MS)
    assert "8 characters" in page.errors.message_for("passphrase")
    assert not path.exists()

    page.passphrase.clear()
    page.confirm.clear()
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    assert page.meter.value() >= 3
    qtbot.keyClicks(page.confirm, PASSPHRASE)
    qtbot.keyClicks(page.owner_name, "Rita Recruiter")
    qtbot.keyClicks(page.organisation, "Northwind Talent")
    qtbot.keyClicks(page.email, "rita@northwind.example")
    page.create_button.click()
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=WAIT_MS)
    assert path.exists()
    assert window.worker.info.owner_name == "Rita Recruiter"
    assert page.passphrase.text() == "" and page.confirm.text() == ""

    # Lock with Ctrl+L.
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.unlock_page
    qtbot.waitUntil(lambda: not window.worker.busy, timeout=WAIT_MS)
    assert not window.worker.is_open

    # Wrong passphrase: the field is cleared and a message says so.
    unlock = window.unlock_page
    qtbot.keyClicks(unlock.passphrase, "not the passphrase")
    unlock.unlock_button.click()
    qtbot.waitUntil(lambda: unlock.message.isVisibleTo(unlock) and "not correct" in unlock.message.text(),
                    timeout=WAIT_MS)
    assert unlock.passphrase.text() == ""
    assert window.stack.currentWidget() is unlock

    # Right passphrase.
    qtbot.keyClicks(unlock.passphrase, PASSPHRASE)
    qtbot.keyClick(unlock.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=WAIT_MS)
    assert window.workspace.model.rowCount() == 0


def test_damaged_vault_gets_its_own_message_and_offers_a_backup(qtbot, make_window, vault_path):
    data = bytearray(vault_path.read_bytes())
    data[200:400] = bytes(200)  # first page damaged, the rest intact: not a wrong passphrase
    vault_path.write_bytes(bytes(data))
    window = make_window(vault_path)
    unlock = window.unlock_page
    qtbot.keyClicks(unlock.passphrase, PASSPHRASE)
    unlock.unlock_button.click()
    qtbot.waitUntil(lambda: not unlock.message.isHidden(), timeout=WAIT_MS)
    assert "backup" in unlock.message.text()
    assert "not correct" not in unlock.message.text()
    assert not unlock.backup_button.isHidden()


def test_gui_thread_keeps_running_while_the_real_kdf_unlocks(qtbot, make_window, vault_path):
    window = make_window(vault_path)
    unlock = window.unlock_page
    ticks = 0

    def tick() -> None:
        nonlocal ticks
        ticks += 1

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    qtbot.keyClicks(unlock.passphrase, PASSPHRASE)
    timer.start()
    started = time.monotonic()
    unlock.unlock_button.click()
    assert not unlock.busy.isHidden(), "a busy indicator shows while the key is derived"
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=WAIT_MS)
    elapsed = time.monotonic() - started
    timer.stop()
    # PBKDF2 with 256,000 rounds takes a noticeable time; the GUI thread ticked all along.
    assert elapsed > 0.05
    print(f"unlock took {elapsed:.3f} s, GUI timer ticked {ticks} times (10 ms timer)")
    assert ticks >= max(3, int(elapsed / 0.010 * 0.3)), (ticks, elapsed)


# --- people, documents, search, idle lock ----------------------------------------------------


def test_add_person_drop_resume_search_then_idle_lock_forgets_everything(
        qtbot, make_window, vault_path, template_vault):
    window = make_window(vault_path)
    unlock_by_key(qtbot, window, template_vault[1])

    add_person_by_dialog(qtbot, window, PERSON, "jordan@jordanreyes.dev")
    workspace = window.workspace
    assert workspace.model.rowCount() == 1
    assert workspace.model.data(workspace.model.index(0, 0)) == PERSON
    qtbot.waitUntil(lambda: workspace.detail.name_label.text() == PERSON, timeout=WAIT_MS)
    person_uuid = window.current_person_uuid()
    assert person_uuid

    # Attach the resume by dropping it on the Documents tab.
    documents = next(t for t in workspace.detail._tabs if type(t).__name__ == "DocumentsTab")
    workspace.detail.tabs.setCurrentWidget(documents)
    with qtbot.waitSignal(documents.document_added, timeout=WAIT_MS):
        drop = drop_files(documents, [RESUME])
        assert drop.isAccepted()
    qtbot.waitUntil(lambda: documents.model.rowCount() == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: documents.pdf_document.pageCount() == 1, timeout=WAIT_MS)
    assert documents.preview.currentWidget() is documents.pdf_view
    assert documents.model.document(0).file_name == RESUME.name

    # Find the person by a word that only the resume holds.
    qtbot.keyClicks(workspace.search, "lakehouse")
    qtbot.waitUntil(lambda: workspace.model.query.search == "lakehouse" and not workspace.model.loading,
                    timeout=WAIT_MS)
    assert workspace.model.rowCount() == 1
    assert workspace.model.data(workspace.model.index(0, 0)) == PERSON
    assert workspace.count_label.text() == "1 match"
    workspace.search.clear()
    workspace.search_now()
    qtbot.keyClicks(workspace.search, "zeppelinfactory")
    workspace.search_now()
    qtbot.waitUntil(lambda: not workspace.model.loading and workspace.count_label.text() == "0 matches",
                    timeout=WAIT_MS)
    assert workspace.model.rowCount() == 0

    # Copy the e-mail (concealed from clipboard managers), open a dialog, then let idle lock.
    workspace.search.clear()
    workspace.search_now()
    wait_idle(qtbot, window)
    assert window.current_person_uuid() is None  # the empty search dropped the selection
    workspace.table.selectRow(0)
    assert window.current_person_uuid() == person_uuid
    profile = next(t for t in workspace.detail._tabs if type(t).__name__ == "ProfileTab")
    qtbot.waitUntil(lambda: profile.points_model.rowCount() == 1, timeout=WAIT_MS)
    profile.points.selectRow(0)
    assert profile.copy_selected()
    clipboard = QGuiApplication.clipboard()
    assert clipboard.text() == "jordan@jordanreyes.dev"
    assert bytes(clipboard.mimeData().data(CONCEAL_MIME)) == b"secret"
    window.edit_person_action.trigger()
    qtbot.waitUntil(lambda: getattr(window, "person_dialog", None) is not None
                    and window.person_dialog.isVisible() and window.person_dialog.full_name.text() == PERSON,
                    timeout=WAIT_MS)

    with qtbot.waitSignal(window.locked, timeout=WAIT_MS):
        window.idle.set_interval_ms(300)
        window.idle.start()
    assert window.stack.currentWidget() is window.unlock_page
    wait_idle(qtbot, window)
    QApplication.processEvents()

    # Every model is empty, the PDF is unloaded, no text anywhere names the person.
    for model in (workspace.model, profile.points_model, documents.model,
                  next(t for t in workspace.detail._tabs if type(t).__name__ == "ActivityTab").model):
        assert model.rowCount() == 0, type(model).__name__
    assert documents.pdf_document.pageCount() == 0
    texts = "\n".join(visible_texts(window))
    for fragment in ("Jordan", "Reyes", "jordanreyes", "lakehouse", person_uuid):
        assert fragment not in texts
    assert clipboard.text() == ""
    assert not any(w.isVisible() for w in QApplication.topLevelWidgets()
                   if w is not window and w.windowTitle() in ("Edit person", "New person"))


def test_validation_message_sits_beside_the_wrong_field(qtbot, make_window, vault_path, template_vault):
    window = make_window(vault_path)
    unlock_by_key(qtbot, window, template_vault[1])
    window.new_person_action.trigger()
    dialog = window.person_dialog
    qtbot.keyClicks(dialog.full_name, "Ada Lovelace")
    qtbot.keyClicks(dialog.email, "not-an-email")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: dialog.errors.message_for("email") != "", timeout=WAIT_MS)
    assert "not a valid e-mail" in dialog.errors.message_for("email")
    assert dialog.errors.message_for("full_name") == ""
    assert dialog.isVisible()
    dialog.email.clear()
    dialog.full_name.clear()
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: dialog.errors.message_for("full_name") != "", timeout=WAIT_MS)
    assert "name is required" in dialog.errors.message_for("full_name")
    dialog.reject()


def test_copying_a_do_not_contact_point_asks_first(qtbot, make_window, vault_path, template_vault, notifier):
    window = make_window(vault_path)
    unlock_by_key(qtbot, window, template_vault[1])
    add_person_by_dialog(qtbot, window, "Grace Hopper", "grace@navy.example")
    profile = next(t for t in window.workspace.detail._tabs if type(t).__name__ == "ProfileTab")
    qtbot.waitUntil(lambda: profile.points_model.rowCount() == 1, timeout=WAIT_MS)
    profile.points.selectRow(0)
    profile.toggle_do_not_contact()
    qtbot.waitUntil(lambda: profile.points_model.point(0) is not None
                    and profile.points_model.point(0).outreach == "do-not-contact", timeout=WAIT_MS)
    profile.points.selectRow(0)
    QGuiApplication.clipboard().setText("something of the user's")
    notifier.answer(False)
    assert not profile.copy_selected()
    assert notifier.questions[-1] == "Do not contact"
    assert QGuiApplication.clipboard().text() == "something of the user's"
    notifier.answer(True)
    assert profile.copy_selected()
    assert QGuiApplication.clipboard().text() == "grace@navy.example"
    # Cleared after the configured time, but only while it still holds our copy.
    profile.clipboard.clear_after_seconds = 1
    notifier.answer(True)
    assert profile.copy_selected()
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "", timeout=5000)


def test_sidebar_views_and_tags(qtbot, make_window, vault_path, template_vault):
    window = make_window(vault_path)
    unlock_by_key(qtbot, window, template_vault[1])

    def seed(vault):
        from vault.people import PersonFields

        vault.people.add(PersonFields(full_name="Cand One", kind="candidate"), tags=["python"])
        vault.people.add(PersonFields(full_name="Cont Two", kind="contact", organisation="Acme"))
        return True

    with qtbot.waitSignal(window.worker.data_changed, timeout=WAIT_MS):
        window.worker.call(seed, lambda _: window.worker.notify_changed(""), context=None)
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.model.rowCount() == 2 and ws.tags_item.childCount() == 1, timeout=WAIT_MS)
    ws.sidebar.setCurrentItem(ws._view_items["contacts"])
    qtbot.waitUntil(lambda: ws.model.rowCount() == 1 and not ws.model.loading, timeout=WAIT_MS)
    assert ws.model.data(ws.model.index(0, 0)) == "Cont Two"
    ws.sidebar.setCurrentItem(ws.tags_item.child(0))
    qtbot.waitUntil(lambda: ws.model.query.tag == "python" and not ws.model.loading, timeout=WAIT_MS)
    assert ws.model.rowCount() == 1 and ws.model.data(ws.model.index(0, 0)) == "Cand One"
    assert ws.count_label.text() == "1 person"


def test_header_sorts_by_name_organisation_and_last_change_only(qtbot, make_window, vault_path, template_vault):
    window = make_window(vault_path)
    unlock_by_key(qtbot, window, template_vault[1])

    def seed(vault):
        from vault.people import PersonFields

        vault.people.add(PersonFields(full_name="Zed Able", organisation="Beta"))
        vault.people.add(PersonFields(full_name="Amy Zulu", organisation="Alpha"))
        return True

    window.worker.call(seed, lambda _: window.worker.notify_changed(""), context=None)
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.model.rowCount() == 2 and not ws.model.loading, timeout=WAIT_MS)
    assert ws.model.data(ws.model.index(0, 0)) == "Zed Able"  # family name first: Able < Zulu
    header = ws.table.horizontalHeader()
    header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: ws.model.query.sort == "organisation" and not ws.model.loading, timeout=WAIT_MS)
    assert ws.model.data(ws.model.index(0, 1)) == "Alpha"
    header.setSortIndicator(2, Qt.SortOrder.AscendingOrder)  # e-mail: not a sort key
    assert header.sortIndicatorSection() == 1
    assert ws.model.query.sort == "organisation"


def test_documents_tab_text_preview_default_and_sharing(qtbot, make_window, vault_path, template_vault):
    window = make_window(vault_path)
    unlock_by_key(qtbot, window, template_vault[1])
    add_person_by_dialog(qtbot, window, "Jordan Reyes")
    documents = next(t for t in window.workspace.detail._tabs if type(t).__name__ == "DocumentsTab")
    window.workspace.detail.tabs.setCurrentWidget(documents)
    with qtbot.waitSignal(documents.document_added, timeout=WAIT_MS):
        documents.add_files([corpus_file("resumes/careerrag__sample-resume.docx")])
    qtbot.waitUntil(lambda: documents.preview.currentWidget() is documents.text_view
                    and "lakehouse" in documents.text_view.toPlainText(), timeout=WAIT_MS)
    with qtbot.waitSignal(documents.document_added, timeout=WAIT_MS):
        documents.add_files([RESUME])
    qtbot.waitUntil(lambda: documents.model.rowCount() == 2 and documents.selected_document() is not None
                    and documents.selected_document().file_name == RESUME.name, timeout=WAIT_MS)
    assert documents.selected_document().is_default  # the newest resume becomes the default
    older = documents.model.row_of(next(documents.model.document(r).uuid for r in range(2)
                                        if documents.model.document(r).file_name.endswith(".docx")))
    documents.table.selectRow(older)
    assert documents.default_button.isEnabled()
    documents.default_button.click()
    qtbot.waitUntil(lambda: documents.selected_document() is not None and documents.selected_document().is_default,
                    timeout=WAIT_MS)
    documents.share_button.click()
    qtbot.waitUntil(lambda: documents.selected_document() is not None
                    and not documents.selected_document().shareable, timeout=WAIT_MS)
    assert documents.share_button.text() == "Excluded from shares"
    # An unsupported file gets one sentence, not a traceback.
    bad = Path(window.vault_path).with_name("notes.bin")
    bad.write_bytes(b"\x00\x01binary\xff" * 10)
    documents.add_files([bad])
    qtbot.waitUntil(lambda: not documents.message.isHidden(), timeout=WAIT_MS)
    assert "not a supported document" in documents.message.text()


def test_contact_point_dialog_validates_and_adds(qtbot, make_window, vault_path, template_vault, notifier):
    window = make_window(vault_path)
    unlock_by_key(qtbot, window, template_vault[1])
    add_person_by_dialog(qtbot, window, "Lukas Novak")
    profile = next(t for t in window.workspace.detail._tabs if type(t).__name__ == "ProfileTab")
    qtbot.waitUntil(lambda: profile.person is not None and profile.add_button.isEnabled(), timeout=WAIT_MS)
    profile.add_point()
    from ui.contact_point_dialog import ContactPointDialog

    dialog = next(d for d in profile.findChildren(ContactPointDialog) if d.isVisible())
    dialog.kind.setCurrentIndex(dialog.kind.findData("phone"))
    qtbot.keyClicks(dialog.value, "12")
    dialog.source.setCurrentIndex(dialog.source.findData("old-document"))
    dialog.save()
    qtbot.waitUntil(lambda: dialog.errors.message_for("phone") != "", timeout=WAIT_MS)
    assert "phone number" in dialog.errors.message_for("phone")
    dialog.value.clear()
    qtbot.keyClicks(dialog.value, "+420 601 123 456")
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.save()
    qtbot.waitUntil(lambda: profile.points_model.rowCount() == 1, timeout=WAIT_MS)
    point = profile.points_model.point(0)
    assert point.value == "+420601123456" and point.source == "old-document"
    profile.points.selectRow(0)
    notifier.answer(False)
    assert not profile.copy_selected()
    assert notifier.questions[-1] == "Taken from an old document"


def test_damaged_vault_offers_the_latest_backup_directly(qtbot, make_window, vault_path, template_vault, tmp_path):
    from vault.store import Vault

    config = AppConfig(tmp_path / "app-config")  # the config the window's worker uses
    vault = Vault.open(vault_path, raw_key=template_vault[1], config=config)
    older = vault.backup(tmp_path / "older.cvault")
    latest = vault.backup(tmp_path / "latest.cvault")
    vault.close()
    assert config.latest_backup(vault_path) == latest != older
    data = bytearray(vault_path.read_bytes())
    data[200:400] = bytes(200)
    vault_path.write_bytes(bytes(data))
    window = make_window(vault_path)
    unlock = window.unlock_page
    qtbot.keyClicks(unlock.passphrase, PASSPHRASE)
    unlock.unlock_button.click()
    qtbot.waitUntil(lambda: not unlock.backup_button.isHidden(), timeout=WAIT_MS)
    assert "latest.cvault" in unlock.backup_button.text()
    unlock.backup_button.click()
    assert unlock.path == latest
    qtbot.keyClicks(unlock.passphrase, PASSPHRASE)
    unlock.unlock_button.click()
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=WAIT_MS)

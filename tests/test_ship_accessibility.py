"""Accessibility of the desktop app, driven through real widgets (offscreen) on a real vault.

- Every control of the main window (people list, each detail tab, each sidebar view) is
  reached with Tab alone, and shows that it has the focus (it paints differently).
- Every button that shows only an icon has an accessible name, in the main window and in
  the dialogs and wizards it opens.
- The dark palette: the palette's text/background pairs and every warning text keep WCAG AA
  contrast, and no widget paints text in a hard-coded colour that ignores the palette.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import FIXED_NOW
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from demo import RESUMES, resume_pdf
from ui.main_window import MainWindow
from ui.settings import UiSettings
from ui.theme import WARNING_PROPERTY, apply_theme, warning_colour
from ui.worker import VaultWorker
from vault.clock import FixedClock, parse_iso
from vault.config import AppConfig
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault

pytestmark = pytest.mark.gui
WAIT_MS = 20_000


@pytest.fixture
def window(qtbot, vault: Vault, vault_path: Path, template_vault: tuple[Path, bytes], clock: FixedClock,
           tmp_path: Path) -> Iterator[MainWindow]:
    """The main window, unlocked on a vault with a candidate (resume, authorisation) and a contact."""
    amara = vault.people.add(
        PersonFields(full_name="Amara Okafor", kind="candidate", headline="Senior Data Engineer", notes="Met at PyCon."),
        [NewContactPoint("email", "amara.okafor@mailbox.example"), NewContactPoint("phone", "+1 415 555 0142")],
        ["python"])
    vault.documents.add_bytes(amara.id, resume_pdf(RESUMES["Amara Okafor"]), "amara-okafor-resume.pdf")
    tom = vault.recipients.add("Tom Harris", email="tom@brightline.example", organisation="Brightline Capital")
    vault.authorisations.log(amara.id, scope=["resume", "email"], purpose="Staff Data Engineer", method="email",
                             obtained_at=FIXED_NOW, recipient=tom.uuid,
                             valid_until=(parse_iso(FIXED_NOW) + timedelta(days=10)).date().isoformat())
    vault.people.add(PersonFields(full_name="Lena Fischer", kind="contact"),
                     [NewContactPoint("phone", "+1 415 555 0131", outreach="do-not-contact")])
    vault.close()
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    main = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
    qtbot.addWidget(main)
    main.resize(1320, 820)
    main.show()
    main.start()
    main.unlock_page.unlock_with_key(template_vault[1])
    qtbot.waitUntil(lambda: main.is_unlocked and not main.workspace.model.loading, timeout=WAIT_MS)
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=WAIT_MS)
    yield main
    apply_theme(QApplication.instance(), "system")
    main.close()


def select(qtbot, main: MainWindow, name: str) -> None:
    model = main.workspace.model
    row = next(r for r in range(model.rowCount()) if model.data(model.index(r, 0)) == name)
    main.workspace.table.selectRow(row)
    qtbot.waitUntil(lambda: main.current_person_uuid() is not None and not main.worker.busy, timeout=WAIT_MS)
    qtbot.wait(200)


def focusable(root: QWidget) -> list[QWidget]:
    """What Tab should reach: visible, enabled, accepting Tab focus, in this window."""
    out = []
    for widget in root.findChildren(QWidget):
        if (widget.isVisible() and widget.isEnabled() and widget.window() is root
                and widget.focusProxy() is None
                and (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) == Qt.FocusPolicy.TabFocus):
            out.append(widget)
    return out


def tab_through(qtbot, root: QWidget, start: QWidget, snapshots: dict[str, tuple[QWidget, QImage]] | None = None
                ) -> list[QWidget]:
    """Press Tab until every control had its turn; ``snapshots`` keeps one focused look per widget kind."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start, timeout=WAIT_MS)
    seen: list[QWidget] = []
    for _ in range(3 * len(focusable(root)) + 10):
        current = QApplication.focusWidget()
        if current is not None and current not in seen:
            seen.append(current)
            kind = type(current).__name__
            if snapshots is not None and kind not in snapshots and current.width() > 4 and seen[0] is not current:
                snapshots[kind] = (current, current.grab().toImage())
        QTest.keyClick(current or root, Qt.Key.Key_Tab)
    return seen


def describe(widget: QWidget) -> str:
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    return f"{type(widget).__name__}({text!r}) in {type(widget.parentWidget()).__name__}"


def test_tab_reaches_every_control_and_shows_the_focus(qtbot, window: MainWindow) -> None:
    select(qtbot, window, "Amara Okafor")
    tabs = window.workspace.detail.tabs
    snapshots: dict[str, tuple[QWidget, QImage]] = {}
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        qtbot.waitUntil(lambda: not window.worker.busy, timeout=WAIT_MS)
        qtbot.wait(150)
        expected = focusable(window)
        seen = tab_through(qtbot, window, window.workspace.search, snapshots)
        missing = [describe(w) for w in expected if w not in seen]
        assert not missing, f"Tab never reaches these on the {tabs.tabText(index)} tab: {missing}"
    # The same widgets without the focus must look different: the focus is visible.
    tabs.setCurrentIndex(0)
    focused = QApplication.focusWidget()
    if focused is not None:
        focused.clearFocus()
    qtbot.wait(50)
    checked = []
    for kind, (widget, image) in snapshots.items():
        if widget.isVisible() and not widget.hasFocus():
            assert widget.grab().toImage() != image, f"{describe(widget)} does not show that it has the focus"
            checked.append(kind)
    assert {"QTableView", "QPushButton", "QTabBar", "QTreeWidget"} <= set(checked), checked


def test_tab_reaches_every_control_of_each_sidebar_view(qtbot, window: MainWindow) -> None:
    sidebar = window.workspace.sidebar
    extra = [sidebar.topLevelItem(i) for i in range(sidebar.topLevelItemCount())
             if sidebar.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) == "extra"]
    assert extra, "the sharing and retention views are in the sidebar"
    for item in extra:
        sidebar.setCurrentItem(item)
        qtbot.waitUntil(lambda: not window.worker.busy, timeout=WAIT_MS)
        qtbot.wait(150)
        expected = focusable(window)
        seen = tab_through(qtbot, window, sidebar)
        missing = [describe(w) for w in expected if w not in seen]
        assert not missing, f"Tab never reaches these in {item.text(0)}: {missing}"


def icon_only_without_name(root: QWidget) -> list[str]:
    return [f"{type(b).__name__} in {type(b.parentWidget()).__name__}"
            for b in root.findChildren(QAbstractButton)
            if b.isVisible() and not b.text().strip() and not b.accessibleName().strip()]


def test_icon_only_buttons_have_accessible_names(qtbot, window: MainWindow) -> None:
    select(qtbot, window, "Amara Okafor")
    window.workspace.search.setText("amara")  # shows the line edit's clear button
    qtbot.wait(100)
    assert icon_only_without_name(window) == []
    opened: list[QWidget] = []
    window.sharing.share(window.current_person_uuid())
    opened.append(window.sharing.wizard)
    window.sharing.manage_recipients()
    opened.append(window.sharing.recipients)
    window.sharing.introductions()
    opened.append(window.sharing.intros)
    window.audit_viewer_action.trigger()
    opened.append(window.audit_viewer)
    window.open_settings()
    opened.append(window.settings_dialog)
    window.new_person()
    opened.append(window.person_dialog)
    qtbot.waitUntil(lambda: not window.worker.busy, timeout=WAIT_MS)
    for dialog in opened:
        assert dialog is not None
        qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
        assert icon_only_without_name(dialog) == [], type(dialog).__name__
        dialog.close()


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


_HARD_COLOUR = re.compile(r"(?<![-\w])color\s*:\s*(#|rgb)", re.IGNORECASE)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_palettes_keep_text_readable_on_every_screen(qtbot, window: MainWindow, theme: str) -> None:
    app = QApplication.instance()
    window.settings.theme = theme
    window.apply_settings()
    select(qtbot, window, "Lena Fischer")  # a do-not-contact phone: red text in the table
    palette = QGuiApplication.palette()
    pairs = [(QPalette.ColorRole.WindowText, QPalette.ColorRole.Window), (QPalette.ColorRole.Text,
             QPalette.ColorRole.Base), (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button),
             (QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Highlight)]
    for fg, bg in pairs:
        assert contrast(palette.color(fg), palette.color(bg)) >= 4.5, (theme, fg, bg)
    warning = QColor(warning_colour(palette))
    for bg in (QPalette.ColorRole.Window, QPalette.ColorRole.Base):
        assert contrast(warning, palette.color(bg)) >= 4.5, (theme, bg)

    window.sharing.share(window.current_person_uuid())
    window.audit_viewer_action.trigger()
    window.open_settings()
    screens: list[QWidget] = [window, window.sharing.wizard, window.audit_viewer, window.settings_dialog]
    tabs = window.workspace.detail.tabs
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        qtbot.wait(50)
    offenders = []
    for screen in screens:
        for widget in [screen, *screen.findChildren(QWidget)]:
            sheet = widget.styleSheet()
            if not sheet or not _HARD_COLOUR.search(sheet) or "background" in sheet:
                continue  # no colour of its own, or a colour with its own background
            if widget.property(WARNING_PROPERTY):
                assert sheet.replace(" ", "").lower() == f"color:{warning_colour(palette)}".lower() + ";", sheet
                continue
            offenders.append(f"{describe(widget)}: {sheet}")
    assert offenders == [], f"text colours that ignore the {theme} palette"
    for label in window.findChildren(QLabel):
        if label.property(WARNING_PROPERTY):
            assert warning_colour(palette) in label.styleSheet()
    for screen in screens[1:]:
        screen.close()
    assert app is not None


def test_first_run_and_unlock_pages_are_keyboard_reachable(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.lock()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.unlock_page and not window.worker.busy,
                    timeout=WAIT_MS)
    expected = focusable(window)
    assert window.unlock_page.passphrase in expected and window.unlock_page.unlock_button in expected
    seen = tab_through(qtbot, window, window.unlock_page.passphrase)
    assert [describe(w) for w in expected if w not in seen] == []

    window.vault_path = tmp_path / "new" / "vault.cvault"
    window.show_first_run()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.first_run, timeout=WAIT_MS)
    qtbot.wait(100)
    expected = focusable(window)
    assert window.first_run.create_button in expected and window.first_run.passphrase in expected
    seen = tab_through(qtbot, window, window.first_run.location)
    assert [describe(w) for w in expected if w not in seen] == []

"""The main window: a stack of pages (first run, unlock, workspace) and the app's menus.

Extension points for other features (keep these names stable):

- ``add_person_tab(title, factory)``: ``factory(worker)`` returns a widget shown as a tab of
  the person detail pane. The widget must have ``set_person(person_uuid: str | None)`` and
  ``clear()``; ``clear()`` is called on lock and must drop every piece of personal data.
- ``add_menu_action(menu, action)``: put a ``QAction`` in the "Vault", "People", "Tools" or
  "Help" menu (another name creates a new menu before Help).
- ``add_sidebar_view(title, factory, icon)``: ``factory(worker)`` returns a widget shown in
  the main area when its sidebar entry is chosen; it is cleared on lock like a person tab.
- ``register_clearable(obj)``: anything else holding personal data gets ``obj.clear()`` on lock.
- Signals ``locked``, ``unlocked(VaultInfo)`` and ``person_selected(uuid | None)``;
  ``current_person_uuid()``; ``worker.notify_changed(uuid)`` after a write refreshes the views.

How a feature does its work (the operations layer): vault work goes through
``worker.call(fn, on_result, on_error, context=widget)`` (or ``worker.call_with_progress`` for
long, cancellable work), with the widget that owns the callbacks as ``context``, so a closed
dialog never gets a late callback. Messages, yes/no questions and file choices go through
``ui.notifier.notifier()``, never through ``QMessageBox`` or ``QFileDialog`` directly.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QProgressDialog,
    QStackedWidget,
    QWidget,
)

from vault import paths
from vault.atomic import sweep_staging
from vault.errors import VaultError
from vault.store import CheckReport, Vault

from .activity_tab import ActivityTab
from .clipboard import SecureClipboard
from .documents_tab import DocumentsTab
from .first_run_page import FirstRunPage
from .icons import app_icon, icon
from .locking import IdleWatcher, ScreenLockWatcher
from .notifier import notifier
from .passphrase_dialog import ChangePassphraseDialog
from .person_dialog import PersonDialog
from .profile_tab import ProfileTab
from .settings import UiSettings
from .settings_dialog import SettingsDialog
from .theme import apply_theme
from .unlock_page import UnlockPage
from .worker import VaultInfo, VaultWorker
from .workspace import Workspace

APP_TITLE = "Contact Vault"
MENUS = ("Vault", "People", "Tools", "Help")


class MainWindow(QMainWindow):
    locked = Signal()
    unlocked = Signal(object)  # VaultInfo
    person_selected = Signal(object)  # str | None

    def __init__(self, worker: VaultWorker | None = None, *, settings: UiSettings | None = None,
                 vault_path: Path | None = None) -> None:
        super().__init__()
        from .accessibility import install as install_accessibility

        install_accessibility()  # Tab leaves lists and text areas; icon-only buttons get names
        self.worker = worker or VaultWorker(self)
        self.settings = settings or UiSettings()
        self.vault_path = vault_path or paths.resolve_vault_path()
        self._clearables: list[Any] = []
        self._progress: QProgressDialog | None = None
        self.person_dialog: PersonDialog | None = None
        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(app_icon())
        self.resize(1240, 780)

        self.clipboard = SecureClipboard(self, self.settings.clipboard_seconds)
        self.idle = IdleWatcher(self)
        self.idle.set_minutes(self.settings.auto_lock_minutes)
        self.idle.idle.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
        self.screen_lock = ScreenLockWatcher(self)
        self.screen_lock.screen_locked.connect(self.lock)

        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.first_run = FirstRunPage(self.worker)
        self.first_run.created.connect(self._on_unlocked)
        self.first_run.open_existing.connect(self._open_existing_from_first_run)
        self.unlock_page = UnlockPage(self.worker)
        self.unlock_page.unlocked.connect(self._on_unlocked)
        self.unlock_page.create_requested.connect(self.show_first_run)
        self.workspace = Workspace(self.worker)
        self.workspace.person_selected.connect(self.person_selected)
        self.workspace.detail.edit_requested.connect(self.edit_person)
        for page in (self.first_run, self.unlock_page, self.workspace):
            self.stack.addWidget(page)

        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.hide()
        self.vault_label = QLabel()
        # Shown while the vault could only be opened read-only (file or folder not writable).
        self.readonly_notice = QLabel("Read-only: changes cannot be saved to this vault file")
        self.readonly_notice.setObjectName("readonlyNotice")
        self.readonly_notice.setStyleSheet("QLabel#readonlyNotice { font-weight: bold; padding: 0 8px; }")
        self.readonly_notice.setToolTip("The vault file or its folder is not writable here. You can read and "
                                        "search; adding, editing, sharing and changing the passphrase are "
                                        "refused.")
        self.readonly_notice.hide()
        self.statusBar().addPermanentWidget(self.readonly_notice)
        self.statusBar().addPermanentWidget(self.busy_bar)
        self.statusBar().addPermanentWidget(self.vault_label)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(300)
        self._busy_timer.timeout.connect(lambda: self.busy_bar.setVisible(self.is_unlocked and self.worker.busy))
        self.worker.busy_changed.connect(self._busy_changed)
        self.worker.failed.connect(self.show_error)

        self._menus: dict[str, QMenu] = {}
        self._vault_actions: list[QAction] = []
        self._build_menus()

        self.add_person_tab("Profile", lambda w: ProfileTab(w, self.clipboard))
        self.add_person_tab("Documents", DocumentsTab)
        self.add_person_tab("Activity", ActivityTab)
        from .sharing import install as install_sharing

        self.sharing = install_sharing(self)
        from .contacts import install as install_contacts

        self.contacts = install_contacts(self)
        from .audit_viewer import install as install_audit_viewer

        self.audit_viewer_action = install_audit_viewer(self)
        self._set_unlocked_actions(False)

    # --- extension points -------------------------------------------------------------------

    def add_person_tab(self, title: str, factory: Callable[[VaultWorker], QWidget]) -> QWidget:
        """Add a tab to the person detail pane (see the module docstring for the protocol)."""
        widget = factory(self.worker)
        self.workspace.detail.add_tab(title, widget)
        self._clearables.append(widget)
        return widget

    def add_menu_action(self, menu: str, action: QAction) -> None:
        """Put ``action`` into one of the menus (created before Help when it is new)."""
        target = self._menus.get(menu)
        if target is None:
            target = QMenu(menu, self)
            self.menuBar().insertMenu(self._menus["Help"].menuAction(), target)
            self._menus[menu] = target
        target.addAction(action)
        self.addAction(action)  # shortcuts work whatever has focus

    def add_sidebar_view(self, title: str, factory: Callable[[VaultWorker], QWidget],
                         view_icon: QIcon | None = None) -> QWidget:
        """A sidebar entry that shows ``factory(worker)`` in the main area; cleared on lock."""
        widget = factory(self.worker)
        self.workspace.add_view(title, widget, view_icon)
        return widget

    def register_clearable(self, obj: Any) -> None:
        """``obj.clear()`` is called on every lock."""
        self._clearables.append(obj)

    def current_person_uuid(self) -> str | None:
        return self.workspace.selected_uuid

    def menu(self, name: str) -> QMenu:
        return self._menus[name]

    # --- menus ------------------------------------------------------------------------------

    def _action(self, text: str, icon_name: str | None, slot: Callable[[], Any],
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None, *, needs_vault: bool = True) -> QAction:
        action = QAction(icon(icon_name) if icon_name else QIcon(), text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        if needs_vault:
            self._vault_actions.append(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        for name in MENUS:
            self._menus[name] = bar.addMenu(f"&{name}")
        vault_menu, people, tools, help_menu = (self._menus[n] for n in MENUS)
        self.lock_action = self._action("&Lock", "lock", self.lock, QKeySequence("Ctrl+L"))
        self.backup_action = self._action("&Backup…", "backup", self.backup)
        self.passphrase_action = self._action("Change &passphrase…", "key", self.change_passphrase)
        self.check_action = self._action("&Check vault…", "check", self.check_vault)
        self.quit_action = self._action("&Quit", "quit", self.close, QKeySequence.StandardKey.Quit,
                                        needs_vault=False)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        for action in (self.lock_action, None, self.backup_action, self.passphrase_action, self.check_action,
                       None, self.quit_action):
            vault_menu.addSeparator() if action is None else vault_menu.addAction(action)
        self.new_person_action = self._action("&New person…", "person-add", self.new_person,
                                              QKeySequence("Ctrl+N"))
        self.edit_person_action = self._action("&Edit person…", "edit", lambda: self.edit_person(None),
                                               QKeySequence("Ctrl+E"))
        self.find_action = self._action("&Find", "search", self.focus_search, QKeySequence("Ctrl+F"))
        for action in (self.new_person_action, self.edit_person_action, self.find_action):
            people.addAction(action)
        self.settings_action = self._action("&Settings…", "settings", self.open_settings,
                                            QKeySequence("Ctrl+,"), needs_vault=False)
        tools.addAction(self.settings_action)
        self.about_action = self._action("&About Contact Vault", "about", self.about, needs_vault=False)
        help_menu.addAction(self.about_action)
        for action in (*self._vault_actions, self.quit_action, self.settings_action):
            self.addAction(action)

    def _set_unlocked_actions(self, unlocked: bool) -> None:
        for action in self._vault_actions:
            action.setEnabled(unlocked)

    # --- pages ------------------------------------------------------------------------------

    def start(self) -> None:
        """Show the first page: unlock when the vault exists (trying a remembered key), else first run."""
        apply_theme(QApplication.instance(), self.settings.theme)  # type: ignore[arg-type]
        sweep_staging()  # temp files that a killed command or window left behind
        if self.vault_path.exists():
            self.show_unlock()
            if self.unlock_page.allow_remembered:
                self.unlock_page.unlock_with_remembered_key()
        else:
            self.show_first_run()

    def show_first_run(self) -> None:
        location = self.vault_path if not self.vault_path.exists() else paths.default_vault_path()
        if location.exists():
            location = location.with_name("new-vault.cvault")
        self.first_run.prepare(location)
        self.stack.setCurrentWidget(self.first_run)
        self.setWindowTitle(f"{APP_TITLE} — create a vault")

    def show_unlock(self, message: str = "") -> None:
        self.unlock_page.prepare(self.vault_path, message)
        self.stack.setCurrentWidget(self.unlock_page)
        self.setWindowTitle(APP_TITLE)
        self.unlock_page.passphrase.setFocus()

    def _open_existing_from_first_run(self) -> None:
        path = notifier().choose_open_file(self, "Open a vault", str(self.vault_path.parent),
                                           "Contact Vault (*.cvault);;All files (*)")
        if path:
            self.vault_path = Path(path)
            self.show_unlock()

    def _on_unlocked(self, info: VaultInfo) -> None:
        self.vault_path = info.path
        self.unlock_page.allow_remembered = False
        self.stack.setCurrentWidget(self.workspace)
        self.setWindowTitle(f"{APP_TITLE} — {info.path.name}" + (" (read-only)" if info.readonly else ""))
        self.vault_label.setText(f"{info.owner_name} · {info.path.name}")
        self.vault_label.setToolTip(f"{info.path}\nOwner key {info.fingerprint}")
        self.readonly_notice.setVisible(info.readonly)
        self._set_unlocked_actions(True)
        self.workspace.start()
        self.workspace.table.setFocus()
        self.idle.start()
        if info.trail_warning:
            self.show_error(info.trail_warning)
        self.unlocked.emit(info)

    @property
    def is_unlocked(self) -> bool:
        return self.stack.currentWidget() is self.workspace

    # --- locking ----------------------------------------------------------------------------

    def lock(self) -> None:
        """Close dialogs, empty every model and widget holding personal data, close the vault."""
        if not self.is_unlocked:
            return
        self.idle.stop()
        popup = QApplication.activePopupWidget()
        if popup is not None:
            popup.close()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()
                widget.close()
        self._close_progress()
        self.workspace.clear()
        for obj in self._clearables:
            obj.clear()
        self.clipboard.clear_if_ours()
        self.statusBar().clearMessage()
        self.vault_label.clear()
        self.readonly_notice.hide()
        self._set_unlocked_actions(False)
        self.worker.lock()
        self.show_unlock("The vault is locked.")
        self.locked.emit()

    # --- people -----------------------------------------------------------------------------

    def new_person(self) -> None:
        if not self.is_unlocked:
            return
        dialog = PersonDialog(self.worker, parent=self)
        dialog.saved.connect(self.workspace.show_person)
        dialog.open_existing.connect(self.workspace.show_person)
        self._show_person_dialog(dialog)

    def edit_person(self, person_uuid: str | None = None) -> None:
        person_uuid = person_uuid or self.current_person_uuid()
        if not person_uuid or not self.is_unlocked:
            return

        def show(person: Any) -> None:
            if not self.is_unlocked:
                return
            self._show_person_dialog(PersonDialog(self.worker, person, parent=self))

        self.worker.call(lambda v: v.people.get(person_uuid), show, context=self)

    def _show_person_dialog(self, dialog: PersonDialog) -> None:
        """Open non-blocking (window-modal); ``person_dialog`` is the open one, for tests."""
        self.person_dialog = dialog
        dialog.finished.connect(lambda _result: self._forget_person_dialog(dialog))
        dialog.open()

    def _forget_person_dialog(self, dialog: PersonDialog) -> None:
        if self.person_dialog is dialog:
            self.person_dialog = None

    def focus_search(self) -> None:
        if self.is_unlocked:
            self.workspace.main_stack.setCurrentIndex(0)
            self.workspace.search.setFocus()
            self.workspace.search.selectAll()

    # --- long work --------------------------------------------------------------------------

    def run_with_progress(self, label: str, fn: Callable[[Vault], Any],
                          on_result: Callable[[Any], None] | None = None,
                          on_error: Callable[[VaultError], bool] | None = None) -> None:
        """Run ``fn`` on the worker behind a moving progress dialog; errors become one sentence
        (unless ``on_error`` returns True: it handled the error, e.g. by asking the user)."""
        self._close_progress()
        progress = QProgressDialog(label, "", 0, 0, self)
        progress.setCancelButton(None)
        progress.setWindowTitle(APP_TITLE)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.show()
        self._progress = progress

        def done(value: Any) -> None:
            self._close_progress()
            if on_result is not None:
                on_result(value)

        def failed(error: VaultError) -> None:
            self._close_progress()
            if on_error is not None and on_error(error):
                return
            self.show_error(str(error))

        self.worker.call(fn, done, failed, context=self)

    def _close_progress(self) -> None:
        if self._progress is not None:
            self._progress.close()
            self._progress.deleteLater()
            self._progress = None

    def backup(self, path: str | Path | None = None) -> None:
        """Back up to ``path`` (asked for when not given) behind a progress dialog."""
        if path is None:
            suggestion = self.vault_path.with_name(f"{self.vault_path.stem}-backup.cvault")
            path = notifier().choose_save_file(self, "Back up the vault to", str(suggestion),
                                               "Contact Vault (*.cvault)")
        if path:
            self.run_with_progress("Writing and verifying the backup…", lambda v: v.backup(path),
                                   lambda p: self.statusBar().showMessage(f"Backup written and verified: {p}", 8000))

    def change_passphrase(self) -> None:
        dialog = ChangePassphraseDialog(self.worker, self)
        dialog.done_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        dialog.open()
        self.passphrase_dialog = dialog

    def check_vault(self) -> None:
        def report(result: CheckReport) -> None:
            if result.ok:
                notifier().info(self, "The vault is healthy: both integrity checks passed "
                                f"and the audit trail is {result.chain.describe()}.")
            else:
                notifier().warning(self, "The check found problems:\n• " + "\n• ".join(result.problems))

        self.run_with_progress("Checking the vault…", lambda v: v.check(), report)

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.worker, self.settings, self)
        dialog.accepted.connect(self.apply_settings)
        dialog.open()
        self.settings_dialog = dialog

    def apply_settings(self) -> None:
        self.idle.set_minutes(self.settings.auto_lock_minutes)
        if self.is_unlocked:
            self.idle.start()
        self.clipboard.clear_after_seconds = self.settings.clipboard_seconds
        apply_theme(QApplication.instance(), self.settings.theme)  # type: ignore[arg-type]

    def about(self) -> None:
        notifier().about(self, "<h3>Contact Vault</h3><p>An offline, encrypted vault for recruiters: people, "
                        "contact details and resumes, shared only with the person's authorisation, with an "
                        "audit trail nobody can quietly edit.</p>", title=f"About {APP_TITLE}")

    # --- feedback ---------------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        """One sentence in a window-modal box that does not block the caller."""
        notifier().error(self, message)

    def _busy_changed(self, busy: bool) -> None:
        """Show the busy bar only for work that takes a moment (no flicker on quick reads)."""
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy_bar.hide()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.clipboard.clear_if_ours()
        self.idle.stop()
        self.worker.shutdown()
        super().closeEvent(event)

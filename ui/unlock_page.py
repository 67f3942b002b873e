"""The unlock page: a page of the main window's stack, never a modal dialog.

The key derivation runs on the worker thread while a busy bar moves. A wrong passphrase
clears the field and says so; a damaged vault gets its own message and an offer to open a
backup instead.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vault import remember
from vault.config import AppConfig
from vault.errors import SchemaTooNew, VaultDamaged, VaultError, VaultNotFound, WrongPassphrase

from .field_errors import error_label
from .icons import app_icon, icon
from .notifier import notifier
from .worker import VaultInfo, VaultWorker


class UnlockPage(QWidget):
    """Unlocks the vault at ``path``; ``unlocked`` says when it is open.

    Public interface (the main window, the demo mode and the tests use only this):
    ``prepare(path, notice)``, ``submit()`` (the typed passphrase), ``unlock_with_key(raw_key)``,
    ``unlock_with_remembered_key()``, and the signals below.
    """

    #: Emitted with the ``VaultInfo`` of the vault just opened, after the page has reset itself.
    unlocked = Signal(object)
    create_requested = Signal()

    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.path: Path | None = None
        #: A remembered key is used once, at start-up; after a lock the passphrase is needed.
        self.allow_remembered = True
        self._keyring_available = False
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        panel = QFrame()
        panel.setMinimumWidth(420)
        panel.setMaximumWidth(520)
        outer.addSpacing(48)
        outer.addWidget(panel)
        outer.addStretch(1)
        layout = QVBoxLayout(panel)

        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(logo)
        heading = QLabel("<h2>Unlock Contact Vault</h2>")
        heading.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(heading)
        self.path_label = QLabel()
        self.path_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.path_label.setWordWrap(True)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.path_label)
        layout.addSpacing(8)

        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("Passphrase")
        self.passphrase.returnPressed.connect(self.submit)
        layout.addWidget(self.passphrase)
        self.remember = QCheckBox("Remember on this computer")
        layout.addWidget(self.remember)
        self.remember_reason = QLabel()
        self.remember_reason.setWordWrap(True)
        self.remember_reason.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.remember_reason)

        self.notice = QLabel()
        self.notice.setWordWrap(True)  # the keyring notice runs to two lines
        self.notice.setStyleSheet("color: palette(placeholder-text);")
        self.notice.hide()
        layout.addWidget(self.notice)
        self.message = error_label()
        layout.addWidget(self.message)
        self.backup_button = QPushButton(icon("backup"), "Open a backup…")
        self.backup_button.clicked.connect(self._open_backup)
        self.backup_button.hide()
        layout.addWidget(self.backup_button)

        row = QHBoxLayout()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(140)
        self.busy.hide()
        self.busy_label = QLabel("Unlocking…")
        self.busy_label.hide()
        self.remembered_button = QPushButton("Use the remembered key")
        self.remembered_button.clicked.connect(self.unlock_with_remembered_key)
        self.remembered_button.hide()
        self.unlock_button = QPushButton(icon("lock"), "Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.submit)
        row.addWidget(self.busy)
        row.addWidget(self.busy_label)
        row.addStretch(1)
        row.addWidget(self.remembered_button)
        row.addWidget(self.unlock_button)
        layout.addLayout(row)

        layout.addSpacing(16)
        layout.addWidget(QLabel("<b>Recent vaults</b>"))
        self.recent = QListWidget()
        self.recent.setMaximumHeight(110)
        self.recent.itemActivated.connect(self._recent_chosen)
        self.recent.itemClicked.connect(self._recent_chosen)
        layout.addWidget(self.recent)
        others = QHBoxLayout()
        self.other_button = QPushButton(icon("folder"), "Open another vault…")
        self.other_button.clicked.connect(self._open_other)
        self.create_button = QPushButton("Create a new vault…")
        self.create_button.clicked.connect(self.create_requested)
        others.addWidget(self.other_button)
        others.addStretch(1)
        others.addWidget(self.create_button)
        layout.addLayout(others)

    # --- state ------------------------------------------------------------------------------

    def prepare(self, path: Path, notice: str = "") -> None:
        """Show the page for the vault at ``path``, with a neutral ``notice`` (e.g. "locked")."""
        self.path = path
        self.path_label.setText(str(path))
        self.passphrase.clear()
        self.message.hide()
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))
        self.backup_button.hide()
        state = remember.status()  # asked once per showing: the keyring may be slow to answer
        self._keyring_available = state.available
        self.remember.setEnabled(state.available)
        self.remember.setChecked(False)
        self.remember_reason.setText("" if state.available else f"Remember on this computer is not "
                                     f"available: {state.reason}.")
        self.remember_reason.setVisible(not state.available)
        self.remembered_button.setVisible(self.allow_remembered and self._remembered_key() is not None)
        config = self.worker.config or AppConfig()
        if not notice and remember.lost(config.vault_uuid(path), config):
            # Remembered before, but the keyring is locked or the entry was removed: say so.
            self.notice.setText("This computer was set to remember this vault, but the key is no longer in "
                                "the system keyring (it may be locked, or the entry was removed). Type the "
                                "passphrase.")
            self.notice.show()
        self._fill_recent()
        self._set_busy(False)
        self.passphrase.setFocus()

    def _fill_recent(self) -> None:
        self.recent.clear()
        for path in (self.worker.config or AppConfig()).recent():
            item = QListWidgetItem(icon("lock"), str(path))
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            if not path.exists():
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setToolTip("This file is no longer there.")
            self.recent.addItem(item)

    def _remembered_key(self) -> bytes | None:
        if self.path is None:
            return None
        uuid = (self.worker.config or AppConfig()).vault_uuid(self.path)
        return remember.recall(uuid)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.busy_label.setVisible(busy)
        for widget in (self.passphrase, self.unlock_button, self.other_button, self.create_button,
                       self.recent, self.remembered_button):
            widget.setEnabled(not busy)
        self.remember.setEnabled(not busy and self._keyring_available)

    # --- unlocking --------------------------------------------------------------------------

    def submit(self) -> None:
        if self.path is None or not self.busy.isHidden():
            return
        passphrase = self.passphrase.text()
        if not passphrase:
            self._show_message("Type the vault's passphrase.")
            return
        self._set_busy(True)
        self.message.hide()
        self.worker.open(self.path, passphrase, remember_key=self.remember.isChecked(),
                         on_result=self._opened, on_error=self._failed, context=self)

    def unlock_with_key(self, raw_key: bytes) -> None:
        """Unlock with a key derived elsewhere (the demo vault's, or a test's, skipping the KDF).

        Success and failure are reported exactly as for a typed passphrase: ``unlocked`` is
        emitted, or the page shows the error.
        """
        if self.path is None:
            return
        self._set_busy(True)
        self.message.hide()
        self.worker.open(self.path, raw_key=raw_key, on_result=self._opened, on_error=self._failed, context=self)

    def unlock_with_remembered_key(self) -> bool:
        """Try the key kept in the keyring; False when there is none."""
        key = self._remembered_key()
        if key is None or self.path is None:
            return False
        self._set_busy(True)
        self.worker.open(self.path, raw_key=key, on_result=self._opened, on_error=self._remembered_failed,
                         context=self)
        return True

    def _opened(self, info: VaultInfo) -> None:
        self.passphrase.clear()
        self._set_busy(False)
        self.message.hide()
        self.unlocked.emit(info)

    def _remembered_failed(self, error: VaultError) -> None:
        self._set_busy(False)
        if isinstance(error, WrongPassphrase):
            self._show_message("The remembered key no longer opens this vault; type the passphrase.")
            self.remembered_button.hide()
            return
        self._failed(error)

    def _failed(self, error: VaultError) -> None:
        self._set_busy(False)
        self.passphrase.clear()
        self.passphrase.setFocus()
        if isinstance(error, WrongPassphrase):
            self._show_message("That passphrase is not correct. Check Caps Lock and try again.")
        elif isinstance(error, VaultDamaged):
            self._show_message(f"This vault file cannot be read: {error.reason}. Your data is not lost if "
                               "you have a backup — open it instead.")
            latest = self._latest_backup()
            self.backup_button.setText(f"Open the latest backup ({latest.name})" if latest else "Open a backup…")
            self.backup_button.show()
        elif isinstance(error, VaultNotFound | SchemaTooNew):
            self._show_message(str(error))
        else:
            self._show_message(str(error))

    def _show_message(self, text: str) -> None:
        self.notice.hide()
        self.message.setText(text)
        self.message.show()

    # --- other vaults -----------------------------------------------------------------------

    def _recent_chosen(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if path and Path(path).exists():
            self.prepare(Path(path))

    def _open_other(self) -> None:
        path = notifier().choose_open_file(self, "Open a vault", str(self.path.parent if self.path else ""),
                                           "Contact Vault (*.cvault);;All files (*)")
        if path:
            self.prepare(Path(path))

    def _latest_backup(self) -> Path | None:
        if self.path is None:
            return None
        return (self.worker.config or AppConfig()).latest_backup(self.path)

    def _open_backup(self) -> None:
        latest = self._latest_backup()
        if latest is not None:
            self.prepare(latest)
            return
        start = str(self.path.parent) if self.path else ""
        path = notifier().choose_open_file(self, "Open a backup of the vault", start,
                                           "Vault backups (*.cvault *.bak);;All files (*)")
        if path:
            self.prepare(Path(path))

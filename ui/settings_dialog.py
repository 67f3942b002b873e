"""Settings: auto-lock, clipboard clearing, remember on this computer, theme.

UI preferences only. "Remember on this computer" acts on the keyring directly (the derived
key of the open vault goes in, or is removed); the keyring's state is said in words.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from vault import remember
from vault.errors import VaultError
from vault.store import Vault

from .field_errors import error_label
from .settings import THEMES, UiSettings
from .worker import VaultWorker

THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


class SettingsDialog(QDialog):
    def __init__(self, worker: VaultWorker, settings: UiSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.worker = worker
        self.settings = settings
        self.setWindowTitle("Settings")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.auto_lock = QSpinBox()
        self.auto_lock.setRange(0, 24 * 60)
        self.auto_lock.setSuffix(" min")
        self.auto_lock.setSpecialValueText("Never")
        self.auto_lock.setValue(settings.auto_lock_minutes)
        form.addRow("Lock after idle:", self.auto_lock)
        self.clipboard = QSpinBox()
        self.clipboard.setRange(5, 600)
        self.clipboard.setSuffix(" s")
        self.clipboard.setValue(settings.clipboard_seconds)
        form.addRow("Clear copied details after:", self.clipboard)
        self.theme = QComboBox()
        for key in THEMES:
            self.theme.addItem(THEME_LABELS[key], key)
        self.theme.setCurrentIndex(self.theme.findData(settings.theme))
        form.addRow("Theme:", self.theme)

        state = remember.status()
        info = worker.info
        self.remember = QCheckBox("Remember this vault on this computer")
        self.remember.setChecked(bool(info and info.remembered))
        self.remember.setEnabled(state.available and info is not None)
        self.keyring_status = QLabel(f"System keyring: {state.describe()}.")
        self.keyring_status.setWordWrap(True)
        if not info:
            self.keyring_status.setText(self.keyring_status.text() + " Unlock a vault to change this.")
        form.addRow("", self.remember)
        form.addRow("", self.keyring_status)
        layout.addLayout(form)
        note = QLabel("These are preferences of this app on this computer; no secret and nothing about "
                      "the people in the vault is stored with them.")
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(note)
        self.message = error_label()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def save(self) -> None:
        self.settings.auto_lock_minutes = self.auto_lock.value()
        self.settings.clipboard_seconds = self.clipboard.value()
        self.settings.theme = self.theme.currentData()
        self.settings.sync()
        info = self.worker.info
        wanted = self.remember.isChecked()
        if info is None or not self.remember.isEnabled() or wanted == info.remembered:
            self.accept()
            return

        config = self.worker.config

        def apply(vault: Vault) -> bool:
            if wanted:
                remember.remember(vault.uuid, vault.raw_key, config)
            else:
                remember.forget(vault.uuid, config)
            return wanted

        self.buttons.setEnabled(False)
        self.worker.call(apply, self._remember_done, self._failed, context=self)

    def _remember_done(self, remembered: bool) -> None:
        from dataclasses import replace

        if self.worker.info is not None:
            self.worker.info = replace(self.worker.info, remembered=remembered)
        self.accept()

    def _failed(self, error: VaultError) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(str(error))
        self.message.show()

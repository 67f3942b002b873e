"""Change the passphrase: the core re-keys into a verified copy and swaps it in atomically."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from vault.errors import ValidationError, VaultError

from .field_errors import FieldErrors, error_label
from .strength import estimate
from .worker import VaultWorker


class ChangePassphraseDialog(QDialog):
    done_message = Signal(str)

    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.worker = worker
        self.setWindowTitle("Change passphrase")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        intro = QLabel("The vault is copied under the new passphrase, the copy is verified, and only then "
                       "does it replace the old file. A lost passphrase cannot be recovered.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.general_error = error_label()
        self.errors = FieldErrors(self.general_error)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.textChanged.connect(lambda text: self.strength.setText(estimate(text).label))
        self.strength: QLabel = QLabel()
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("New passphrase:", self.passphrase)
        form.addRow("Strength:", self.strength)
        form.addRow("", self.errors.register("passphrase", self.passphrase))
        form.addRow("Confirm:", self.confirm)
        form.addRow("", self.errors.register("confirm", self.confirm))
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.hide()
        layout.addWidget(self.busy)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def submit(self) -> None:
        self.errors.clear()
        new = self.passphrase.text()
        if new != self.confirm.text():
            self.errors.show(ValidationError("confirm", "the two passphrases differ"))
            return
        self.buttons.setEnabled(False)
        self.busy.show()
        self.worker.call(lambda v: v.change_passphrase(new), self._done, self._failed, context=self)

    def _done(self, _: object) -> None:
        self.busy.hide()
        self.done_message.emit("The passphrase was changed and the vault re-encrypted.")
        self.accept()

    def _failed(self, error: VaultError) -> None:
        self.busy.hide()
        self.buttons.setEnabled(True)
        self.errors.show(error)

    def reject(self) -> None:
        self.passphrase.clear()
        self.confirm.clear()
        super().reject()

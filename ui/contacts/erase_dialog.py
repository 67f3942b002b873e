"""Erasure with typed confirmation: the Erase button wakes only once the person's name is typed."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.worker import VaultWorker
from vault.privacy import ErasureReport


class EraseDialog(QDialog):
    erased = Signal(object)  # ErasureReport

    def __init__(self, worker: VaultWorker, person_uuid: str, full_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.person_uuid = person_uuid
        self.full_name = full_name
        self.report: ErasureReport | None = None
        self.setWindowTitle("Erase person")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>Erase {full_name} for good?</b><br><br>Their record, contact points, documents, authorisations, "
            "shares, outreach log and search entries are deleted and overwritten. The audit trail keeps only "
            "their random id. This cannot be undone.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.suppress = QCheckBox("Keep them out of future imports (store keyed hashes of their e-mails and phones)")
        self.suppress.setChecked(True)
        layout.addWidget(self.suppress)
        prompt = QLabel(f"Type their full name to confirm: <b>{full_name}</b>")
        layout.addWidget(prompt)
        self.confirm = QLineEdit()
        self.confirm.setPlaceholderText(full_name)
        self.confirm.setAccessibleName("Type the person's full name to confirm")
        prompt.setBuddy(self.confirm)
        layout.addWidget(self.confirm)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.erase_button = QPushButton("Erase for good")
        self.erase_button.setEnabled(False)
        self.buttons.addButton(self.erase_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.buttons.rejected.connect(self.reject)
        self.erase_button.clicked.connect(self.erase)
        layout.addWidget(self.buttons)
        self.confirm.textChanged.connect(self._typed)
        self.resize(520, 260)

    def _typed(self, text: str) -> None:
        self.erase_button.setEnabled(" ".join(text.split()) == " ".join(self.full_name.split()))

    def erase(self) -> None:
        if not self.erase_button.isEnabled():
            return
        self.erase_button.setEnabled(False)
        self.confirm.setEnabled(False)
        self.status.setText("Erasing…")
        person_uuid, suppress = self.person_uuid, self.suppress.isChecked()

        def done(report: ErasureReport) -> None:
            self.report = report
            self.worker.notify_changed("")
            self.erased.emit(report)
            self.accept()

        def failed(error: Exception) -> None:
            self.status.setText(str(error))
            self.confirm.setEnabled(True)
            self._typed(self.confirm.text())

        self.worker.call(lambda v: v.privacy.erase(person_uuid, suppress=suppress), done, failed, context=self)

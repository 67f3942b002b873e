"""The recipients manager: the people and firms packages go to, with their public keys.

Once an authorisation or share names a recipient, the core refuses to change their name, e-mail
or organisation; "Save as a new record" records such a change as a record that supersedes the
old one (which stays, for the consent given to it).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.field_errors import error_label
from ui.worker import VaultWorker
from vault.errors import VaultError
from vault.recipients import Organisation, Recipient
from vault.store import Vault

from .common import fill, read_only_table, selected_key


class RecipientsDialog(QDialog):
    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.recipients: dict[str, Recipient] = {}
        self.editing: str | None = None
        self.setWindowTitle("Recipients")
        self.resize(760, 520)
        layout = QVBoxLayout(self)
        self.table = read_only_table(("Name", "Organisation", "E-mail", "Key"), stretch=0)
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        self.name = QLineEdit()
        self.email = QLineEdit()
        self.organisation = QComboBox()
        self.organisation.setEditable(True)
        self.public_key = QPlainTextEdit()
        self.public_key.setPlaceholderText("Their minisign public key (optional), to verify what they send you")
        self.public_key.setMaximumHeight(60)
        self.notes = QLineEdit()
        form.addRow("Name", self.name)
        form.addRow("E-mail", self.email)
        form.addRow("Organisation", self.organisation)
        form.addRow("Public key", self.public_key)
        form.addRow("Notes", self.notes)
        layout.addLayout(form)
        self.message = error_label()
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.new_button = QPushButton("New")
        self.new_button.clicked.connect(self.new)
        self.save_button = QPushButton("Save recipient")
        self.save_button.clicked.connect(self.save)
        self.supersede_button = QPushButton("Save as a new record")
        self.supersede_button.setToolTip("The recipient changed name, e-mail or firm: keep the old record for the "
                                         "consent given to it, and add this one in its place")
        self.supersede_button.clicked.connect(lambda: self.save(supersede=True))
        self.supersede_button.setEnabled(False)
        row.addWidget(self.new_button)
        row.addWidget(self.save_button)
        row.addWidget(self.supersede_button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row.addWidget(close)
        layout.addLayout(row)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        def show(data: tuple[list[Recipient], list[Organisation]]) -> None:
            recipients, organisations = data
            self.recipients = {r.uuid: r for r in recipients}
            fill(self.table, [[r.name, r.organisation, r.email, "yes" if r.public_key else ""] for r in recipients],
                 [r.uuid for r in recipients])
            text = self.organisation.currentText()
            self.organisation.clear()
            self.organisation.addItems(["", *[o.name for o in organisations]])
            self.organisation.setCurrentText(text)
            if select:
                for row in range(self.table.rowCount()):
                    if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == select:  # type: ignore[union-attr]  # filled
                        self.table.selectRow(row)

        self.worker.call(lambda v: (v.recipients.list(), v.recipients.organisations()), show, self._failed,
                         context=self)

    def _selected(self) -> None:
        # Only a selected row is edited: the current row survives clearSelection() (New), and
        # reading it made New + Save rename the row that had been selected.
        if not self.table.selectedItems():
            return
        key = selected_key(self.table)
        rec = self.recipients.get(key or "")
        if rec is None:
            return
        self.editing = rec.uuid
        self.supersede_button.setEnabled(True)
        self.name.setText(rec.name)
        self.email.setText(rec.email)
        self.organisation.setCurrentText(rec.organisation)
        self.public_key.setPlainText(rec.public_key)
        self.notes.setText(rec.notes)

    def new(self) -> None:
        self.editing = None
        self.supersede_button.setEnabled(False)
        self.table.clearSelection()
        self.table.setCurrentCell(-1, -1)
        self.message.hide()
        for widget in (self.name, self.email, self.notes):
            widget.clear()
        self.public_key.clear()
        self.organisation.setCurrentText("")
        self.name.setFocus()

    def save(self, supersede: bool = False) -> None:
        editing = self.editing
        name, email = self.name.text(), self.email.text()
        organisation, key, notes = self.organisation.currentText(), self.public_key.toPlainText(), self.notes.text()

        def write(v: Vault) -> Recipient:
            if editing and supersede:
                return v.recipients.supersede(editing, name=name, email=email, organisation=organisation,
                                              public_key=key, notes=notes)
            if editing:
                return v.recipients.update(editing, name=name, email=email, organisation=organisation,
                                           public_key=key, notes=notes)
            return v.recipients.add(name, email=email, organisation=organisation or None, public_key=key,
                                    notes=notes)

        def done(rec: Recipient) -> None:
            self.message.hide()
            self.editing = rec.uuid
            self.reload(rec.uuid)

        self.worker.call(write, done, self._failed, context=self)

    def _failed(self, error: VaultError) -> None:
        self.message.setText(str(error))
        self.message.show()

    def clear(self) -> None:
        self.recipients = {}
        fill(self.table, [])

"""vCard export of the chosen person or everyone: an explicit, audited plaintext file."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ui.notifier import notifier
from ui.worker import VaultWorker
from vault.vcard_export import export_vcards


class ExportDialog(QDialog):
    def __init__(self, worker: VaultWorker, person_uuid: str | None, person_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.person_uuid = person_uuid
        self.written: tuple[str, int] | None = None
        self.setWindowTitle("Export vCard")
        layout = QVBoxLayout(self)
        warning = QLabel("The file is <b>not encrypted</b>: anyone who gets it can read these contacts. "
                         "The export is recorded in the audit trail.")
        warning.setWordWrap(True)
        layout.addWidget(warning)
        form = QFormLayout()
        self.only_person = QRadioButton(f"Only {person_name}" if person_name else "Only the selected person")
        self.everyone = QRadioButton("Everyone in the vault")
        (self.only_person if person_uuid else self.everyone).setChecked(True)
        self.only_person.setEnabled(bool(person_uuid))
        who = QVBoxLayout()
        who.addWidget(self.only_person)
        who.addWidget(self.everyone)
        form.addRow("Who:", who)
        self.format = QComboBox()
        self.format.addItem("vCard 4.0", "vcard4")
        self.format.addItem("vCard 3.0 (older address books)", "vcard3")
        form.addRow("Format:", self.format)
        self.with_notes = QCheckBox("Include private notes (never shared otherwise)")
        form.addRow("Notes:", self.with_notes)
        row = QHBoxLayout()
        self.path = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("Save as:", row)
        layout.addLayout(form)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)

    def _browse(self) -> None:
        path = notifier().choose_save_file(self, "Export to", "contacts.vcf", "vCard (*.vcf)")
        if path:
            self.path.setText(path)

    def save(self) -> None:
        path = self.path.text().strip()
        if not path:
            self.status.setText("Choose where to save the file.")
            return
        people = [self.person_uuid] if self.only_person.isChecked() and self.person_uuid else None
        fmt = self.format.currentData()
        with_notes = self.with_notes.isChecked()

        def done(result: tuple[object, int]) -> None:
            self.written = (str(result[0]), result[1])
            self.accept()

        def failed(error: Exception) -> None:
            save.setEnabled(True)
            self.status.setText(str(error))

        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(False)  # one click, one export (and one audit event)
        self.worker.call(lambda v: export_vcards(v, people, path, fmt, with_notes=with_notes), done, failed, context=self)

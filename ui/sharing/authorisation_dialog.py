"""Log a person's authorisation: every field of docs/design.md §5, validated by the core."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.field_errors import error_label
from ui.notifier import notifier
from ui.worker import VaultWorker
from vault.authorisations import FIELDS, METHODS, Authorisation, check_new_window
from vault.errors import ValidationError, VaultError
from vault.recipients import Organisation, Recipient
from vault.store import Vault

SCOPE_LABELS = {"resume": "Resume", "email": "E-mail", "phone": "Phone", "address": "Address", "link": "Links"}


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class LogAuthorisationDialog(QDialog):
    logged = Signal(object)  # Authorisation

    def __init__(self, worker: VaultWorker, person_uuid: str, *, recipient_uuid: str | None = None,
                 scope: Sequence[str] = (), purpose: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.person_uuid = person_uuid
        self._want_recipient = recipient_uuid
        self.setWindowTitle("Log authorisation")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        intro = QLabel("Record the consent the person gave: who may receive what, for which purpose, how "
                       "and when they agreed. It cannot be edited later, only revoked.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        layout.addLayout(form)

        self.to_recipient = QRadioButton("One recipient")
        self.to_organisation = QRadioButton("Anyone at")
        self.to_recipient.setChecked(True)
        self.recipient = QComboBox()
        self.organisation = QComboBox()
        row = QHBoxLayout()
        row.addWidget(self.to_recipient)
        row.addWidget(self.recipient, 1)
        form.addRow("Who may receive", row)
        row = QHBoxLayout()
        row.addWidget(self.to_organisation)
        row.addWidget(self.organisation, 1)
        form.addRow("", row)

        self.scope_boxes: dict[str, QCheckBox] = {}
        scope_row = QHBoxLayout()
        for token in ("resume", *FIELDS):
            box = QCheckBox(SCOPE_LABELS[token])
            box.setChecked(token in scope)
            self.scope_boxes[token] = box
            scope_row.addWidget(box)
        form.addRow("What", scope_row)
        self.purpose = QLineEdit(purpose)
        self.purpose.setPlaceholderText("e.g. Staff Engineer role at Acme")
        form.addRow("Purpose", self.purpose)
        self.method = QComboBox()
        self.method.addItems(list(METHODS))
        form.addRow("How they agreed", self.method)
        today = worker.clock.now().date()
        self.obtained = QDateEdit(_qdate(today))
        self.obtained.setCalendarPopup(True)
        form.addRow("Obtained on", self.obtained)
        self.has_end = QCheckBox("Valid until")
        self.has_end.setChecked(True)
        self.valid_until = QDateEdit(_qdate(date.fromordinal(today.toordinal() + 182)))
        self.valid_until.setCalendarPopup(True)
        self.has_end.toggled.connect(self.valid_until.setEnabled)
        row = QHBoxLayout()
        row.addWidget(self.has_end)
        row.addWidget(self.valid_until, 1)
        form.addRow("Ends", row)
        self.max_uses = QSpinBox()
        self.max_uses.setRange(0, 999)
        self.max_uses.setSpecialValueText("no limit")
        form.addRow("Use limit", self.max_uses)
        self.naming = QComboBox()
        self.naming.addItem("not asked", None)
        self.naming.addItem("agreed to be named", True)
        self.naming.addItem("blind CV only (no name, no photo)", False)
        form.addRow("Named to the recipient", self.naming)
        self.evidence_note = QLineEdit()
        self.evidence_note.setPlaceholderText("e.g. agreed on the phone on 3 March")
        form.addRow("Evidence note", self.evidence_note)
        self.evidence_path: Path | None = None
        self.evidence_label = QLabel("none")
        choose = QPushButton("Choose file…")
        choose.clicked.connect(self.choose_evidence)
        row = QHBoxLayout()
        row.addWidget(self.evidence_label, 1)
        row.addWidget(choose)
        form.addRow("Evidence file", row)
        self.message = error_label()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.worker.call(lambda v: (v.recipients.list(), v.recipients.organisations()), self._loaded,
                         self._failed, context=self)

    def _loaded(self, data: tuple[list[Recipient], list[Organisation]]) -> None:
        recipients, organisations = data
        self.recipient.clear()
        for rec in recipients:
            self.recipient.addItem(rec.label, rec.uuid)
        self.organisation.clear()
        for org in organisations:
            self.organisation.addItem(org.name, org.uuid)
        if self._want_recipient:
            index = self.recipient.findData(self._want_recipient)
            if index >= 0:
                self.recipient.setCurrentIndex(index)
        if not recipients and organisations:
            self.to_organisation.setChecked(True)

    def _failed(self, error: VaultError) -> None:
        self.message.setText(str(error))
        self.message.show()
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(True)

    def choose_evidence(self) -> None:
        path = notifier().choose_open_file(self, "Evidence of consent (stored encrypted in the vault)")
        if path:
            self.set_evidence(Path(path))

    def set_evidence(self, path: Path | None) -> None:
        self.evidence_path = path
        self.evidence_label.setText(path.name if path else "none")

    def save(self) -> None:
        person = self.person_uuid
        scope = [token for token, box in self.scope_boxes.items() if box.isChecked()]
        recipient = self.recipient.currentData() if self.to_recipient.isChecked() else None
        organisation = self.organisation.currentData() if self.to_organisation.isChecked() else None
        if recipient is None and organisation is None:
            self._failed(VaultError("Choose who may receive: add a recipient first (Tools ▸ Recipients…)."))
            return
        purpose = self.purpose.text()
        method = self.method.currentText()
        obtained = self.obtained.date().toString("yyyy-MM-dd")
        until = self.valid_until.date().toString("yyyy-MM-dd") if self.has_end.isChecked() else None
        max_uses = self.max_uses.value() or None
        may_name = self.naming.currentData()
        note = self.evidence_note.text()
        evidence = self.evidence_path

        def log(v: Vault) -> Authorisation:
            check_new_window(obtained, until, v.now())  # no window already over, no consent from the future
            # Reading, sniffing and extracting the evidence file happen here, on the worker.
            evidence_data, prepared = None, None
            if evidence is not None:
                try:
                    evidence_data = evidence.read_bytes()
                except OSError as exc:
                    raise ValidationError("evidence", f"{evidence} cannot be read ({exc.strerror})") from exc
                prepared = v.documents.prepare(evidence_data, evidence.name)
            with v.transaction():
                doc = None
                if evidence is not None and evidence_data is not None:
                    doc = v.documents.add_bytes(person, evidence_data, evidence.name, role="evidence",
                                                prepared=prepared).uuid
                return v.authorisations.log(person, scope=scope, purpose=purpose, method=method,
                                            obtained_at=obtained, recipient=recipient, organisation=organisation,
                                            valid_until=until, max_uses=max_uses, evidence_document=doc,
                                            evidence_note=note, may_name=may_name)

        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        self.message.hide()
        self.worker.call(log, self._saved, self._failed, context=self)

    def _saved(self, auth: Authorisation) -> None:
        self.worker.notify_changed(self.person_uuid)
        self.logged.emit(auth)
        self.accept()

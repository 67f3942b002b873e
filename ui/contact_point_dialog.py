"""Add or edit one contact point: value, label, where it came from, when, and outreach."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from vault import contact_points as cp
from vault.errors import SuppressedPerson, VaultError
from vault.people import ContactPoint, NewContactPoint
from vault.store import Vault

from .contact_points_model import KIND_LABELS, SOURCE_LABELS
from .field_errors import FieldErrors, error_label
from .notifier import notifier
from .worker import VaultWorker


class ContactPointDialog(QDialog):
    def __init__(self, worker: VaultWorker, person_uuid: str, point: ContactPoint | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.worker = worker
        self.person_uuid = person_uuid
        self.point = point
        self.despite_erasure = False
        self.setWindowTitle("Edit contact detail" if point else "Add contact detail")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.general_error = error_label()
        self.errors = FieldErrors(self.general_error)
        self.kind = QComboBox()
        for key in cp.KINDS:
            self.kind.addItem(KIND_LABELS[key], key)
        self.kind.setEnabled(point is None)
        self.value = QLineEdit()
        self.label = QLineEdit()
        self.label.setPlaceholderText("e.g. work, mobile, personal")
        self.source = QComboBox()
        for key in cp.SOURCES:
            self.source.addItem(SOURCE_LABELS[key], key)
        self.obtained = QLineEdit()
        self.obtained.setPlaceholderText("YYYY-MM-DD (today when empty)")
        self.outreach = QComboBox()
        self.outreach.addItem("OK to contact", "ok")
        self.outreach.addItem("Do not contact", "do-not-contact")
        for title, widget, field, aliases in (
            ("Kind:", self.kind, "kind", ()), ("Value:", self.value, "value", cp.KINDS),
            ("Label:", self.label, "label", ()), ("Came from:", self.source, "source", ()),
            ("Obtained on:", self.obtained, "obtained_on", ()), ("Outreach:", self.outreach, "outreach", ()),
        ):
            form.addRow(title, widget)
            form.addRow("", self.errors.register(field, widget, *aliases))
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if point is not None:
            self.kind.setCurrentIndex(self.kind.findData(point.kind))
            self.value.setText(point.value)
            self.label.setText(point.label)
            self.source.setCurrentIndex(self.source.findData(point.source))
            self.obtained.setText(point.obtained_on or "")
            self.outreach.setCurrentIndex(self.outreach.findData(point.outreach))

    def save(self) -> None:
        self.errors.clear()
        kind, value, label = self.kind.currentData(), self.value.text(), self.label.text()
        source, obtained, outreach = self.source.currentData(), self.obtained.text().strip(), \
            self.outreach.currentData()
        person_uuid, existing, despite = self.person_uuid, self.point, self.despite_erasure

        def write(vault: Vault) -> None:
            if existing is None:
                vault.people.add_contact_point(person_uuid, NewContactPoint(
                    kind, value, label=label, source=source, obtained_on=obtained or None, outreach=outreach),
                    despite_erasure=despite)
            else:
                vault.people.update_contact_point(existing.uuid, value=value, label=label, source=source,
                                                  outreach=outreach, obtained_on=obtained or None,
                                                  despite_erasure=despite)

        self.buttons.setEnabled(False)
        self.worker.call(write, self._saved, self._failed, context=self)

    def _saved(self, _: object) -> None:
        self.worker.notify_changed(self.person_uuid)
        self.accept()

    def _failed(self, error: VaultError) -> None:
        self.buttons.setEnabled(True)
        if isinstance(error, SuppressedPerson) and not self.despite_erasure and notifier().confirm(
                self, "Erased on request",
                f"{error.erased_on}: this belongs to someone erased on request and kept out of the vault.\n\n"
                "Add it only if they came back and asked. This is recorded in the audit trail."):
            self.despite_erasure = True
            self.save()
            return
        self.errors.show(error)

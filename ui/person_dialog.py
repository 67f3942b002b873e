"""Add or edit a person; the core's validation messages appear beside the wrong field."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from vault import contact_points as cp
from vault.errors import DuplicatePerson, SuppressedPerson, VaultError
from vault.people import POLICIES, STATUSES, NewContactPoint, Person, PersonFields
from vault.store import Vault

from .contact_points_model import SOURCE_LABELS
from .field_errors import FieldErrors, error_label
from .notifier import notifier
from .worker import VaultWorker

#: The fields a new entry fills in an existing person it is merged into (when theirs is empty).
_FILL_FIELDS = ("given_name", "family_name", "headline", "organisation", "title")

KIND_LABELS = {"candidate": "Candidate", "contact": "Network contact"}
STATUS_LABELS = {"active": "Active", "passive": "Passive", "placed": "Placed", "not-looking": "Not looking"}
POLICY_LABELS = {"on-authorisation": "Share only with the person's authorisation",
                 "locked": "Locked: never share"}


def _combo(labels: dict[str, str], keys: tuple[str, ...]) -> QComboBox:
    combo = QComboBox()
    for key in keys:
        combo.addItem(labels.get(key, key), key)
    return combo


def _select(combo: QComboBox, key: str) -> None:
    index = combo.findData(key)
    if index >= 0:
        combo.setCurrentIndex(index)


def split_tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


class PersonDialog(QDialog):
    """``saved`` carries the person's UUID after a successful add or edit (or the UUID of the
    person a new entry was merged into); ``open_existing`` the UUID of a duplicate the user
    chose to open instead of adding."""

    saved = Signal(str)
    open_existing = Signal(str)

    def __init__(self, worker: VaultWorker, person: Person | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.worker = worker
        self.person = person
        #: Set once the user confirmed it: the gate's override (audited in the core).
        self.despite_erasure = False
        self.allow_duplicate = False
        self.setWindowTitle("Edit person" if person else "New person")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.general_error = error_label()
        self.errors = FieldErrors(self.general_error)

        def row(label: str, widget: QWidget, field: str, *aliases: str) -> None:
            form.addRow(label, widget)
            form.addRow("", self.errors.register(field, widget, *aliases))

        self.kind = _combo(KIND_LABELS, ("candidate", "contact"))
        row("Kind:", self.kind, "kind")
        self.full_name = QLineEdit()
        self.full_name.setPlaceholderText("As the person writes it")
        row("Full name:", self.full_name, "full_name")
        self.given_name = QLineEdit()
        row("Given name:", self.given_name, "given_name")
        self.family_name = QLineEdit()
        row("Family name:", self.family_name, "family_name")
        self.headline = QLineEdit()
        row("Headline:", self.headline, "headline")
        self.organisation = QLineEdit()
        row("Organisation:", self.organisation, "organisation")
        self.title = QLineEdit()
        row("Job title:", self.title, "title")
        self.status = _combo(STATUS_LABELS, STATUSES)
        row("Status:", self.status, "status")
        self.not_looking_until = QLineEdit()
        self.not_looking_until.setPlaceholderText("YYYY-MM-DD")
        row("Not looking until:", self.not_looking_until, "not_looking_until")
        self.retention_until = QLineEdit()
        self.retention_until.setPlaceholderText("YYYY-MM-DD (review or erase after this date)")
        row("Keep until:", self.retention_until, "retention_until")
        self.sharing_policy = _combo(POLICY_LABELS, POLICIES)
        row("Sharing:", self.sharing_policy, "sharing_policy")
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("Comma-separated, e.g. python, london")
        row("Tags:", self.tags, "tag", "tags")
        self.email = QLineEdit()
        self.phone = QLineEdit()
        self.point_source = _combo(SOURCE_LABELS, cp.SOURCES)
        if person is None:
            row("E-mail:", self.email, "email")
            row("Phone:", self.phone, "phone")
            row("Details came from:", self.point_source, "source")
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Private notes (never shared)")
        self.notes.setMaximumHeight(90)
        row("Notes:", self.notes, "notes")
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        if person is not None:
            self._fill(person)
        else:
            self._kind_changed()

    def _kind_changed(self) -> None:
        if self.person is None:
            _select(self.sharing_policy, "locked" if self.kind.currentData() == "contact" else "on-authorisation")

    def _fill(self, person: Person) -> None:
        _select(self.kind, person.kind)
        self.full_name.setText(person.full_name)
        self.given_name.setText(person.given_name)
        self.family_name.setText(person.family_name)
        self.headline.setText(person.headline)
        self.organisation.setText(person.organisation)
        self.title.setText(person.title)
        _select(self.status, person.status)
        self.not_looking_until.setText(person.not_looking_until or "")
        self.retention_until.setText(person.retention_until or "")
        _select(self.sharing_policy, person.sharing_policy)
        self.tags.setText(", ".join(person.tags))
        self.notes.setPlainText(person.notes)

    def values(self) -> PersonFields:
        return PersonFields(
            full_name=self.full_name.text(), kind=self.kind.currentData(), given_name=self.given_name.text(),
            family_name=self.family_name.text(), headline=self.headline.text(),
            organisation=self.organisation.text(), title=self.title.text(), notes=self.notes.toPlainText(),
            status=self.status.currentData(), not_looking_until=self.not_looking_until.text().strip() or "",
            retention_until=self.retention_until.text().strip() or "",
            sharing_policy=self.sharing_policy.currentData(),
        )

    def save(self) -> None:
        self.errors.clear()
        values, tags = self.values(), split_tags(self.tags.text())
        source = self.point_source.currentData()
        points = [NewContactPoint(kind, edit.text(), source=source)
                  for kind, edit in (("email", self.email), ("phone", self.phone)) if edit.text().strip()]
        existing = self.person.uuid if self.person else None
        despite, duplicate = self.despite_erasure, self.allow_duplicate

        def write(vault: Vault) -> str:
            if existing is None:
                return vault.people.add(values, points, tags, despite_erasure=despite,
                                        allow_duplicate=duplicate).uuid
            with vault.transaction():
                vault.people.update(existing, values)
                vault.people.set_tags(existing, tags)
            return existing

        self.buttons.setEnabled(False)
        self.worker.call(write, self._saved, self._failed, context=self)

    def _saved(self, person_uuid: str) -> None:
        self.buttons.setEnabled(True)
        self.saved.emit(person_uuid)
        self.worker.notify_changed(person_uuid)
        self.accept()

    def _failed(self, error: VaultError) -> None:
        self.buttons.setEnabled(True)
        if self.person is None and isinstance(error, SuppressedPerson) and not self.despite_erasure:
            if notifier().confirm(self, "Erased on request",
                               f"{error.erased_on}: someone with this e-mail or phone was erased on request and "
                               "kept out of the vault.\n\nAdd them again only if they came back and asked to be "
                               "added. This is recorded in the audit trail and takes them off the suppression "
                               "list."):
                self.despite_erasure = True
                self.save()
                return
        elif self.person is None and isinstance(error, DuplicatePerson):
            choice = notifier().choose_option(self, "Already in the vault", str(error).split(";")[0] + ".", [
                ("open", f"Open {error.name}"), ("merge", f"Merge into {error.name}"), ("keep", "Keep both")])
            if choice == "open":
                self.open_existing.emit(error.person_uuid)
                self.reject()
                return
            if choice == "merge":
                self._merge_into(error.person_uuid)
                return
            if choice == "keep":
                self.allow_duplicate = True
                self.save()
                return
        self.errors.show(error)

    def _merge_into(self, person_uuid: str) -> None:
        """Add this entry to the person it duplicates: their empty fields filled, notes joined,
        the new contact points and tags added (the import's merge rules)."""
        values, tags = self.values(), split_tags(self.tags.text())
        source = self.point_source.currentData()
        typed = [(kind, edit.text()) for kind, edit in (("email", self.email), ("phone", self.phone))
                 if edit.text().strip()]

        def write(vault: Vault) -> str:
            current = vault.people.get(person_uuid)
            fill = {name: getattr(values, name) for name in _FILL_FIELDS
                    if getattr(values, name) and not getattr(current, name)}
            if values.notes and values.notes not in current.notes:
                fill["notes"] = f"{current.notes}\n\n{values.notes}".strip()
            held = {(p.kind, p.normalized) for p in current.contact_points}
            points = [NewContactPoint(kind, value, source=source) for kind, value in typed
                      if (kind, cp.normalise(kind, value)[1]) not in held]
            vault.people.merge(current, PersonFields(**fill) if fill else None, points, tags)
            return person_uuid

        self.buttons.setEnabled(False)
        self.worker.call(write, self._saved, self._failed, context=self)

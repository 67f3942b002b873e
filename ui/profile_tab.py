"""The Profile tab: every field of the person, their contact points, tags and sharing policy.

Copying an e-mail or phone goes through ``SecureClipboard`` (concealed, cleared after a
while). Using a do-not-contact point, or one taken from an old document, asks first.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vault.errors import VaultError
from vault.people import ContactPoint, Person

from .clipboard import SecureClipboard
from .contact_point_dialog import ContactPointDialog
from .contact_points_model import ContactPointsModel
from .icons import icon
from .notifier import notifier
from .person_dialog import KIND_LABELS, POLICY_LABELS, STATUS_LABELS
from .worker import VaultWorker


class ProfileTab(QWidget):
    def __init__(self, worker: VaultWorker, clipboard: SecureClipboard | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.clipboard = clipboard or SecureClipboard(self)
        self.person_uuid: str | None = None
        self.person: Person | None = None
        self._generation = 0
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)

        details = QGroupBox("Details")
        form = QFormLayout(details)
        self.fields: dict[str, QLabel] = {}
        for key, title in (("kind", "Kind"), ("status", "Status"), ("headline", "Headline"),
                           ("organisation", "Organisation"), ("title", "Job title"),
                           ("given_name", "Given name"), ("family_name", "Family name"), ("tags", "Tags"),
                           ("sharing_policy", "Sharing"), ("retention_until", "Keep until"),
                           ("origin", "Origin"), ("updated_at", "Last change")):
            label = QLabel()
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = label
            form.addRow(f"{title}:", label)
        layout.addWidget(details)

        points_box = QGroupBox("Contact details")
        points_layout = QVBoxLayout(points_box)
        self.points_model = ContactPointsModel(self)
        self.points = QTableView()
        self.points.setModel(self.points_model)
        self.points.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.points.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.points.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.points.verticalHeader().hide()
        self.points.setWordWrap(False)
        self.points.setShowGrid(False)
        header = self.points.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.points.setMinimumHeight(120)
        self.points.doubleClicked.connect(lambda _index: self.copy_selected())
        points_layout.addWidget(self.points)
        buttons = QHBoxLayout()
        self.copy_button = QPushButton(icon("copy"), "Copy")
        self.copy_button.clicked.connect(self.copy_selected)
        self.add_button = QPushButton("Add…")
        self.add_button.clicked.connect(self.add_point)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(self.edit_point)
        self.dnc_button = QPushButton(icon("do-not-contact"), "Do not contact")
        self.dnc_button.setCheckable(True)
        self.dnc_button.clicked.connect(self.toggle_do_not_contact)
        self.remove_button = QPushButton(icon("remove"), "Remove")
        self.remove_button.clicked.connect(self.remove_point)
        for button in (self.copy_button, self.add_button, self.edit_button, self.dnc_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        points_layout.addLayout(buttons)
        self.points.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(points_box)

        notes_box = QGroupBox("Private notes (never shared)")
        notes_layout = QVBoxLayout(notes_box)
        self.notes = QPlainTextEdit()
        self.notes.setReadOnly(True)
        self.notes.setMaximumHeight(110)
        notes_layout.addWidget(self.notes)
        layout.addWidget(notes_box)
        layout.addStretch(1)
        self._update_buttons()

    # --- person-tab protocol ----------------------------------------------------------------

    def set_person(self, person_uuid: str | None) -> None:
        self.person_uuid = person_uuid
        self._generation += 1
        if person_uuid is None:
            self._blank()
            return
        generation = self._generation

        def show(person: Person) -> None:
            if generation == self._generation:
                self._show(person)

        self.worker.call(lambda v: v.people.get(person_uuid), show, lambda error: None, context=self)

    def clear(self) -> None:
        self.person_uuid = None
        self._generation += 1
        self._blank()

    def _blank(self) -> None:
        self.person = None
        for label in self.fields.values():
            label.clear()
        self.points_model.clear()
        self.notes.clear()
        self._update_buttons()

    def _show(self, person: Person) -> None:
        self.person = person
        status = STATUS_LABELS.get(person.status, person.status)
        if person.status == "not-looking" and person.not_looking_until:
            status += f" until {person.not_looking_until}"
        values = {
            "kind": KIND_LABELS.get(person.kind, person.kind), "status": status, "headline": person.headline,
            "organisation": person.organisation, "title": person.title, "given_name": person.given_name,
            "family_name": person.family_name, "tags": ", ".join(person.tags) or "—",
            "sharing_policy": POLICY_LABELS.get(person.sharing_policy, person.sharing_policy),
            "retention_until": person.retention_until or "—", "origin": person.origin or "Added by hand",
            "updated_at": person.updated_at[:16].replace("T", " ") + " UTC",
        }
        for key, label in self.fields.items():
            label.setText(values.get(key, "") or "—")
        selected = self.selected_point()
        self.points_model.set_points(list(person.contact_points))
        if selected is not None:
            for row in range(self.points_model.rowCount()):
                point = self.points_model.point(row)
                if point is not None and point.uuid == selected.uuid:
                    self.points.selectRow(row)
        self.notes.setPlainText(person.notes)
        self._update_buttons()

    # --- contact points ---------------------------------------------------------------------

    def selected_point(self) -> ContactPoint | None:
        index = self.points.currentIndex()
        return self.points_model.point(index.row()) if index.isValid() else None

    def _update_buttons(self) -> None:
        point = self.selected_point()
        has_person = self.person is not None
        self.add_button.setEnabled(has_person)
        for button in (self.copy_button, self.edit_button, self.dnc_button, self.remove_button):
            button.setEnabled(point is not None)
        self.dnc_button.setChecked(point is not None and point.outreach == "do-not-contact")

    def copy_selected(self) -> bool:
        point = self.selected_point()
        return self.copy_point(point) if point is not None else False

    def copy_point(self, point: ContactPoint) -> bool:
        """Copy a value to the clipboard, asking first when the point should not be used."""
        if point.outreach == "do-not-contact" and not notifier().confirm(
                self, "Do not contact",
                "This person asked not to be contacted this way. Copy it anyway?"):
            return False
        if point.from_old_document and not notifier().confirm(
                self, "Taken from an old document",
                "This detail comes from an old document and may not be meant for you. Copy it anyway?"):
            return False
        self.clipboard.copy(point.value)
        return True

    def add_point(self) -> None:
        if self.person_uuid:
            ContactPointDialog(self.worker, self.person_uuid, None, self).open()

    def edit_point(self) -> None:
        point = self.selected_point()
        if self.person_uuid and point is not None:
            ContactPointDialog(self.worker, self.person_uuid, point, self).open()

    def toggle_do_not_contact(self) -> None:
        point, person_uuid = self.selected_point(), self.person_uuid
        if point is None or person_uuid is None:
            return
        outreach = "ok" if point.outreach == "do-not-contact" else "do-not-contact"
        self.worker.call(lambda v: v.people.update_contact_point(point.uuid, outreach=outreach),
                         lambda _: self.worker.notify_changed(person_uuid), self._failed, context=self)

    def remove_point(self) -> None:
        point, person_uuid = self.selected_point(), self.person_uuid
        if point is None or person_uuid is None:
            return
        if not notifier().confirm(self, "Remove contact detail", "Remove this contact detail from the person?"):
            return
        self.worker.call(lambda v: v.people.remove_contact_point(point.uuid),
                         lambda _: self.worker.notify_changed(person_uuid), self._failed, context=self)

    def _failed(self, error: VaultError) -> None:
        self.worker.failed.emit(str(error))

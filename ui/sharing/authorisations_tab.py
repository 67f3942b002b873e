"""The Authorisations tab: a person's consents with their status; log, revoke, share."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ui.field_errors import error_label
from ui.person_tab import PersonTab
from ui.worker import VaultWorker
from vault.authorisations import Authorisation, day

from .authorisation_dialog import LogAuthorisationDialog
from .common import STATUS_WORDS, fill, read_only_table, selected_key

HEADERS = ("Status", "Who may receive", "What", "Purpose", "How", "Obtained", "Valid until", "Uses")


def row_for(auth: Authorisation, now: str) -> list[str]:
    uses = f"{auth.uses} of {auth.max_uses}" if auth.max_uses else str(auth.uses)
    return [STATUS_WORDS.get(auth.status(now), auth.status(now)), auth.grantee, ", ".join(auth.scope), auth.purpose,
            auth.method, day(auth.obtained_at), day(auth.valid_until), uses]


class AuthorisationsTab(PersonTab):
    share_requested = Signal(str)  # person uuid

    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        self.dialog: LogAuthorisationDialog | None = None
        layout = QVBoxLayout(self)
        buttons = QHBoxLayout()
        self.log_button = QPushButton("Log authorisation…")
        self.log_button.clicked.connect(self.log_authorisation)
        self.share_button = QPushButton("Share…")
        self.share_button.clicked.connect(lambda: self.person_uuid and self.share_requested.emit(self.person_uuid))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Reason for revoking")
        self.revoke_button = QPushButton("Revoke selected")
        self.revoke_button.clicked.connect(self.revoke_selected)
        for widget in (self.log_button, self.share_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.reason)
        buttons.addWidget(self.revoke_button)
        layout.addLayout(buttons)
        self.message = error_label()
        layout.addWidget(self.message)
        self.table = read_only_table(HEADERS, stretch=3)
        layout.addWidget(self.table, 1)
        note = QLabel("Nothing about this person leaves the vault without an active authorisation. "
                      "Authorisations cannot be edited: revoke and log a new one.")
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(note)
        self._update_buttons()

    def set_person(self, person_uuid: str | None) -> None:
        self.message.hide()
        super().set_person(person_uuid)
        self._update_buttons()

    def reload(self) -> None:
        person_uuid = self.person_uuid
        if person_uuid is None:
            return

        def show(data: tuple[list[Authorisation], str]) -> None:
            auths, now = data
            fill(self.table, [row_for(a, now) for a in auths], [a.uuid for a in auths])
            self._update_buttons()

        self.load(lambda v: (v.authorisations.for_person(person_uuid), v.now()), show)

    def clear(self) -> None:
        super().clear()
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
        fill(self.table, [])
        self.reason.clear()
        self.message.clear()
        self.message.hide()
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_person = self.person_uuid is not None
        self.log_button.setEnabled(has_person)
        self.share_button.setEnabled(has_person)
        self.revoke_button.setEnabled(has_person and self.table.rowCount() > 0)

    def log_authorisation(self) -> None:
        if self.person_uuid is None:
            return
        self.dialog = LogAuthorisationDialog(self.worker, self.person_uuid, parent=self)
        self.dialog.open()

    def revoke_selected(self) -> None:
        auth_uuid = selected_key(self.table)
        if auth_uuid is None:
            self._show("Select the authorisation to revoke.")
            return
        reason = self.reason.text()
        person_uuid = self.person_uuid

        def done(_: Authorisation) -> None:
            self.reason.clear()
            self.message.hide()
            self.worker.notify_changed(person_uuid or "")

        self.worker.call(lambda v: v.authorisations.revoke(auth_uuid, reason), done,
                         lambda error: self._show(str(error)), context=self)

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()



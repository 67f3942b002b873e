"""Introduction requests: who asked for whose details, and where each request stands."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.field_errors import error_label
from ui.worker import VaultWorker
from vault.errors import VaultError
from vault.introductions import STATUSES, IntroRequest
from vault.recipients import Recipient
from vault.store import Vault

from .common import fill, read_only_table, selected_key


class IntroRequestsDialog(QDialog):
    def __init__(self, worker: VaultWorker, person_uuid: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.person_uuid = person_uuid
        self.setWindowTitle("Introduction requests")
        self.resize(820, 520)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Show"))
        self.status = QComboBox()
        self.status.addItem("all", None)
        for status in STATUSES:
            self.status.addItem(status, status)
        self.status.currentIndexChanged.connect(lambda _i: self.reload())
        top.addWidget(self.status)
        top.addStretch(1)
        self.decline_button = QPushButton("Mark declined")
        self.decline_button.clicked.connect(self.decline_selected)
        top.addWidget(self.decline_button)
        layout.addLayout(top)
        self.table = read_only_table(("Status", "Contact", "Asked by", "Why", "When", "Authorisation"), stretch=3)
        layout.addWidget(self.table, 1)
        hint = QLabel("A request stays pending until the contact's own authorisation is logged; only then can "
                      "their details be shared (Share… from their Authorisations tab).")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(hint)
        form = QFormLayout()
        self.recipient = QComboBox()
        self.requester = QLineEdit()
        self.requester.setPlaceholderText("or a name, when the person asking is not a recipient")
        self.reason = QLineEdit()
        form.addRow("Asked by", self.recipient)
        form.addRow("", self.requester)
        form.addRow("Why", self.reason)
        layout.addLayout(form)
        self.message = error_label()
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.log_button = QPushButton("Log a request for the selected person")
        self.log_button.setEnabled(person_uuid is not None)
        self.log_button.clicked.connect(self.log_request)
        row.addWidget(self.log_button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row.addWidget(close)
        layout.addLayout(row)
        self.worker.call(lambda v: v.recipients.list(), self._recipients, self._failed, context=self)
        self.reload()

    def _recipients(self, recipients: list[Recipient]) -> None:
        self.recipient.clear()
        self.recipient.addItem("(not a recipient)", None)
        for rec in recipients:
            self.recipient.addItem(rec.label, rec.uuid)

    def reload(self) -> None:
        status = self.status.currentData()

        def show(rows: list[IntroRequest]) -> None:
            fill(self.table, [[r.status, r.person_name, r.who, r.reason, r.requested_at[:10],
                               r.authorisation_uuid[:8]] for r in rows], [r.uuid for r in rows])

        self.worker.call(lambda v: v.introductions.list(status=status), show, self._failed, context=self)

    def log_request(self) -> None:
        person, recipient = self.person_uuid, self.recipient.currentData()
        requester, reason = self.requester.text(), self.reason.text()

        def write(v: Vault) -> IntroRequest:
            return v.introductions.request(person, recipient=recipient, requester=requester, reason=reason)  # type: ignore[arg-type]  # the button needs a person

        def done(_: IntroRequest) -> None:
            self.message.hide()
            self.requester.clear()
            self.reason.clear()
            self.worker.notify_changed(person or "")
            self.reload()

        self.worker.call(write, done, self._failed, context=self)

    def decline_selected(self) -> None:
        key = selected_key(self.table)
        if key is None:
            return
        self.worker.call(lambda v: v.introductions.answer(key, "declined"), lambda _r: self.reload(), self._failed,
                         context=self)

    def clear(self) -> None:
        fill(self.table, [])
        self.recipient.clear()
        self.requester.clear()
        self.reason.clear()

    def _failed(self, error: VaultError) -> None:
        self.message.setText(str(error))
        self.message.show()

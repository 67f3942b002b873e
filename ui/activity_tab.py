"""The Activity tab: this person's audit events, newest first, in the audit viewer's lazy model."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from vault.audit.scope import ExportScope

from .audit_model import PERSON_COLUMNS, AuditModel
from .worker import VaultWorker


class ActivityTab(QWidget):
    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.person_uuid: str | None = None
        layout = QVBoxLayout(self)
        self.model = AuditModel(worker, self, columns=PERSON_COLUMNS)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table)
        self.note = QLabel("Every change is recorded in the vault's tamper-evident audit trail.")
        self.note.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.note)

    def set_person(self, person_uuid: str | None) -> None:
        self.person_uuid = person_uuid
        # Events whose subject is this person (an index lookup), paged in as the table scrolls.
        self.model.set_scope(ExportScope(person=person_uuid, mentions=False) if person_uuid else None)

    def clear(self) -> None:
        self.person_uuid = None
        self.model.clear()

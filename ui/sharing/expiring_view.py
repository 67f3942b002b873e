"""Sidebar view: authorisations ending in the next 30 days, so consent can be renewed in time."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.worker import VaultWorker
from vault.authorisations import EXPIRING_DAYS, day
from vault.store import Vault

from .common import fill, read_only_table


def expiring_rows(vault: Vault) -> list[list[str]]:
    rows = []
    for auth in vault.authorisations.expiring(EXPIRING_DAYS):
        person = vault.people.get(auth.person_uuid)
        rows.append([day(auth.valid_until), person.full_name, auth.grantee, ", ".join(auth.scope), auth.purpose])
    return rows


class ExpiringView(QWidget):
    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        layout = QVBoxLayout(self)
        title = QLabel(f"Authorisations ending within {EXPIRING_DAYS} days")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        self.table = read_only_table(("Ends", "Person", "Who may receive", "What", "Purpose"), stretch=4)
        layout.addWidget(self.table, 1)
        worker.data_changed.connect(lambda _uuid: self.isVisible() and self.reload())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        if self.worker.is_open:
            self.worker.call(expiring_rows, lambda rows: fill(self.table, rows), lambda e: None, context=self)

    def clear(self) -> None:
        fill(self.table, [])

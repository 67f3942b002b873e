"""The retention review queue: people past their retention date, to erase after confirming."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ui.read_only_table import fill, read_only_table, selected_key
from ui.worker import VaultWorker
from vault.retention import RetentionItem

from .erase_dialog import EraseDialog

HEADERS = ("Name", "Kind", "Last activity", "Keep until", "Why")


class RetentionView(QWidget):
    erase_requested = Signal(str, str)

    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.items: list[RetentionItem] = []
        self.dialog: EraseDialog | None = None
        layout = QVBoxLayout(self)
        title = QLabel("<b>Retention review</b>: people whose retention date has passed. Review each one; "
                       "erase those you no longer need.")
        title.setWordWrap(True)
        layout.addWidget(title)
        period = QHBoxLayout()
        period.addWidget(QLabel("Keep people for"))
        self.months = QSpinBox()
        self.months.setRange(1, 1200)
        self.months.setSuffix(" months")
        period.addWidget(self.months)
        period.addWidget(QLabel("after their last activity or authorisation."))
        self.save_period = QPushButton("Apply")
        self.save_period.clicked.connect(self._save_period)
        period.addWidget(self.save_period)
        period.addStretch(1)
        layout.addLayout(period)
        self.table = read_only_table(HEADERS, stretch=4)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.erase_button = QPushButton("Erase selected…")
        self.erase_button.clicked.connect(self.erase_selected)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.reload)
        buttons.addWidget(self.erase_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        self.count = QLabel("")
        buttons.addWidget(self.count)
        layout.addLayout(buttons)
        worker.data_changed.connect(lambda _uuid: self.reload() if self.isVisible() else None)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        if not self.worker.is_open:
            return

        def show(result: tuple[int, list[RetentionItem]]) -> None:
            months, items = result
            self.months.setValue(months)
            self.items = items
            fill(self.table, [(i.full_name, i.kind, i.last_activity, i.due, i.basis) for i in items],
                 [i.uuid for i in items])
            self.count.setText(f"{len(items)} to review")

        self.worker.call(lambda v: (v.retention.months(), v.retention.queue()), show, lambda e: None, context=self)

    def _save_period(self) -> None:
        months = self.months.value()
        self.worker.call(lambda v: v.retention.set_months(months), lambda _r: self.reload(), context=self)

    def erase_selected(self) -> None:
        uuid = selected_key(self.table)
        item = next((i for i in self.items if i.uuid == uuid), None)
        if item is None:
            return
        self.dialog = EraseDialog(self.worker, item.uuid, item.full_name, self)
        self.dialog.erased.connect(lambda _r: self.reload())
        self.dialog.open()

    def clear(self) -> None:
        self.items = []
        fill(self.table, [])
        self.count.clear()
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

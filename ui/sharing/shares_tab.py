"""The Shares tab: the submittal ledger for one person, newest first."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.person_tab import PersonTab
from ui.worker import VaultWorker
from vault import sharing

from .common import fill, read_only_table

HEADERS = ("When", "Recipient", "Organisation", "What", "Purpose", "Package", "Authorisation")


def _what(items: list[str]) -> str:
    return ", ".join("resume" if i.startswith("document:") else i for i in items)


class SharesTab(PersonTab):
    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        layout = QVBoxLayout(self)
        self.table = read_only_table(HEADERS, stretch=4)
        layout.addWidget(self.table, 1)
        note = QLabel("Every package made is recorded here, with the authorisation it was made under.")
        note.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(note)

    def reload(self) -> None:
        person_uuid = self.person_uuid
        if person_uuid is None:
            return

        def show(rows: list[sharing.ShareRecord]) -> None:
            fill(self.table, [[r.created_at[:16].replace("T", " "), r.recipient_name, r.organisation_name,
                               _what(r.items), r.purpose, r.package_id[:8], r.authorisation_uuid[:8]]
                              for r in rows], [r.uuid for r in rows])

        self.load(lambda v: sharing.list_shares(v, person_uuid), show)

    def clear(self) -> None:
        super().clear()
        fill(self.table, [])

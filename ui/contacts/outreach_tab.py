"""The Outreach tab of a person: their contact history, warnings, and a form to log an attempt.

Before logging through a do-not-contact point the tab asks; points from an old document are
flagged in the chooser; after repeated unanswered attempts a warning stays visible.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.notifier import notifier
from ui.person_tab import PersonTab
from ui.read_only_table import fill, read_only_table
from ui.theme import mark_warning_text
from ui.worker import VaultWorker
from vault import outreach
from vault.outreach import OutreachEntry, OutreachWarning

HEADERS = ("When", "Channel", "Outcome", "Contact point", "Note")


def point_label(point: Any) -> str:
    flags = []
    if point.outreach == "do-not-contact":
        flags.append("DO NOT CONTACT")
    if point.from_old_document:
        flags.append("from an old document")
    source = point.source.replace("-", " ")
    return f"{point.value}  ({point.kind}, {source}{'; ' + ', '.join(flags) if flags else ''})"


class OutreachTab(PersonTab):
    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        self.points: list[Any] = []
        self.asked_override = False
        layout = QVBoxLayout(self)
        self.warnings = QLabel("")
        self.warnings.setWordWrap(True)
        mark_warning_text(self.warnings)  # readable red in light and dark palettes
        layout.addWidget(self.warnings)
        self.table = read_only_table(HEADERS, stretch=4)
        layout.addWidget(self.table, 1)
        form = QHBoxLayout()
        self.channel = QComboBox()
        self.channel.addItems(list(outreach.CHANNELS))
        self.point = QComboBox()
        self.point.setMinimumContentsLength(24)
        self.outcome = QComboBox()
        self.outcome.addItems(list(outreach.OUTCOMES))
        self.note = QLineEdit()
        self.note.setPlaceholderText("Note (optional)")
        self.log_button = QPushButton("Log")
        self.log_button.clicked.connect(lambda _checked=False: self.log())
        form.addWidget(self.channel)
        form.addWidget(self.point, 1)
        form.addWidget(self.outcome)
        layout.addLayout(form)
        second = QHBoxLayout()
        second.addWidget(self.note, 1)
        second.addWidget(self.log_button)
        layout.addLayout(second)
        self.status = QLabel("")
        layout.addWidget(self.status)
        self.channel.currentTextChanged.connect(self._channel_changed)

    def reload(self) -> None:
        person_uuid = self.person_uuid
        if person_uuid is None:
            return

        def fetch(v: Any) -> tuple[Any, list[OutreachEntry], list[OutreachWarning]]:
            return v.people.get(person_uuid), v.outreach.list(person_uuid), v.outreach.check(person_uuid)

        def show(result: tuple[Any, list[OutreachEntry], list[OutreachWarning]]) -> None:
            person, entries, warnings = result
            self.points = list(person.contact_points)
            fill(self.table, [(e.at[:16].replace("T", " "), e.channel, e.outcome, e.contact_value or "", e.note)
                              for e in entries], [e.uuid for e in entries])
            self.show_warnings(warnings)
            self._channel_changed(self.channel.currentText())

        self.load(fetch, show)

    def show_warnings(self, warnings: list[OutreachWarning]) -> None:
        self.warnings.setText("\n".join(f"⚠ {w.message}" for w in warnings))

    def _channel_changed(self, channel: str) -> None:
        kinds = {"call": ("phone",), "email": ("email",), "message": ("phone", "email", "link")}.get(
            channel, ("phone", "email", "link", "address"))
        self.point.clear()
        self.point.addItem("(no particular point)", None)
        for p in self.points:
            if p.kind in kinds:
                self.point.addItem(point_label(p), p.uuid)

    def _chosen_point(self) -> Any:
        uuid = self.point.currentData()
        return next((p for p in self.points if p.uuid == uuid), None)

    def log(self, override: bool | None = None) -> None:
        person_uuid = self.person_uuid
        if person_uuid is None:
            return
        chosen = self._chosen_point()
        if chosen is not None and chosen.outreach == "do-not-contact" and not override:
            self.asked_override = True
            if not notifier().ask(
                    self, "Do not contact",
                    f"{chosen.value} is marked do-not-contact. Contact them through it anyway "
                    "(only if they asked you to)?"):
                self.status.setText("Not logged.")
                return
            override = True
        channel, outcome, note = self.channel.currentText(), self.outcome.currentText(), self.note.text()
        point = chosen.uuid if chosen else None

        def done(result: tuple[OutreachEntry, list[OutreachWarning]]) -> None:
            entry, warnings = result
            self.note.clear()
            self.status.setText(f"Logged {entry.channel} ({entry.outcome}).")
            self.worker.notify_changed(person_uuid)
            self.show_warnings(warnings)

        def failed(error: Exception) -> None:
            self.status.setText(str(error))

        self.worker.call(lambda v: v.outreach.log(person_uuid, channel, outcome, point=point, note=note,
                                                  override=bool(override)), done, failed, context=self)

    def clear(self) -> None:
        super().clear()
        self.points = []
        fill(self.table, [])
        self.point.clear()
        self.warnings.clear()
        self.status.clear()
        self.note.clear()

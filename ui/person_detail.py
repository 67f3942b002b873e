"""The detail pane: the selected person's name over a tab per aspect (profile, documents, …).

Tabs come from ``MainWindow.add_person_tab``; each tab widget follows the person-tab
protocol: ``set_person(person_uuid | None)`` shows (or forgets) a person, ``clear()`` drops
every piece of personal data it holds (called on lock). ``ui.person_tab.PersonTab`` is the
base class of the tabs that load one person's rows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from vault.errors import VaultError
from vault.people import Person

from .icons import icon
from .person_tab import PersonTab
from .worker import VaultWorker


class PersonDetail(QWidget):
    edit_requested = Signal(str)

    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.person_uuid: str | None = None
        self._generation = 0
        self._tabs: list[QWidget] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)

        self.placeholder = QLabel("Select a person to see their profile, documents and activity.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: palette(placeholder-text);")
        self.stack.addWidget(self.placeholder)

        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(4, 4, 4, 4)
        header = QHBoxLayout()
        titles = QVBoxLayout()
        self.name_label = QLabel()
        font = self.name_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.name_label.setFont(font)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle_label = QLabel()
        self.subtitle_label.setWordWrap(True)
        titles.addWidget(self.name_label)
        titles.addWidget(self.subtitle_label)
        header.addLayout(titles, 1)
        self.edit_button = QPushButton(icon("edit"), "Edit…")
        self.edit_button.clicked.connect(lambda: self.person_uuid and self.edit_requested.emit(self.person_uuid))
        header.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignTop)
        page_layout.addLayout(header)
        self.tabs = QTabWidget()
        page_layout.addWidget(self.tabs, 1)
        self.stack.addWidget(page)

    def add_tab(self, title: str, widget: QWidget) -> None:
        self._tabs.append(widget)
        self.tabs.addTab(widget, title)
        if self.person_uuid is not None:
            widget.set_person(self.person_uuid)  # type: ignore[attr-defined]

    def set_person(self, person_uuid: str | None, *, again: bool = False) -> None:
        """Show ``person_uuid``. ``again``: the person shown, after a change; the ``PersonTab``
        tabs reload themselves on ``VaultWorker.data_changed`` and are not asked a second time."""
        self.person_uuid = person_uuid
        self._generation += 1
        if person_uuid is None:
            self._blank()
            for tab in self._tabs:
                tab.set_person(None)  # type: ignore[attr-defined]
            return
        generation = self._generation
        self.stack.setCurrentIndex(1)

        def show(person: Person) -> None:
            if generation != self._generation:
                return
            self.name_label.setText(person.full_name)
            parts = [person.headline, " · ".join(p for p in (person.title, person.organisation) if p)]
            kind = "Candidate" if person.kind == "candidate" else "Network contact"
            self.subtitle_label.setText(" — ".join([kind, *[p for p in parts if p]]))

        def failed(error: VaultError) -> None:
            if generation == self._generation:
                self._blank()

        self.worker.call(lambda v: v.people.get(person_uuid), show, failed, context=self)
        for tab in self._tabs:
            if not (again and isinstance(tab, PersonTab)):
                tab.set_person(person_uuid)  # type: ignore[attr-defined]

    def _blank(self) -> None:
        self.name_label.clear()
        self.subtitle_label.clear()
        self.stack.setCurrentIndex(0)

    def clear(self) -> None:
        self.person_uuid = None
        self._generation += 1
        self._blank()
        for tab in self._tabs:
            tab.clear()  # type: ignore[attr-defined]

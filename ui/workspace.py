"""The workspace page: sidebar of views, the searchable people list and the detail pane."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vault.store import Vault

from .icons import icon
from .people_model import SORT_KEYS, PeopleModel, PeopleQuery
from .person_detail import PersonDetail
from .worker import VaultWorker

SEARCH_DEBOUNCE_MS = 250
#: (view key, title, icon): the built-in sidebar views over people.
VIEWS = (
    ("all", "All people", "list"),
    ("candidates", "Candidates", "person"),
    ("contacts", "Contacts", "person"),
    ("do-not-contact", "Do not contact", "do-not-contact"),
    ("retention-due", "Retention due", "clock"),
)
_KIND_ROLE = Qt.ItemDataRole.UserRole
_KEY_ROLE = Qt.ItemDataRole.UserRole + 1
_TITLE_ROLE = Qt.ItemDataRole.UserRole + 2


def _view_counts(vault: Vault) -> tuple[dict[str, int], list[tuple[str, int]]]:
    return vault.people.view_counts(), vault.people.tags()


class Workspace(QWidget):
    """``person_selected`` carries the selected person's UUID, or None."""

    person_selected = Signal(object)

    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._selected_uuid: str | None = None
        self._extra_views: list[QWidget] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        layout.addWidget(self.splitter)

        # Sidebar
        self.sidebar = QTreeWidget()
        self.sidebar.setHeaderHidden(True)
        self.sidebar.setRootIsDecorated(False)
        self.sidebar.setIndentation(12)
        self.sidebar.setMinimumWidth(170)
        self._view_items: dict[str, QTreeWidgetItem] = {}
        for key, title, icon_name in VIEWS:
            item = QTreeWidgetItem([title])
            item.setIcon(0, icon(icon_name))
            item.setData(0, _KIND_ROLE, "view")
            item.setData(0, _KEY_ROLE, key)
            item.setData(0, _TITLE_ROLE, title)
            self.sidebar.addTopLevelItem(item)
            self._view_items[key] = item
        self.tags_item = QTreeWidgetItem(["Tags"])
        self.tags_item.setIcon(0, icon("tag"))
        self.tags_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.sidebar.addTopLevelItem(self.tags_item)
        self.tags_item.setExpanded(True)
        self.sidebar.currentItemChanged.connect(self._sidebar_changed)
        self.splitter.addWidget(self.sidebar)

        # Main area: the people page, or an extra view from add_sidebar_view.
        self.main_stack = QStackedWidget()
        self.splitter.addWidget(self.main_stack)
        people_page = QSplitter(Qt.Orientation.Horizontal)
        self.people_page = people_page
        self.main_stack.addWidget(people_page)

        list_area = QWidget()
        list_layout = QVBoxLayout(list_area)
        list_layout.setContentsMargins(0, 0, 0, 0)
        search_row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search names, contact details, tags, notes and resumes…")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.textChanged.connect(self._search_edited)
        self.search.returnPressed.connect(self.search_now)
        search_row.addWidget(self.search, 1)
        list_layout.addLayout(search_row)
        self.count_label = QLabel()
        list_layout.addWidget(self.count_label)

        self.model = PeopleModel(worker, self)
        self.model.loaded.connect(self._loaded)
        self.model.failed.connect(self._load_failed)
        self.model.dataChanged.connect(self._rows_arrived)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._sort_indicator_changed)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((180, 140, 190, 130, 140)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(self._row_activated)
        list_layout.addWidget(self.table, 1)
        people_page.addWidget(list_area)

        self.detail = PersonDetail(worker)
        people_page.addWidget(self.detail)
        people_page.setStretchFactor(0, 3)
        people_page.setStretchFactor(1, 2)
        people_page.setSizes([560, 600])

        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([190, 1000])

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._run_search)
        worker.data_changed.connect(self.refresh)

    # --- extension ---------------------------------------------------------------------------

    def add_view(self, title: str, widget: QWidget, view_icon: QIcon | None = None) -> None:
        item = QTreeWidgetItem([title])
        item.setIcon(0, view_icon if view_icon is not None else icon("list"))
        item.setData(0, _KIND_ROLE, "extra")
        item.setData(0, _KEY_ROLE, self.main_stack.addWidget(widget))
        item.setData(0, _TITLE_ROLE, title)
        self.sidebar.insertTopLevelItem(self.sidebar.indexOfTopLevelItem(self.tags_item), item)
        self._extra_views.append(widget)

    # --- loading -----------------------------------------------------------------------------

    def start(self) -> None:
        """Fill the workspace after an unlock."""
        self.sidebar.setCurrentItem(self._view_items["all"])
        self.main_stack.setCurrentIndex(0)
        self.model.set_query(PeopleQuery(sort=self.model.query.sort, descending=self.model.query.descending))
        self._refresh_sidebar()

    def refresh(self, person_uuid: str = "") -> None:
        """Reload after a change, keeping the selected person selected."""
        if not self.worker.is_open:
            return
        self.model.reload()
        self._refresh_sidebar()

    def _refresh_sidebar(self) -> None:
        def show(result: tuple[dict[str, int], list[tuple[str, int]]]) -> None:
            counts, tags = result
            for key, item in self._view_items.items():
                text = f"{item.data(0, _TITLE_ROLE)}  ({counts.get(key, 0)})"
                if item.text(0) != text:  # after most edits nothing changed: no relayout, no repaint
                    item.setText(0, text)
            children = [self.tags_item.child(i) for i in range(self.tags_item.childCount())]
            shown = [(child.data(0, _KEY_ROLE), child.text(0)) for child in children if child is not None]
            if shown == [(name, f"{name}  ({count})") for name, count in tags]:
                return
            current = self.sidebar.currentItem()
            current_tag = current.data(0, _KEY_ROLE) if current and current.data(0, _KIND_ROLE) == "tag" else None
            self.sidebar.blockSignals(True)
            self.tags_item.takeChildren()
            for name, count in tags:
                child = QTreeWidgetItem([f"{name}  ({count})"])
                child.setData(0, _KIND_ROLE, "tag")
                child.setData(0, _KEY_ROLE, name)
                self.tags_item.addChild(child)
                if name == current_tag:
                    self.sidebar.setCurrentItem(child)
            self.sidebar.blockSignals(False)
            self.tags_item.setExpanded(True)

        self.worker.call(_view_counts, show, lambda error: None, context=self)

    def _sidebar_changed(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if item is None or not self.worker.is_open:
            return
        kind, key = item.data(0, _KIND_ROLE), item.data(0, _KEY_ROLE)
        if kind == "extra":
            self.main_stack.setCurrentIndex(int(key))
            return
        self.main_stack.setCurrentIndex(0)
        if kind == "view":
            query = replace(self.model.query, view=key, tag=None)
        elif kind == "tag":
            query = replace(self.model.query, view="tag", tag=key)
        else:
            return
        self.model.set_query(query)

    def _sort_indicator_changed(self, column: int, _order: Qt.SortOrder) -> None:
        """Only name, organisation and last change sort; put the arrow back on the real sort."""
        if column in SORT_KEYS:
            return
        key_column = next(c for c, k in SORT_KEYS.items() if k == self.model.query.sort)
        order = Qt.SortOrder.DescendingOrder if self.model.query.descending else Qt.SortOrder.AscendingOrder
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(key_column, order)
        header.blockSignals(False)

    def _search_edited(self, _text: str) -> None:
        self._debounce.start()

    def _run_search(self) -> None:
        if not self.worker.is_open:
            return
        self.main_stack.setCurrentIndex(0)
        self.model.set_query(replace(self.model.query, search=self.search.text().strip()))

    def search_now(self) -> None:
        """Run the typed search without waiting for the debounce (Enter, tests)."""
        self._debounce.stop()
        self._run_search()

    def _loaded(self, total: int, is_search: bool) -> None:
        if is_search:
            self.count_label.setText("1 match" if total == 1 else f"{total} matches")
        else:
            self.count_label.setText("1 person" if total == 1 else f"{total} people")
        if self._selected_uuid:
            row = self.model.row_of(self._selected_uuid)
            if row >= 0:
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.detail.set_person(self._selected_uuid, again=self.detail.person_uuid == self._selected_uuid)
                return
            if is_search or self.model.query.view != "all":
                self.select_person(None)
            else:
                self.detail.set_person(self._selected_uuid)

    def _load_failed(self, message: str) -> None:
        self.count_label.setText(message)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        person_uuid = self.model.uuid_at(current.row()) if current.isValid() else None
        if person_uuid is None and current.isValid() and not self.model.row_loaded(current.row()):
            return  # its row data is on the way; _rows_arrived picks it up
        if person_uuid is None and (self.model.loading or self.model.rowCount() == 0 and self._selected_uuid):
            return  # the list is being reloaded; the selection comes back in _loaded
        if person_uuid != self._selected_uuid:
            self.select_person(person_uuid)

    def _rows_arrived(self, top: QModelIndex, bottom: QModelIndex) -> None:
        current = self.table.currentIndex()
        if current.isValid() and top.row() <= current.row() <= bottom.row():
            self._current_changed(current, QModelIndex())

    def _row_activated(self, index: QModelIndex) -> None:
        person_uuid = self.model.uuid_at(index.row())
        if person_uuid:
            self.detail.edit_requested.emit(person_uuid)

    def select_person(self, person_uuid: str | None) -> None:
        self._selected_uuid = person_uuid
        self.detail.set_person(person_uuid)
        self.person_selected.emit(person_uuid)

    def show_person(self, person_uuid: str) -> None:
        """Select a person (e.g. one just added), whether or not the list shows them yet."""
        self._selected_uuid = person_uuid
        row = self.model.row_of(person_uuid)
        if row >= 0:
            self.table.selectRow(row)
        self.select_person(person_uuid)

    @property
    def selected_uuid(self) -> str | None:
        return self._selected_uuid

    # --- locking -----------------------------------------------------------------------------

    def clear(self) -> None:
        """Drop every piece of personal data the workspace shows (on lock)."""
        self._debounce.stop()
        self._selected_uuid = None
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.count_label.clear()
        self.model.clear()
        self.detail.clear()
        self.tags_item.takeChildren()
        for item in self._view_items.values():
            item.setText(0, item.data(0, _TITLE_ROLE))
        for view in self._extra_views:
            clear: Callable[[], None] | None = getattr(view, "clear", None)
            if clear is not None:
                clear()

"""The people list: a table model over person ids that fetches rows page by page.

The model never holds the whole vault: it knows the total for the current view or search
and asks the worker for the next page of ``PersonRow`` only when the view scrolls near the
end (``canFetchMore`` / ``fetchMore``). Every request carries a generation number, so a page
that arrives after the view changed (or after a lock) is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from vault.people import PersonRow
from vault.store import Vault

from .icons import icon
from .worker import VaultWorker

PAGE_SIZE = 100
COLUMNS = ("Name", "Organisation", "E-mail", "Phone", "Title", "Last change")
#: Columns the core can sort by, and the key it understands.
SORT_KEYS = {0: "name", 1: "organisation", 5: "updated"}
UUID_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class PeopleQuery:
    """What the list shows: a sidebar view (or tag) or a search, and the sort order."""

    view: str = "all"
    tag: str | None = None
    search: str = ""
    sort: str = "name"
    descending: bool = False


def _search_kind(view: str) -> str | None:
    return {"candidates": "candidate", "contacts": "contact"}.get(view)


def fetch_page(vault: Vault, query: PeopleQuery, offset: int, limit: int) -> tuple[int, list[PersonRow]]:
    """Runs on the worker: (total, rows) for one page of ``query``."""
    if query.search.strip():
        result = vault.search.query(query.search, limit=limit, offset=offset, kind=_search_kind(query.view))
        return result.total, vault.people.rows(result.ids)
    ids = vault.people.list_ids(view=query.view, tag=query.tag, sort=query.sort, descending=query.descending,
                                limit=limit, offset=offset)
    return vault.people.count(query.view, query.tag), vault.people.rows(ids)


class PeopleModel(QAbstractTableModel):
    #: total, is_search — after the first page of a new query arrived.
    loaded = Signal(int, bool)
    failed = Signal(str)

    def __init__(self, worker: VaultWorker, parent: Any = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.query = PeopleQuery()
        self._rows: list[PersonRow] = []
        self._total = 0
        self._generation = 0
        self._fetching = False
        self.loading = False

    # --- Qt model API -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt API)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (row.full_name, row.organisation, row.email, row.phone, row.title, row.updated_at[:10])
            return values[column] if 0 <= column < len(values) else None
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return icon("person")
        if role == UUID_ROLE:
            return row.uuid
        if role == ID_ROLE:
            return row.id
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid():
            return False
        return not self._fetching and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self.canFetchMore(parent):
            return
        self._request(len(self._rows))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS.get(column)
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) != (self.query.sort, self.query.descending):
            self.set_query(replace(self.query, sort=key, descending=descending))

    # --- loading ----------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return self._total

    def set_query(self, query: PeopleQuery) -> None:
        self.query = query
        self.reload()

    def reload(self) -> None:
        """Start again from the first page of the current query."""
        self._reset(self.query)
        if self.worker.is_open:
            self.loading = True
            self._request(0)

    def clear(self) -> None:
        """Forget every row (on lock)."""
        self._reset(PeopleQuery())

    def _reset(self, query: PeopleQuery) -> None:
        self._generation += 1
        self.beginResetModel()
        self.query = query
        self._rows = []
        self._total = 0
        self._fetching = False
        self.loading = False
        self.endResetModel()

    def _request(self, offset: int) -> None:
        generation, query = self._generation, self.query
        self._fetching = True

        def done(result: tuple[int, list[PersonRow]]) -> None:
            if generation != self._generation:
                return
            total, rows = result
            first = offset == 0
            # Still "fetching" while rows go in: views and testers may ask for more from the signals.
            if rows:
                start = len(self._rows)
                self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
                self._rows.extend(rows)
                self.endInsertRows()
            self._total = len(self._rows) if len(rows) < PAGE_SIZE else max(total, len(self._rows))
            self._fetching = False
            if first:
                self.loading = False
                self.loaded.emit(self._total, bool(query.search.strip()))

        def failed(error: Exception) -> None:
            if generation != self._generation:
                return
            self._fetching = False
            self.loading = False
            self._total = len(self._rows)
            self.failed.emit(str(error))

        self.worker.call(lambda vault: fetch_page(vault, query, offset, PAGE_SIZE), done, failed)

    # --- lookups ----------------------------------------------------------------------------

    def uuid_at(self, row: int) -> str | None:
        return self._rows[row].uuid if 0 <= row < len(self._rows) else None

    def row_of(self, person_uuid: str) -> int:
        for number, row in enumerate(self._rows):
            if row.uuid == person_uuid:
                return number
        return -1

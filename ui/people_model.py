"""The people list: a table model over person ids that fetches row data lazily, block by block.

Like Anki's browser, the model pages in person *ids* only (cheap ints, ``PAGE_SIZE`` per
``canFetchMore`` / ``fetchMore``), and fetches the row data (``PersonRow``) only for the rows
the view actually asks ``data()`` for, in aligned blocks of ``BLOCK_SIZE`` rows, on the worker
thread. Until a block arrives its rows show a placeholder; when it arrives the model emits
``dataChanged``. Blocks live in a small LRU cache (``MAX_BLOCKS``), so scrolling through the
whole list keeps memory flat and fetches the data of only the rows that were on screen.

Every request carries a generation number, so ids or rows that arrive after the view changed
(or after a lock) are dropped; ``clear()`` forgets every id and every cached row.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from vault.people import PersonRow
from vault.store import Vault

from .icons import icon
from .worker import VaultWorker

#: Person ids fetched per ``fetchMore``.
PAGE_SIZE = 5_000
#: Rows of data fetched at once, around a row the view asked for (aligned blocks).
BLOCK_SIZE = 100
#: Blocks of row data kept (least recently used dropped first): at most 5,000 rows in memory.
MAX_BLOCKS = 50
#: What a row shows (first column) until its data has arrived.
PLACEHOLDER = "…"
#: How many uuid → id pairs handed out by ``uuid_at`` are remembered, to find a row again after a reload.
_KNOWN_UUIDS = 1_000
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


def fetch_ids(vault: Vault, query: PeopleQuery, offset: int, limit: int,
              with_rows: int = 0) -> tuple[int, list[int], list[PersonRow]]:
    """Runs on the worker: (total, ids, rows) for one page of ids of ``query``.

    ``rows`` holds the data of the first ``with_rows`` ids (the first block, so the list shows
    names as soon as it appears); every other row's data is fetched by the model when shown.
    A search in the current view is not counted here (``total`` is -1 when the page is full):
    ``count_matches`` does that next, after the rows are on screen.
    """
    if query.search.strip():
        result = vault.search.query(query.search, limit=limit, offset=offset, view=query.view, tag=query.tag,
                                    count=False)
        total, ids = result.total, list(result.ids)
    else:
        ids = vault.people.list_ids(view=query.view, tag=query.tag, sort=query.sort, descending=query.descending,
                                    limit=limit, offset=offset)
        total = vault.people.count(query.view, query.tag)
    return total, ids, vault.people.rows(ids[:with_rows]) if with_rows else []


def count_matches(vault: Vault, query: PeopleQuery) -> int:
    """Runs on the worker: how many people the search of ``query`` matches in its view."""
    return vault.search.count(query.search, view=query.view, tag=query.tag)


class PeopleModel(QAbstractTableModel):
    #: total, is_search — after the first page of a new query arrived.
    loaded = Signal(int, bool)
    failed = Signal(str)

    def __init__(self, worker: VaultWorker, parent: Any = None, *, page_size: int = PAGE_SIZE,
                 block_size: int = BLOCK_SIZE, max_blocks: int = MAX_BLOCKS,
                 search_first_page: int | None = None) -> None:
        super().__init__(parent)
        #: Search matches ranked for the first screen (one block by default); the rest are ranked
        #: ``page_size`` at a time on scroll, and counted in a second call once the rows show.
        self.search_first_page = block_size if search_first_page is None else search_first_page
        if page_size % block_size or self.search_first_page % block_size:
            raise ValueError("page_size and search_first_page must be multiples of block_size")
        self.worker = worker
        self.page_size = page_size
        self.block_size = block_size
        self.max_blocks = max(1, max_blocks)
        self.query = PeopleQuery()
        self._ids = array("q")
        self._blocks: OrderedDict[int, list[PersonRow | None]] = OrderedDict()
        self._pending_blocks: set[int] = set()
        self._failed_blocks: set[int] = set()
        self._known: OrderedDict[str, int] = OrderedDict()
        self._total = 0
        self._generation = 0
        self._rows_epoch = 0
        self._fetching = False
        self.loading = False
        #: Row data fetched so far (rows, not ids), for benchmarks and tests.
        self.rows_fetched = 0

    # --- Qt model API -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt API)
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._ids)):
            return None
        column = index.column()
        if role == ID_ROLE:
            return self._ids[index.row()]
        if role == Qt.ItemDataRole.DecorationRole:
            return icon("person") if column == 0 else None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, UUID_ROLE):
            return None
        row = self._row(index.row())
        if row is None:
            return PLACEHOLDER if role == Qt.ItemDataRole.DisplayRole and column == 0 else None
        if role == UUID_ROLE:
            return row.uuid
        values = (row.full_name, row.organisation, row.email, row.phone, row.title, row.updated_at[:10])
        return values[column] if 0 <= column < len(values) else None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid():
            return False
        return not self._fetching and len(self._ids) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self.canFetchMore(parent):
            return
        self._request_ids(len(self._ids))

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

    @property
    def cached_rows(self) -> int:
        """Rows whose data the model holds right now (bounded by ``max_blocks * block_size``)."""
        return sum(len(rows) for rows in self._blocks.values())

    def set_query(self, query: PeopleQuery) -> None:
        self.query = query
        self.reload()

    def reload(self) -> None:
        """Start again from the first page of the current query.

        The rows shown stay until that page arrives and replaces them in one reset: the list is
        painted once, not empty first and then again (after every edit, every keystroke's search).
        """
        if not self._ids or not self.worker.is_open:
            self._reset(self.query)
            if self.worker.is_open:
                self.loading = True
                self._request_ids(0)
            return
        self._generation += 1  # answers for the rows shown (blocks, pages, counts) are dropped
        self._pending_blocks.clear()
        self._failed_blocks.clear()
        self.loading = True
        self._request_ids(0, replace=True)

    def clear(self) -> None:
        """Forget every id and every row (on lock)."""
        self._reset(PeopleQuery())
        self._known.clear()

    def _reset(self, query: PeopleQuery) -> None:
        self._generation += 1
        self.query = query
        self._fetching = False
        self.loading = False
        self._drop_rows()

    def _drop_rows(self) -> None:
        self._rows_epoch += 1  # a block asked for the dropped rows must not fill the new ones
        self.beginResetModel()
        self._ids = array("q")
        self._blocks.clear()
        self._pending_blocks.clear()
        self._failed_blocks.clear()
        self._total = 0
        self.endResetModel()

    def _request_ids(self, offset: int, *, replace: bool = False) -> None:
        """Ask for a page of ids; ``replace``: the first page of a reload, which drops the rows
        still shown when it arrives."""
        generation, query = self._generation, self.query
        first = offset == 0
        is_search = bool(query.search.strip())
        self._fetching = True
        with_rows = self.block_size if first else 0
        # A search ranks one screen first (its rows come with it); a list pages ids cheaply.
        page = self.search_first_page if first and is_search else self.page_size

        def done(result: tuple[int, list[int], list[PersonRow]]) -> None:
            if generation != self._generation:
                return
            total, ids, rows = result
            if replace:
                self._drop_rows()
            if first and ids:
                self._store_block(0, ids[:self.block_size], rows)
            # Still "fetching" while ids go in: views and testers may ask for more from the signals.
            if ids:
                start = len(self._ids)
                self.beginInsertRows(QModelIndex(), start, start + len(ids) - 1)
                self._ids.extend(ids)
                self.endInsertRows()
            if total < 0:  # a full first page of a search: counted next, once these rows show
                self._total = len(self._ids)
                self._count(generation, query)
                return
            self._total = len(self._ids) if len(ids) < page else max(total, len(self._ids))
            self._fetching = False
            if first:
                self.loading = False
                self.loaded.emit(self._total, is_search)

        def failed(error: Exception) -> None:
            if generation != self._generation:
                return
            if replace:
                self._drop_rows()  # never leave the rows of another query (or of before a change) shown
            self._fetching = False
            self.loading = False
            self._total = len(self._ids)
            self.failed.emit(str(error))

        self.worker.call(lambda vault: fetch_ids(vault, query, offset, page, with_rows), done, failed, context=self)

    def _count(self, generation: int, query: PeopleQuery) -> None:
        """The total of a search whose first screen is shown; the list can grow past it after."""

        def done(total: int) -> None:
            if generation != self._generation:
                return
            self._total = max(total, len(self._ids))
            self._fetching = False
            self.loading = False
            self.loaded.emit(self._total, True)

        def failed(error: Exception) -> None:
            if generation != self._generation:
                return
            self._fetching = False
            self.loading = False
            self.failed.emit(str(error))

        self.worker.call(lambda vault: count_matches(vault, query), done, failed, context=self)

    # --- row data, block by block -------------------------------------------------------------

    def _row(self, row: int, request: bool = True) -> PersonRow | None:
        block = row // self.block_size
        rows = self._blocks.get(block)
        if rows is None:
            if request:
                self._request_block(block)
            return None
        self._blocks.move_to_end(block)
        offset = row - block * self.block_size
        return rows[offset] if offset < len(rows) else None

    def row_loaded(self, row: int) -> bool:
        """Whether the data of ``row`` is here (False while its block is on the way)."""
        block = self._blocks.get(row // self.block_size)
        return block is not None and row - (row // self.block_size) * self.block_size < len(block)

    def _request_block(self, block: int) -> None:
        if block in self._pending_blocks or block in self._failed_blocks or not self.worker.is_open:
            return
        start = block * self.block_size
        ids = self._ids[start:start + self.block_size].tolist()
        if not ids:
            return
        generation, epoch = self._generation, self._rows_epoch
        self._pending_blocks.add(block)

        def done(rows: list[PersonRow]) -> None:
            if generation != self._generation or epoch != self._rows_epoch:
                return
            self._pending_blocks.discard(block)
            self._store_block(block, ids, rows)
            self.dataChanged.emit(self.index(start, 0), self.index(start + len(ids) - 1, len(COLUMNS) - 1))

        def failed(error: Exception) -> None:
            if generation != self._generation or epoch != self._rows_epoch:
                return
            self._pending_blocks.discard(block)
            self._failed_blocks.add(block)  # no retry loop from every repaint; a reload tries again
            self.failed.emit(str(error))

        self.worker.call(lambda vault: vault.people.rows(ids), done, failed, context=self)

    def _store_block(self, block: int, ids: list[int], rows: list[PersonRow]) -> None:
        self.rows_fetched += len(rows)
        by_id = {row.id: row for row in rows}
        self._blocks[block] = [by_id.get(person_id) for person_id in ids]  # a deleted person stays empty
        self._blocks.move_to_end(block)
        while len(self._blocks) > self.max_blocks:
            self._blocks.popitem(last=False)

    # --- lookups ----------------------------------------------------------------------------

    def uuid_at(self, row: int) -> str | None:
        """The UUID of ``row``, or None while its data is on the way (it is then requested)."""
        if not 0 <= row < len(self._ids):
            return None
        person = self._row(row)
        if person is None:
            return None
        self._known[person.uuid] = person.id
        self._known.move_to_end(person.uuid)
        while len(self._known) > _KNOWN_UUIDS:
            self._known.popitem(last=False)
        return person.uuid

    def row_of(self, person_uuid: str) -> int:
        """The row of a person whose id is known (cached rows, or a UUID handed out before), or -1."""
        person_id = self._known.get(person_uuid)
        if person_id is None:
            person_id = next((row.id for rows in self._blocks.values() for row in rows
                              if row is not None and row.uuid == person_uuid), None)
        if person_id is None:
            return -1
        try:
            return self._ids.index(person_id)
        except ValueError:
            return -1

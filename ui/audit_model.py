"""A lazy table of audit events (newest first) for the audit viewer and a person's Activity tab.

Rows are fetched page by page on the vault worker (``canFetchMore``/``fetchMore``), so a
trail of a million events opens as fast as one of ten. Results that arrive after the scope
changed, or after a lock, are dropped. Names come from the export annotations (never from
the chain), so a deleted person shows as "[erased]".
"""

from __future__ import annotations

import json
import re
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from vault.audit import AuditEvent
from vault.audit.scope import EventRow, ExportScope, count_scope, page_events

from .list_model import ListTableModel
from .worker import VaultWorker

Index = QModelIndex | QPersistentModelIndex
EVENT_ROLE = Qt.ItemDataRole.UserRole + 1
SEQ_ROLE = Qt.ItemDataRole.UserRole + 2

_UUID = re.compile(r"([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _words(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_words(v)}" for k, v in value.items())
    return _UUID.sub(lambda m: m.group(1) + "…", str(value))


def describe_details(details: dict[str, Any]) -> str:
    """Field names, counts and flags in words; ids cut to 8 characters (the tooltip has them whole)."""
    return "; ".join(f"{key.replace('_', ' ')}: {_words(value)}" for key, value in details.items()
                     if value is not None)


#: Plain words for the actions a person's history shows; other actions show as their name.
ACTION_LABELS = {
    "person.created": "Added", "person.updated": "Edited", "person.sharing_policy": "Sharing policy changed",
    "person.exported": "Exported", "contact_point.added": "Contact detail added",
    "contact_point.updated": "Contact detail changed", "contact_point.removed": "Contact detail removed",
    "tag.added": "Tag added", "tag.removed": "Tag removed", "document.added": "Document added",
    "document.updated": "Document changed", "document.removed": "Document removed",
    "document.exported": "Document saved to disk", "document.viewed": "Document viewed",
    "authorisation.logged": "Authorisation logged", "authorisation.revoked": "Authorisation revoked",
    "share.created": "Shared", "share.refused": "Share refused", "outreach.logged": "Outreach logged",
    "intro.requested": "Introduction requested", "intro.answered": "Introduction answered",
    "package.imported": "Imported from a package", "import.applied": "Imported",
}


#: Column sets: the audit viewer shows the subject; a person's Activity tab does not need to.
VIEWER_COLUMNS = ("#", "When (UTC)", "Action", "Subject", "Details")
PERSON_COLUMNS = ("When (UTC)", "What", "Details", "#")


class AuditModel(ListTableModel[EventRow]):
    """``set_scope(scope)`` (re)starts loading; ``clear()`` empties it (on lock)."""

    loading_changed = Signal(bool)
    total_changed = Signal(int)
    failed = Signal(str)

    def __init__(self, worker: VaultWorker, parent: Any = None, *, columns: tuple[str, ...] = VIEWER_COLUMNS,
                 page_size: int = 200) -> None:
        super().__init__(parent)
        self.worker = worker
        self.columns = columns
        self.page_size = page_size
        self.scope: ExportScope | None = None
        self.total = 0
        self._generation = 0
        self._fetching = False
        self._exhausted = True

    # --- loading ----------------------------------------------------------------------------

    def set_scope(self, scope: ExportScope | None) -> None:
        self._generation += 1
        self.beginResetModel()
        self._items = []
        self.scope = scope
        self.total = 0
        self._fetching = False
        self._exhausted = scope is None
        self.endResetModel()
        if scope is None:
            return
        generation = self._generation
        self.worker.call(lambda v: count_scope(v.conn, scope),
                         lambda total: self._got_total(generation, total), self._error, context=self)
        self.fetchMore(QModelIndex())

    def refresh(self) -> None:
        self.set_scope(self.scope)

    def clear(self) -> None:
        self.set_scope(None)

    def _got_total(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self.total = total
            self.total_changed.emit(total)

    def _error(self, error: Exception) -> None:
        self._set_fetching(False)
        self.failed.emit(str(error))

    def _set_fetching(self, value: bool) -> None:
        if value != self._fetching:
            self._fetching = value
            self.loading_changed.emit(value)

    @property
    def loading(self) -> bool:
        return self._fetching

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 (Qt API)
        return not parent.isValid() and self.scope is not None and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self.scope is None or self._exhausted or self._fetching:
            return
        scope, generation, limit = self.scope, self._generation, self.page_size
        before = self._items[-1].event.seq if self._items else None
        self._set_fetching(True)

        def arrived(rows: list[EventRow]) -> None:
            if generation != self._generation:
                return
            self._set_fetching(False)
            if len(rows) < limit:
                self._exhausted = True
            if rows:
                start = len(self._items)
                self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
                self._items.extend(rows)
                self.endInsertRows()

        def failed(error: Exception) -> None:
            if generation == self._generation:
                self._exhausted = True
                self._error(error)

        self.worker.call(lambda v: page_events(v, scope, before, limit), arrived, failed, context=self)

    # --- compatibility with the person Activity tab -----------------------------------------

    def event_at(self, row: int) -> AuditEvent | None:
        item = self.item(row)
        return item.event if item else None

    def subject_name(self, row: int) -> str | None:
        item = self.item(row)
        return item.subject_name if item else None

    # --- the table --------------------------------------------------------------------------

    def _cell(self, row: EventRow, column: str) -> str:
        event = row.event
        if column == "#":
            return str(event.seq)
        if column == "When (UTC)":
            return event.at[:19].replace("T", " ")
        if column == "Action":
            return event.action
        if column == "What":
            return ACTION_LABELS.get(event.action, event.action)
        if column == "Subject":
            if row.subject_name:
                return row.subject_name
            return event.subject_type if event.subject_type == "vault" else \
                f"{event.subject_type} {event.subject_id[:8]}"
        if column == "Details":
            return describe_details(event.details)
        return ""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.item(index.row()) if index.isValid() else None
        if row is None or not 0 <= index.column() < len(self.columns):
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            event = row.event
            return (f"{event.action} · event #{event.seq}\nsubject {event.subject_type} {event.subject_id}\n"
                    f"details {json.dumps(event.details, sort_keys=True)}\nhash {event.hash}\nprev {event.prev}")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "#":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == EVENT_ROLE:
            return row.event
        if role == SEQ_ROLE:
            return row.event.seq
        return None

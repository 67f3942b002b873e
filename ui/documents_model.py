"""A person's documents (all versions) as a table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from vault.documents import Document

from .icons import icon
from .list_model import ListTableModel

COLUMNS = ("File", "Kind", "Version", "Default", "In shares", "Size", "Added")
ROLE_LABELS = {"resume": "Resume", "evidence": "Evidence", "photo": "Photo", "other": "Other"}
TEXT_LABELS = {"extracted": "Searchable", "empty": "No text", "failed": "Not readable"}
DOCUMENT_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1048576:.1f} MB"


class DocumentsModel(ListTableModel[Document]):
    columns = COLUMNS

    def set_documents(self, documents: list[Document]) -> None:
        self.set_items(documents)

    def document(self, row: int) -> Document | None:
        return self.item(row)

    def row_of(self, document_uuid: str) -> int:
        for row, doc in enumerate(self._items):
            if doc.uuid == document_uuid:
                return row
        return -1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        doc = self.document(index.row()) if index.isValid() else None
        if doc is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            values = (doc.file_name, ROLE_LABELS.get(doc.role, doc.role), f"v{doc.version}",
                      "Default" if doc.is_default else "", "Yes" if doc.shareable else "Excluded",
                      human_size(doc.size), doc.created_at[:10])
            return values[column] if 0 <= column < len(values) else None
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return icon("warning" if doc.text_status == "failed" else "document")
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{doc.file_name}\n{doc.mime_type}, SHA-256 {doc.sha256[:16]}…\nText: {TEXT_LABELS.get(doc.text_status, doc.text_status)}"
            if doc.text_error:
                tip += f" ({doc.text_error})"
            return tip
        if role == DOCUMENT_ROLE:
            return doc.uuid
        return None

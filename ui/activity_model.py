"""One person's audit events as a table (the audit viewer may later share a richer model).

Events hold field names and ids, never personal values, so this table shows what happened
to the person and when, not the values themselves.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from vault.audit import AuditEvent

from .list_model import ListTableModel

COLUMNS = ("When (UTC)", "What", "Details", "#")
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
EVENT_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


def describe_details(details: dict[str, Any]) -> str:
    """Field names and flags in words; ids are left to the tooltip."""
    parts: list[str] = []
    for key, value in details.items():
        if key in ("document", "contact_point", "authorisation", "sha256", "owner_key"):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value) or "—"
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


class ActivityModel(ListTableModel[AuditEvent]):
    columns = COLUMNS

    def set_events(self, events: list[AuditEvent]) -> None:
        self.set_items(events)

    def event_at(self, row: int) -> AuditEvent | None:
        return self.item(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        event = self.event_at(index.row()) if index.isValid() else None
        if event is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            values = (event.at[:19].replace("T", " "), ACTION_LABELS.get(event.action, event.action),
                      describe_details(event.details), str(event.seq))
            column = index.column()
            return values[column] if 0 <= column < len(values) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{event.action} · event #{event.seq} · hash {event.hash[:16]}…"
        if role == EVENT_ROLE:
            return event.seq
        return None

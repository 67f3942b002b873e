"""A person's contact points as a table: value, label, source, date obtained, outreach flag."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from vault.people import ContactPoint

from .icons import icon
from .list_model import ListTableModel
from .theme import warning_colour

COLUMNS = ("Kind", "Value", "Source", "Obtained", "Outreach")
KIND_LABELS = {"email": "E-mail", "phone": "Phone", "address": "Address", "link": "Link"}
#: Short source names for the table; the tooltip and the edit dialog use SOURCE_LABELS.
SHORT_SOURCES = {"given": "Given", "imported-file": "Imported", "package": "Package"}
SOURCE_LABELS = {"given": "Given by the person", "referral": "Referral", "job-board": "Job board",
                 "public-profile": "Public profile", "imported-file": "Imported file",
                 "old-document": "Old document", "package": "Share package", "other": "Other"}
POINT_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


def needs_warning(point: ContactPoint) -> bool:
    """Do-not-contact points and ones taken from an old document need a second thought."""
    return point.outreach == "do-not-contact" or point.from_old_document


class ContactPointsModel(ListTableModel[ContactPoint]):
    columns = COLUMNS

    def set_points(self, points: list[ContactPoint]) -> None:
        self.set_items(points)

    def point(self, row: int) -> ContactPoint | None:
        return self.item(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        point = self.point(index.row()) if index.isValid() else None
        if point is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            kind = KIND_LABELS.get(point.kind, point.kind)
            source = SHORT_SOURCES.get(point.source) or SOURCE_LABELS.get(point.source, point.source)
            values = (f"{kind} · {point.label}" if point.label else kind, point.value, source,
                      point.obtained_on or "", "Do not contact" if point.outreach == "do-not-contact" else "OK")
            return values[column] if 0 <= column < len(values) else None
        if role == Qt.ItemDataRole.DecorationRole and column == 4 and point.outreach == "do-not-contact":
            return icon("do-not-contact")
        if role == Qt.ItemDataRole.DecorationRole and column == 2 and point.from_old_document:
            return icon("warning")
        if role == Qt.ItemDataRole.ForegroundRole and point.outreach == "do-not-contact" and column in (1, 4):
            return QColor(warning_colour())
        if role == Qt.ItemDataRole.ToolTipRole:
            source = SOURCE_LABELS.get(point.source, point.source)
            detail = f" ({point.source_detail})" if point.source_detail else ""
            tip = f"{point.value}\nSource: {source}{detail}, obtained {point.obtained_on or 'on an unknown date'}"
            if point.outreach == "do-not-contact":
                tip += "\nMarked do-not-contact: the person asked not to be contacted this way."
            if point.from_old_document:
                tip += "\nTaken from an old document: it may be out of date or not meant for you."
            return tip
        if role == POINT_ROLE:
            return point.uuid
        return None

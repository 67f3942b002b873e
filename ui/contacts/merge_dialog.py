"""Side by side: what the vault holds and what the file brings, with a choice per field.

Empty fields are filled from the file and every new contact point and tag is added in any
case; only fields where both sides hold different values need a choice (the vault's value is
kept unless the user picks the file's).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from vault.importing import RowPlan
from vault.importing.plan import MERGE_FIELDS

LABELS = {"full_name": "Name", "given_name": "Given name", "family_name": "Family name",
          "organisation": "Organisation", "title": "Title", "headline": "Headline"}


class MergeDialog(QDialog):
    def __init__(self, row: RowPlan, current: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        self.setWindowTitle(f"Merge {row.label}: {row.name}")
        layout = QVBoxLayout(self)
        intro = QLabel(f"Same {row.matched_by} as a person already in the vault. Choose, field by field, which "
                       "value to keep. New contact points and tags from the file are always added.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        for col, text in enumerate(("Field", "In the vault", "In the file")):
            grid.addWidget(QLabel(f"<b>{text}</b>"), 0, col)
        self.groups: dict[str, QButtonGroup] = {}
        incoming_values = self._incoming()
        for r, name in enumerate(("full_name", *MERGE_FIELDS), start=1):
            mine, theirs = current.get(name, ""), incoming_values.get(name, "")
            grid.addWidget(QLabel(LABELS[name]), r, 0)
            keep = QRadioButton(mine or "(empty)")
            take = QRadioButton(theirs or "(empty)")
            group = QButtonGroup(self)
            group.addButton(keep, 0)
            group.addButton(take, 1)
            grid.addWidget(keep, r, 1)
            grid.addWidget(take, r, 2)
            choice = row.choices.get(name)
            if not theirs or theirs == mine:
                keep.setChecked(True)
                take.setEnabled(False)
            elif not mine:
                take.setChecked(True)
                keep.setEnabled(False)
            else:
                (take if choice == "incoming" else keep).setChecked(True)
                self.groups[name] = group
        layout.addLayout(grid)
        extra = [c for c in row.changes if not any(c == f for f in MERGE_FIELDS)]
        if extra:
            layout.addWidget(QLabel("Also added: " + ", ".join(extra)))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(600)

    def _incoming(self) -> dict[str, str]:
        prepared = self.row.prepared
        if prepared is None:
            return {}
        return {name: getattr(prepared.fields, name) or "" for name in ("full_name", *MERGE_FIELDS)}

    def choose(self, field: str, incoming: bool) -> None:
        group = self.groups[field]
        group.button(1 if incoming else 0).setChecked(True)

    def apply(self) -> None:
        for name, group in self.groups.items():
            if group.checkedId() == 1:
                self.row.choices[name] = "incoming"
            else:
                self.row.choices.pop(name, None)
        if any(v == "incoming" for v in self.row.choices.values()) and self.row.outcome == "duplicate":
            self.row.outcome = "merge"
            self.row.changes.append("chosen fields")
        self.accept()

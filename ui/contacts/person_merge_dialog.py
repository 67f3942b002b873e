"""Merge two records of the same person, side by side, with a choice per field.

Like the import's merge: the kept record's value stays unless the other's is chosen, empty
fields are filled from the other, and everything else of the other record (contact points,
tags, documents, authorisations, shares, outreach) moves to the kept one (vault.merging).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
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

from ui.worker import VaultWorker
from vault.errors import VaultError
from vault.merging import CHOICE_FIELDS, MergeReport, merge_people
from vault.people import Person
from vault.store import Vault

LABELS = {"full_name": "Name", "given_name": "Given name", "family_name": "Family name",
          "organisation": "Organisation", "title": "Title", "headline": "Headline", "status": "Status",
          "not_looking_until": "Not looking until", "retention_until": "Keep until"}


class PersonMergeDialog(QDialog):
    """``merged`` carries the kept person's UUID once the merge is written."""

    merged = Signal(str)

    def __init__(self, worker: VaultWorker, keep: Person, other: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.keep, self.other = keep, other
        self.report: MergeReport | None = None
        self.setWindowTitle(f"Merge {other.full_name} into {keep.full_name}")
        layout = QVBoxLayout(self)
        intro = QLabel("These two records share an e-mail, phone or profile link. Choose, field by field, which "
                       "value to keep. Contact points, tags, notes, documents, authorisations, shares and outreach "
                       "of both are kept; the second record is then removed. The merge is recorded in the audit "
                       "trail.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        for col, text in enumerate(("Field", f"Keep: {keep.uuid[:8]}", f"Merged in: {other.uuid[:8]}")):
            grid.addWidget(QLabel(f"<b>{text}</b>"), 0, col)
        self.groups: dict[str, QButtonGroup] = {}
        for r, name in enumerate(CHOICE_FIELDS, start=1):
            mine, theirs = getattr(keep, name) or "", getattr(other, name) or ""
            grid.addWidget(QLabel(LABELS[name]), r, 0)
            keep_button, take_button = QRadioButton(mine or "(empty)"), QRadioButton(theirs or "(empty)")
            group = QButtonGroup(self)
            group.addButton(keep_button, 0)
            group.addButton(take_button, 1)
            grid.addWidget(keep_button, r, 1)
            grid.addWidget(take_button, r, 2)
            if not theirs or theirs == mine:
                keep_button.setChecked(True)
                take_button.setEnabled(False)
            elif not mine:
                take_button.setChecked(True)
                keep_button.setEnabled(False)
            else:
                keep_button.setChecked(True)
                self.groups[name] = group
        layout.addLayout(grid)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.merge_button = self.buttons.addButton("Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(640)

    def choose(self, field: str, other: bool) -> None:
        self.groups[field].button(1 if other else 0).setChecked(True)

    def choices(self) -> dict[str, str]:
        return {name: "other" for name, group in self.groups.items() if group.checkedId() == 1}

    def apply(self) -> None:
        keep, other, choices = self.keep.uuid, self.other.uuid, self.choices()

        def write(vault: Vault) -> MergeReport:
            return merge_people(vault, keep, other, choices)

        self.merge_button.setEnabled(False)
        self.worker.call(write, self._done, self._failed, context=self)

    def _done(self, report: MergeReport) -> None:
        self.report = report
        self.worker.notify_changed(report.kept)
        self.merged.emit(report.kept)
        self.accept()

    def _failed(self, error: VaultError) -> None:
        self.merge_button.setEnabled(True)
        self.status.setText(str(error))

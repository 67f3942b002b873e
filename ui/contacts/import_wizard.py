"""Import wizard: file and format → column mapping → preview → import with progress → report.

Reading, planning and applying run on the vault worker thread; the preview writes nothing. The
import itself is one transaction: Stop (or any error) leaves the vault as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from ui.notifier import notifier
from ui.read_only_table import fill, read_only_table, selected_key
from ui.theme import is_dark, mark_warning_text
from ui.worker import CancelHandle, ProgressReporter, VaultWorker
from vault.errors import Cancelled, VaultError
from vault.importing import ImportPlan, apply_plan, keep_separate, plan_import, read_import_file
from vault.importing.csv_import import FIELDS, column_guesses
from vault.importing.plan import detect_format

from .merge_dialog import MergeDialog

FORMATS = (("Detect automatically", None), ("vCard (.vcf)", "vcard"), ("LinkedIn Connections.csv", "linkedin"),
           ("Google Contacts CSV", "google"), ("Outlook CSV", "outlook"), ("Other CSV (map the columns)", "csv"))
OUTCOME_WORDS = {"new": "new", "merge": "merge", "duplicate": "already there", "suppressed": "suppressed",
                 "failed": "cannot import"}
OUTCOME_COLOURS = {"failed": "#b3261e", "suppressed": "#8a6d00", "merge": "#1a5fb4"}
OUTCOME_COLOURS_DARK = {"failed": "#ff8a80", "suppressed": "#e6c35c", "merge": "#8ab4f8"}  # AA on dark base


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Choose a file")
        self.setSubTitle("vCard (2.1, 3.0, 4.0) or CSV: LinkedIn, Google, Outlook, or any other with a mapping.")
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setAccessibleName("File to import")
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        form.addRow("File:", row)
        self.format = QComboBox()
        for text, value in FORMATS:
            self.format.addItem(text, value)
        form.addRow("Format:", self.format)
        self.kind = QComboBox()
        self.kind.addItem("Network contacts (sharing locked)", "contact")
        self.kind.addItem("Candidates", "candidate")
        form.addRow("Import as:", self.kind)
        self.error = QLabel("")
        mark_warning_text(self.error)  # readable red in light and dark palettes
        form.addRow(self.error)
        self.path.textChanged.connect(lambda _t: self.completeChanged.emit())

    def _browse(self) -> None:
        path = notifier().choose_open_file(self, "Import contacts from", "",
                                           "Contacts (*.vcf *.vcard *.csv *.txt);;All files (*)")
        if path:
            self.path.setText(path)

    def isComplete(self) -> bool:
        text = self.path.text().strip()
        return bool(text) and Path(text).is_file()

    def validatePage(self) -> bool:
        try:
            self.wiz.data = read_import_file(self.path.text().strip())
        except VaultError as exc:
            self.error.setText(str(exc))
            return False
        self.wiz.file_name = Path(self.path.text().strip()).name
        chosen = self.format.currentData()
        self.wiz.fmt = chosen or detect_format(self.wiz.data, self.wiz.file_name)
        self.wiz.kind = self.kind.currentData()
        self.error.setText("")
        return True


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Columns")
        layout = QVBoxLayout(self)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Column", "Example", "Import as"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table, 1)
        self.initial: list[str] = []

    def initializePage(self) -> None:
        self.table.setRowCount(0)
        self.initial = []
        if self.wiz.fmt == "vcard":
            self.setSubTitle("vCard needs no mapping.")
            self.note.setText("Every card's name, e-mails, phones, addresses, links, organisation, title, "
                              "categories (tags), notes and photo are read.")
            self.table.hide()
            return
        self.setSubTitle("Each column was recognised by its name; change any that are wrong.")
        self.table.show()
        try:
            guesses = column_guesses(self.wiz.data)
        except VaultError as exc:
            self.note.setText(str(exc))
            return
        self.note.setText(f"{len(guesses)} columns. Unrecognised columns are left out.")
        self.table.setRowCount(len(guesses))
        for r, (header, field, example) in enumerate(guesses):
            self.table.setItem(r, 0, QTableWidgetItem(header))
            self.table.setItem(r, 1, QTableWidgetItem(example[:60]))
            combo = QComboBox()
            if field == "label":
                combo.addItem("label of the column beside it", "label")
            for name in FIELDS:
                combo.addItem(name.replace("_", " "), name)
            combo.setCurrentIndex(max(0, combo.findData(field)))
            self.table.setCellWidget(r, 2, combo)
            self.initial.append(field)
        self.table.resizeColumnsToContents()

    def mapping(self) -> dict[str, str]:
        """Only the columns the user changed (the rest keep their recognised meaning)."""
        out: dict[str, str] = {}
        if self.wiz.fmt == "vcard":
            return out
        for r, initial in enumerate(self.initial):
            combo = self.table.cellWidget(r, 2)
            assert isinstance(combo, QComboBox)
            value = combo.currentData()
            if value != initial and value != "label":
                out[str(r + 1)] = value
        return out

    def set_field(self, column: str, field: str) -> None:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.text() == column:
                combo = self.table.cellWidget(r, 2)
                assert isinstance(combo, QComboBox)
                combo.setCurrentIndex(combo.findData(field))
                return
        raise KeyError(column)


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Preview")
        self.setSubTitle("Nothing has been written yet.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Import")
        layout = QVBoxLayout(self)
        self.counts = QLabel("Reading the file…")
        self.counts.setWordWrap(True)
        layout.addWidget(self.counts)
        self.table = read_only_table(("Item", "Outcome", "Name", "Details"), stretch=3)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.merge_button = QPushButton("Merge side by side…")
        self.merge_button.setEnabled(False)
        self.merge_button.clicked.connect(self.open_merge)
        row.addWidget(self.merge_button)
        self.separate_button = QPushButton("Not the same person")
        self.separate_button.setToolTip("Import this card or row as a new person instead of merging it "
                                        "into the person it resembles")
        self.separate_button.setEnabled(False)
        self.separate_button.clicked.connect(self.keep_separate)
        row.addWidget(self.separate_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.table.itemSelectionChanged.connect(self._selection)
        self.merge_dialog: MergeDialog | None = None
        self._generation = 0

    def initializePage(self) -> None:
        self.wiz.plan = None
        self._generation += 1
        generation = self._generation
        self.counts.setText("Reading the file and looking for duplicates…")
        fill(self.table, [])
        data, name, fmt, kind = self.wiz.data, self.wiz.file_name, self.wiz.fmt, self.wiz.kind
        mapping = self.wiz.mapping_page.mapping()

        def show(plan: ImportPlan) -> None:
            if generation != self._generation:
                return
            self.wiz.plan = plan
            self.render()
            self.completeChanged.emit()

        def failed(error: Exception) -> None:
            if generation == self._generation:
                self.counts.setText(str(error))

        self.wiz.worker.call(lambda v: plan_import(v, data, name, fmt=fmt, mapping=mapping, kind=kind), show, failed,
                             context=self)

    def render(self) -> None:  # type: ignore[override]  # this page's own; QWidget.render (paint to a device) is unused
        plan = self.wiz.plan
        assert plan is not None
        c = plan.counts()
        self.counts.setText(
            f"<b>{c['new']} new</b>, {c['merge']} to merge, {c['duplicate']} already in the vault, "
            f"{c['suppressed']} on the suppression list, <b>{c['failed']} cannot be imported</b> "
            f"(of {c['total']}). " + " ".join(f"<br><i>{n}</i>" for n in plan.notes))
        rows = []
        for r in plan.rows:
            details = r.reason
            if r.outcome in ("merge", "duplicate"):
                details = f"same {r.matched_by}" + (f"; adds {', '.join(r.changes)}" if r.changes else "")
                if r.conflicts:
                    details += f"; differs in {', '.join(r.conflicts)}"
            if r.warnings:
                details = "; ".join(x for x in (details, *r.warnings) if x)
            rows.append((r.label, OUTCOME_WORDS[r.outcome], r.name or "(no name)", details))
        fill(self.table, rows, list(range(len(plan.rows))))
        for i, r in enumerate(plan.rows):
            colour = (OUTCOME_COLOURS_DARK if is_dark() else OUTCOME_COLOURS).get(r.outcome)
            if colour:
                self.table.item(i, 1).setForeground(QColor(colour))  # type: ignore[union-attr]  # filled above

    def _selection(self) -> None:
        row = self._row()
        matched = bool(row and row.outcome in ("merge", "duplicate") and row.target is not None
                       and row.target.person_id is not None)
        self.merge_button.setEnabled(matched)
        self.separate_button.setEnabled(matched)

    def keep_separate(self) -> None:
        row, plan = self._row(), self.wiz.plan
        if row is None or plan is None:
            return
        position = self.table.currentRow()
        keep_separate(plan, row.index)
        self.render()
        self.table.selectRow(position)
        self.completeChanged.emit()

    def _row(self) -> Any:
        key = selected_key(self.table)
        plan = self.wiz.plan
        return plan.rows[int(key)] if plan is not None and key is not None else None

    def open_merge(self) -> None:
        row = self._row()
        if row is None or row.target is None or row.target.person_id is None:
            return
        person_id = row.target.person_id

        def show(person: Any) -> None:
            current = {n: getattr(person, n) for n in ("full_name", "given_name", "family_name", "organisation",
                                                       "title", "headline")}
            self.merge_dialog = MergeDialog(row, current, self)
            self.merge_dialog.accepted.connect(self.render)
            self.merge_dialog.open()

        self.wiz.worker.call(lambda v: v.people.get(person_id), show, context=self)

    def isComplete(self) -> bool:
        plan = self.wiz.plan
        return plan is not None and any(r.outcome in ("new", "merge") for r in plan.rows)


class ReportPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Importing")
        layout = QVBoxLayout(self)
        self.progress = QProgressBar()
        layout.addWidget(self.progress)
        self.stop = QPushButton("Stop (nothing is kept)")
        self.stop.clicked.connect(self._stop)
        layout.addWidget(self.stop, 0, Qt.AlignmentFlag.AlignLeft)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        layout.addWidget(self.report, 1)
        self.done = False
        #: The import in progress (``cancel()`` stops it and rolls it back), None when idle.
        self.running: CancelHandle | None = None

    def initializePage(self) -> None:
        self.done = False
        plan = self.wiz.plan
        assert plan is not None
        self.progress.setRange(0, max(1, len(plan.rows)))
        self.progress.setValue(0)
        self.stop.setEnabled(True)

        def apply(vault: Any, report: ProgressReporter) -> ImportPlan:  # on the worker thread
            return apply_plan(vault, plan, report)  # one transaction: a cancel rolls all of it back

        def finished(result: ImportPlan) -> None:
            c = result.counts()
            self.summary.setText(f"<b>Done.</b> {c['new']} added, {c['merge']} merged, {c['duplicate']} already "
                                 f"there, {c['suppressed']} suppressed, {c['failed']} not imported.")
            self.report.setPlainText(result.human())
            self._finish()
            self.wiz.worker.notify_changed("")

        def failed(error: Exception) -> None:
            text = str(error) if isinstance(error, VaultError) else f"The import failed: {error}"
            if isinstance(error, Cancelled):
                text = "Stopped. Nothing was imported; the vault is as it was."
            self.summary.setText(text)
            self._finish()

        self.running = self.wiz.worker.call_with_progress(apply, context=self, on_progress=self._progressed,
                                                          on_result=finished, on_error=failed)

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(done)

    def _stop(self) -> None:
        if self.running is not None:
            self.running.cancel()
        self.stop.setEnabled(False)

    def _finish(self) -> None:
        self.running = None
        self.done = True
        self.stop.setEnabled(False)
        self.progress.setValue(self.progress.maximum())
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.done


class ImportWizard(QWizard):
    def __init__(self, worker: VaultWorker, parent: QWidget | None = None, path: str = "") -> None:
        super().__init__(parent)
        self.worker = worker
        self.data = b""
        self.file_name = ""
        self.fmt = "csv"
        self.kind = "contact"
        self.plan: ImportPlan | None = None
        self.setWindowTitle("Import contacts")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        self.report_page = ReportPage(self)
        for page in (self.file_page, self.mapping_page, self.preview_page, self.report_page):
            self.addPage(page)
        if path:
            self.file_page.path.setText(path)
        self.resize(820, 560)

    def clear(self) -> None:
        """On lock: drop the file's bytes and the plan (personal data)."""
        self.data = b""
        self.plan = None
        self.file_name = ""
        self.mapping_page.table.setRowCount(0)  # its "Example" column holds values from the file
        fill(self.preview_page.table, [])
        self.report_page.report.clear()
        self.file_page.path.clear()
        self.close()

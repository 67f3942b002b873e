"""The audit viewer: the whole trail (or one person, some actions, a date range) in a lazy
table, a chain status badge, and exports to JSON Lines, CSV and PDF with progress.

Opened from Tools ▸ Audit trail (``install(window)`` adds the menu action). Everything that
touches the vault runs on the vault worker; the export runs through ``call_with_progress``, and
Cancel stops it between batches, leaving no file behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vault import audit
from vault.audit import ChainStatus
from vault.audit.scope import ExportScope, find_person, make_scope
from vault.audit.writers import ExportResult, export_audit
from vault.errors import Cancelled, VaultError

from .audit_model import AuditModel
from .icons import icon
from .notifier import notifier
from .worker import CancelHandle, ProgressReporter, VaultWorker

if TYPE_CHECKING:
    from .main_window import MainWindow

FORMATS = (("jsonl", "JSON Lines (verifiable)", "JSON Lines (*.jsonl)"),
           ("csv", "CSV", "CSV (*.csv)"),
           ("pdf", "PDF report", "PDF (*.pdf)"))
BADGE_OK = "background:#e3f4e8; color:#1b5e20; border:1px solid #9ccfaa; border-radius:9px; padding:3px 10px;"
BADGE_BAD = "background:#fdecea; color:#8e1c14; border:1px solid #ef9a9a; border-radius:9px; padding:3px 10px;"
BADGE_BUSY = "background:palette(alternate-base); border:1px solid palette(mid); border-radius:9px; padding:3px 10px;"


class AuditViewer(QDialog):
    """Non-modal window over the audit trail. ``clear()`` drops every name and filter (lock)."""

    exported = Signal(object)  # ExportResult
    status_changed = Signal(object)  # ChainStatus
    export_progressed = Signal(int, int)  # events written, events to write (after the bar moved)

    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.setWindowTitle("Audit trail")
        self.resize(1080, 680)
        self.status: ChainStatus | None = None
        self.last_export: ExportResult | None = None
        self._export: CancelHandle | None = None

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        title = QLabel("<b>Audit trail</b> — every change, share, export and unlock, hash-chained and signed")
        top.addWidget(title, 1)
        self.badge = QLabel("Not verified yet")
        self.badge.setStyleSheet(BADGE_BUSY)
        top.addWidget(self.badge)
        self.verify_button = QPushButton(icon("check"), "Verify again")
        self.verify_button.clicked.connect(self.verify_chain)
        top.addWidget(self.verify_button)
        layout.addLayout(top)

        filters = QHBoxLayout()
        self.person = QLineEdit()
        self.person.setPlaceholderText("Person: name or id (empty = everyone)")
        self.person.setClearButtonEnabled(True)
        self.person.returnPressed.connect(self.apply_filters)
        filters.addWidget(self.person, 2)
        self.action = QComboBox()
        self.action.addItem("All actions", None)
        for name in sorted(audit.ACTIONS):
            self.action.addItem(name, name)
        filters.addWidget(self.action, 1)
        self.since_on = QCheckBox("From")
        self.since = QDateEdit(QDate.currentDate().addMonths(-1))
        self.until_on = QCheckBox("To")
        self.until = QDateEdit(QDate.currentDate())
        for box, edit in ((self.since_on, self.since), (self.until_on, self.until)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            box.toggled.connect(edit.setEnabled)
            filters.addWidget(box)
            filters.addWidget(edit)
        self.apply_button = QPushButton(icon("search"), "Apply")
        self.apply_button.clicked.connect(self.apply_filters)
        filters.addWidget(self.apply_button)
        self.reset_button = QPushButton("Reset")
        self.reset_button.clicked.connect(self.reset_filters)
        filters.addWidget(self.reset_button)
        layout.addLayout(filters)

        self.model = AuditModel(worker, self)
        self.model.total_changed.connect(lambda _total: self._update_count())
        self.model.rowsInserted.connect(lambda *_: self._update_count())
        self.model.modelReset.connect(self._update_count)
        self.model.failed.connect(self._show_error)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        # Fixed starting widths: sizing to contents would have to read every lazily loaded row.
        char = self.fontMetrics().horizontalAdvance("0")
        for column, chars in enumerate((9, 21, 24, 24)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, char * chars)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel("")
        bottom.addWidget(self.count_label, 1)
        self.export_buttons: dict[str, QPushButton] = {}
        for fmt, label, _filter in FORMATS:
            button = QPushButton(icon("backup"), f"Export {label}…")
            button.clicked.connect(lambda _checked=False, f=fmt: self.choose_and_export(f))
            bottom.addWidget(button)
            self.export_buttons[fmt] = button
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        bottom.addWidget(self.progress)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_export)
        self.cancel_button.hide()
        bottom.addWidget(self.cancel_button)
        layout.addLayout(bottom)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)

    # --- opening and filters ----------------------------------------------------------------

    def start(self, person_uuid: str | None = None) -> None:
        """Show the whole trail (or one person's) and verify the chain."""
        self.message.clear()
        if person_uuid:
            self.person.setText(person_uuid)
            self.apply_filters()
        else:
            self.reset_filters()
        self.verify_chain()

    def current_filters(self) -> dict[str, Any]:
        return {
            "person": self.person.text().strip() or None,
            "actions": [self.action.currentData()] if self.action.currentData() else None,
            "since": self.since.date().toString("yyyy-MM-dd") if self.since_on.isChecked() else None,
            "until": self.until.date().toString("yyyy-MM-dd") if self.until_on.isChecked() else None,
        }

    def apply_filters(self) -> None:
        filters = self.current_filters()

        def build(vault: Any) -> tuple[ExportScope, str | None]:
            person, name = (find_person(vault, filters["person"]) if filters["person"] else (None, None))
            scope = make_scope(vault, person=person, since=filters["since"], until=filters["until"],
                               actions=filters["actions"])
            return scope, name

        def done(value: tuple[ExportScope, str | None]) -> None:
            scope, name = value
            self.message.setText(f"Showing {name}'s events." if name else "")
            self.model.set_scope(scope)

        self.worker.call(build, done, lambda error: self._show_error(str(error)), context=self)

    def reset_filters(self) -> None:
        self.person.clear()
        self.action.setCurrentIndex(0)
        self.since_on.setChecked(False)
        self.until_on.setChecked(False)
        self.message.clear()
        self.model.set_scope(ExportScope())

    def _update_count(self) -> None:
        if self.model.scope is None:
            self.count_label.clear()
            return
        what = "in the whole trail" if self.model.scope.is_whole else "match the filters"
        self.count_label.setText(f"{self.model.total:,} events {what} · {self.model.rowCount():,} loaded")

    # --- the chain badge --------------------------------------------------------------------

    def verify_chain(self) -> None:
        self.badge.setText("Verifying…")
        self.badge.setStyleSheet(BADGE_BUSY)
        self.worker.call(lambda v: v.verify_audit_chain(), self._show_status,
                         lambda error: self._show_error(str(error)), context=self)

    def _show_status(self, status: ChainStatus) -> None:
        self.status = status
        if status.ok:
            self.badge.setText(f"✔ Verified up to #{status.verified_up_to}")
            self.badge.setStyleSheet(BADGE_OK)
            self.badge.setToolTip(f"All {status.count:,} events recompute and link up.")
        else:
            self.badge.setText(f"✖ Broken at #{status.broken_at}")
            self.badge.setStyleSheet(BADGE_BAD)
            self.badge.setToolTip(f"Event #{status.broken_at}: {status.reason}. Events up to "
                                  f"#{status.verified_up_to} verify.")
        self.status_changed.emit(status)

    # --- exports ----------------------------------------------------------------------------

    def choose_and_export(self, fmt: str) -> None:
        label, file_filter = next((lbl, flt) for f, lbl, flt in FORMATS if f == fmt)
        suggestion = str(Path.home() / f"audit-trail.{fmt}")
        path = notifier().choose_save_file(self, f"Export the audit trail as {label}", suggestion, file_filter)
        if path:
            self.export_to(Path(path), fmt)

    def export_to(self, path: Path, fmt: str) -> None:
        """Export what the filters show (the whole trail when none) on the worker, with progress."""
        if self._export is not None:
            return
        scope = self.model.scope or ExportScope()
        self._set_exporting(True)

        def export(vault: Any, report: ProgressReporter) -> ExportResult:  # on the worker thread
            return export_audit(vault, path, fmt, scope, progress=report)

        def done(result: ExportResult) -> None:
            self._set_exporting(False)
            self.last_export = result
            note = " (the PDF table stops at its row limit; JSON Lines has every event)" if result.truncated else ""
            self.message.setText(f"Exported {result.events:,} events to {result.path} with signed checkpoint "
                                 f"#{result.checkpoint.seq}{note}.")
            self.exported.emit(result)
            self.model.refresh()
            self.verify_chain()

        def failed(error: VaultError) -> None:
            self._set_exporting(False)
            self._show_error("Cancelled; no file was written." if isinstance(error, Cancelled) else str(error))

        self._export = self.worker.call_with_progress(export, context=self, on_progress=self._on_progress,
                                                      on_result=done, on_error=failed)

    def cancel_export(self) -> None:
        if self._export is not None:
            self._export.cancel()

    def _set_exporting(self, exporting: bool) -> None:
        if not exporting:
            self._export = None
        for button in self.export_buttons.values():
            button.setEnabled(not exporting)
        self.progress.setVisible(exporting)
        self.cancel_button.setVisible(exporting)
        if exporting:
            self.progress.setRange(0, 0)
            self.message.setText("Exporting…")

    def _on_progress(self, done: int, total: int) -> None:
        if self._export is not None:
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)
            self.export_progressed.emit(done, total)

    # --- feedback and lock ------------------------------------------------------------------

    def _show_error(self, text: str) -> None:
        self.message.setText(text)

    def clear(self) -> None:
        """On lock: no names, filters or results stay in the window."""
        self.cancel_export()
        self._set_exporting(False)  # its result never arrives (the lock drops it): ready for the next unlock
        self.model.clear()
        self.person.clear()
        self.message.clear()
        self.count_label.clear()
        self.status = None
        self.badge.setText("Locked")
        self.badge.setStyleSheet(BADGE_BUSY)
        self.badge.setToolTip("")
        self.hide()


def install(window: MainWindow) -> QAction:
    """Add Tools ▸ Audit trail… (Ctrl+Shift+A); the viewer is made on first use and cleared on lock."""
    action = QAction(icon("activity"), "&Audit trail…", window)
    action.setShortcut(QKeySequence("Ctrl+Shift+A"))
    action.setEnabled(window.is_unlocked)
    holder: dict[str, AuditViewer] = {}

    def viewer() -> AuditViewer:
        if "viewer" not in holder:
            holder["viewer"] = AuditViewer(window.worker, window)
            window.register_clearable(holder["viewer"])
            window.audit_viewer = holder["viewer"]  # type: ignore[attr-defined]
        return holder["viewer"]

    def open_viewer() -> None:
        if not window.is_unlocked:
            return
        shown = viewer()
        shown.show()
        shown.raise_()
        shown.start()

    action.triggered.connect(lambda _checked=False: open_viewer())
    window.unlocked.connect(lambda _info: action.setEnabled(True))
    window.locked.connect(lambda: action.setEnabled(False))
    window.add_menu_action("Tools", action)
    window.audit_viewer_action = action
    return action

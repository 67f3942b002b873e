"""The Documents tab: versions, add by button or drag and drop, default, sharing, preview.

Previews render from memory only: a PDF's bytes go from the worker into a ``QBuffer`` that
``QPdfDocument`` reads; other types show their extracted text. Nothing is written to disk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtGui import QDragMoveEvent, QDropEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vault.documents import Document
from vault.errors import VaultError
from vault.store import Vault

from .documents_model import DocumentsModel
from .field_errors import error_label
from .icons import icon
from .notifier import notifier
from .worker import VaultWorker


@dataclass(frozen=True)
class PreviewData:
    document: Document
    data: bytes
    text: str


def load_preview(vault: Vault, document_uuid: str) -> PreviewData:
    """The bytes or text to show; opening a document for reading is audited (document.viewed)."""
    doc = vault.documents.record_view(document_uuid)
    if doc.mime_type == "application/pdf":
        return PreviewData(doc, vault.documents.data(doc.id), "")
    return PreviewData(doc, b"", vault.documents.text(doc.id))


class DocumentsTab(QWidget):
    #: Emitted after a document was added (its UUID), e.g. for tests and the status bar.
    document_added = Signal(str)

    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.person_uuid: str | None = None
        self._generation = 0
        self._adding = 0
        self._want_select: str | None = None
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)

        buttons = QHBoxLayout()
        self.add_button = QPushButton(icon("document-add"), "Add…")
        self.add_button.clicked.connect(self._choose_files)
        self.default_button = QPushButton("Make default")
        self.default_button.clicked.connect(self.make_default)
        self.share_button = QPushButton("Include in shares")
        self.share_button.setCheckable(True)
        self.share_button.clicked.connect(self.toggle_shareable)
        self.remove_button = QPushButton(icon("remove"), "Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        for button in (self.add_button, self.default_button, self.share_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(100)
        self.busy.hide()
        buttons.addWidget(self.busy)
        layout.addLayout(buttons)
        self.hint = QLabel("Drop resumes here (PDF, DOCX, ODT, RTF or text). They are stored encrypted "
                           "inside the vault.")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.hint)
        self.message = error_label()
        layout.addWidget(self.message)

        splitter = QSplitter(Qt.Orientation.Vertical)
        layout.addWidget(splitter, 1)
        self.model = DocumentsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # keep the extension visible
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _prev: self._selected(current.row()))
        splitter.addWidget(self.table)

        self.preview = QStackedWidget()
        self.preview_placeholder = QLabel("Select a document to preview it.")
        self.preview_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview_placeholder.setStyleSheet("color: palette(placeholder-text);")
        self.pdf_document = QPdfDocument(self)
        self.pdf_view = QPdfView()
        self.pdf_view.setDocument(self.pdf_document)
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        for widget in (self.preview_placeholder, self.pdf_view, self.text_view):
            self.preview.addWidget(widget)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        self._buffer: QBuffer | None = None
        self._update_buttons()

    # --- person-tab protocol ----------------------------------------------------------------

    def set_person(self, person_uuid: str | None) -> None:
        changed = person_uuid != self.person_uuid
        self.person_uuid = person_uuid
        self._generation += 1
        if changed:
            self.message.hide()
            self._clear_preview()
        if person_uuid is None:
            self.model.clear()
            self._update_buttons()
            return
        self.reload()

    def reload(self, select_uuid: str | None = None) -> None:
        person_uuid, generation = self.person_uuid, self._generation
        if person_uuid is None:
            return
        if select_uuid:
            self._want_select = select_uuid
        selected = self._want_select or self.selected_uuid()

        def show(documents: list[Document]) -> None:
            if generation != self._generation:
                return
            self._want_select = None
            self.model.set_documents(documents)
            row = self.model.row_of(selected) if selected else -1
            if row < 0 and documents and not self.preview_loaded:
                row = 0
            if row >= 0:
                self.table.selectRow(row)
            self._update_buttons()

        self.worker.call(lambda v: v.documents.for_person(person_uuid), show, lambda error: None, context=self)

    def clear(self) -> None:
        self.person_uuid = None
        self._want_select = None
        self._generation += 1
        self.model.clear()
        self._clear_preview()
        self.message.clear()
        self.message.hide()
        self._update_buttons()

    # --- selection and preview --------------------------------------------------------------

    @property
    def preview_loaded(self) -> bool:
        return self.preview.currentIndex() != 0

    def selected_document(self) -> Document | None:
        index = self.table.currentIndex()
        return self.model.document(index.row()) if index.isValid() else None

    def selected_uuid(self) -> str | None:
        doc = self.selected_document()
        return doc.uuid if doc else None

    def _selected(self, row: int) -> None:
        self._update_buttons()
        doc = self.model.document(row)
        if doc is None:
            return
        generation = self._generation
        document_uuid = doc.uuid

        def show(preview: PreviewData) -> None:
            if generation == self._generation and self.selected_uuid() == document_uuid:
                self._show_preview(preview)

        self.worker.call(lambda v: load_preview(v, document_uuid), show, self._failed, context=self)

    def _show_preview(self, preview: PreviewData) -> None:
        self._clear_preview()
        doc = preview.document
        if doc.mime_type == "application/pdf":
            buffer = QBuffer(self)
            buffer.setData(QByteArray(preview.data))
            buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            self._buffer = buffer
            self.pdf_document.load(buffer)
            if self.pdf_document.status() == QPdfDocument.Status.Ready or self.pdf_document.pageCount() > 0:
                self.preview.setCurrentWidget(self.pdf_view)
                return
            self._clear_preview()
            self.text_view.setPlainText("This PDF cannot be shown here.")
            self.preview.setCurrentWidget(self.text_view)
            return
        if preview.text:
            self.text_view.setPlainText(preview.text)
        elif doc.text_status == "failed":
            self.text_view.setPlainText(f"No text could be read from {doc.file_name}: {doc.text_error or 'unknown'}.")
        else:
            self.text_view.setPlainText(f"{doc.file_name} holds no text to show.")
        self.preview.setCurrentWidget(self.text_view)

    def _clear_preview(self) -> None:
        self.pdf_document.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.setData(QByteArray())
            self._buffer.deleteLater()
            self._buffer = None
        self.text_view.clear()
        self.preview.setCurrentWidget(self.preview_placeholder)

    def _update_buttons(self) -> None:
        doc = self.selected_document()
        self.add_button.setEnabled(self.person_uuid is not None)
        self.default_button.setEnabled(doc is not None and doc.role == "resume" and not doc.is_default)
        self.share_button.setEnabled(doc is not None)
        self.share_button.setChecked(doc is not None and doc.shareable)
        self.share_button.setText("Included in shares" if doc is None or doc.shareable else "Excluded from shares")
        self.remove_button.setEnabled(doc is not None)

    # --- adding -----------------------------------------------------------------------------

    def _choose_files(self) -> None:
        if self.person_uuid is None:
            return
        files = notifier().choose_open_files(
            self, "Add documents", str(Path.home()),
            "Documents (*.pdf *.docx *.odt *.rtf *.txt *.md);;All files (*)")
        self.add_files([Path(f) for f in files])

    def add_files(self, files: list[Path]) -> None:
        """Store each file in the vault (text extraction runs on the worker, in a child process)."""
        person_uuid = self.person_uuid
        if person_uuid is None:
            return
        self.message.hide()
        for path in files:
            self._adding += 1
            self.busy.show()
            self.worker.call(lambda v, p=path: v.documents.add_file(person_uuid, p),  # type: ignore[misc]  # p=: bound now
                             lambda doc, p=person_uuid: self._added(doc, p),  # type: ignore[misc]
                             self._add_failed, context=self)

    def _added(self, doc: Document, person_uuid: str) -> None:
        self._done_adding()
        self.document_added.emit(doc.uuid)
        if person_uuid == self.person_uuid:
            self.reload(select_uuid=doc.uuid)
        self.worker.notify_changed(person_uuid)

    def _add_failed(self, error: VaultError) -> None:
        self._done_adding()
        self._failed(error)

    def _done_adding(self) -> None:
        self._adding = max(0, self._adding - 1)
        self.busy.setVisible(self._adding > 0)

    def dragEnterEvent(self, event: QDragMoveEvent) -> None:
        if self.person_uuid is not None and event.mimeData().hasUrls() and all(
                url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        files = [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]
        if self.person_uuid is None or not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.add_files(files)

    # --- changing ---------------------------------------------------------------------------

    def make_default(self) -> None:
        doc = self.selected_document()
        if doc is not None:
            self._write(lambda v: v.documents.set_default(doc.uuid), doc.uuid)

    def toggle_shareable(self) -> None:
        doc = self.selected_document()
        if doc is not None:
            self._write(lambda v: v.documents.set_shareable(doc.uuid, not doc.shareable), doc.uuid)

    def remove_selected(self) -> None:
        doc = self.selected_document()
        if doc is None or not notifier().confirm(self, "Remove document",
                                                 f"Remove {doc.file_name} from the vault? This cannot be undone."):
            return
        self._clear_preview()
        self._write(lambda v: v.documents.remove(doc.uuid), None)

    def _write(self, fn: Callable[[Vault], object], select_uuid: str | None) -> None:
        person_uuid = self.person_uuid

        def done(_: object) -> None:
            if person_uuid == self.person_uuid:
                self.reload(select_uuid=select_uuid)
            if person_uuid:
                self.worker.notify_changed(person_uuid)

        self.worker.call(fn, done, self._failed, context=self)

    def _failed(self, error: VaultError) -> None:
        self.message.setText(str(error))
        self.message.show()

"""The share wizard: items → recipient → matching authorisation → stamped preview → save.

The wizard only asks; the core decides. The authorisation page runs the core's share check (a
refusal is audited, as any refused attempt) and stays incomplete, so Next and Save are
unreachable, until an authorisation covers exactly this share; until then it offers
"Log authorisation…" and nothing else.
Saving calls ``sharing.build_share``, which runs the same check again (audited) before
anything is written. The preview is rendered from memory (QBuffer → QPdfDocument).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from ui.field_errors import error_label
from ui.notifier import notifier
from ui.worker import VaultWorker
from vault import sharing
from vault.authorisations import FIELDS, Authorisation, Verdict, day
from vault.documents import Document
from vault.errors import ShareNotAuthorised, VaultError
from vault.people import Person
from vault.recipients import Recipient
from vault.store import Vault

from .authorisation_dialog import SCOPE_LABELS, LogAuthorisationDialog
from .recipients_dialog import RecipientsDialog

PREVIEW_WIDTH = 420

#: What to do about each refusal, in the wizard's words.
MISSING = {
    "no-authorisation": "the person's consent to share this with this recipient. Ask them, then log it.",
    "expired": "a current authorisation. Ask the person to renew their consent, then log it.",
    "revoked": "a current authorisation: the person withdrew this one. Share only if they agree again.",
    "use-limit-reached": "a new authorisation: this one allowed no more shares.",
    "not-yet-valid": "an authorisation that is already in force.",
    "other-recipient": "consent for this recipient: the person agreed to someone else.",
    "other-organisation": "consent for this recipient's organisation.",
    "outside-scope": "consent covering every item chosen: untick what they did not agree to, or log their "
                     "consent for it.",
    "document-excluded": "a resume version that may be shared: this one is excluded (Documents tab).",
    "no-shareable-value": "a value that may leave: every one of this kind is marked do-not-contact or came from an "
                          "old document (Profile tab).",
    "person-locked": "the person's sharing policy is 'locked'. Change it in their profile only if they agree.",
    "recipient-retired": "a recipient in use: this one was retired (contact-vault recipient reinstate).",
}


@dataclass(frozen=True)
class ShareContext:
    person: Person
    resumes: list[Document]
    recipients: list[Recipient]


def load_context(vault: Vault, person_uuid: str) -> ShareContext:
    return ShareContext(vault.people.get(person_uuid), vault.documents.for_person(person_uuid, "resume"),
                        vault.recipients.list())


@dataclass(frozen=True)
class Preview:
    pdf: bytes
    name: str
    others: list[str]
    warnings: list[str]
    #: What was taken out of the shown document, one line each ("page 1, phone: +44 …").
    removed: list[str] = field(default_factory=list)
    #: "converted from DOCX by LibreOffice 7.4" when the shown document was not a PDF.
    converted: str = ""
    candidate: str = ""


REMOVED_KINDS = {"name": "name", "manual": "marked", "email": "e-mail", "phone": "phone", "link": "link",
                 "address": "address"}


def stamped_preview(vault: Vault, person_uuid: str, recipient_uuid: str, items: list[str], auth_uuid: str,
                    *, anonymise: bool = False, words: list[str] | None = None) -> Preview:
    """The first document converted, redacted and stamped as the package will have it (the
    package id is assigned when saving), and what was removed from it."""
    plan = sharing.plan_share(vault, person_uuid, recipient_uuid, items, package_id="(assigned when saved)",
                              now=vault.now(), authorisation=auth_uuid, preview=True, anonymise=anonymise,
                              words=words or [])
    shown = next((d for d in plan.documents if d.stamped), None)
    others = [d.name for d in plan.documents if d is not shown]
    removed: list[str] = []
    converted = ""
    if shown is not None and shown.report is not None:
        removed = [f"page {page}, {REMOVED_KINDS.get(kind, kind)}: {text}" for kind, page, text in shown.report.removed]
        if shown.report.images_removed:
            removed.append(f"page 1: {shown.report.images_removed} image(s) (a photo)")
        # A picture of text cannot be searched: the user has to look (and mark words if needed).
        removed += [f"page {page} has no text (a scan?): check it yourself, nothing on it could be searched"
                    for page in shown.report.pages_without_text]
    if shown is not None and shown.converter:
        converted = f"converted to PDF by {shown.converter['name']} {shown.converter['version']}"
    return Preview(shown.data if shown else b"", shown.name if shown else "", others, plan.warnings, removed,
                   converted, plan.candidate)


RefusalKey = tuple[str, str, tuple[str, ...], str, str]


def refusal_key(person_uuid: str, recipient_uuid: str, items: list[str], verdict: Verdict) -> RefusalKey:
    return (person_uuid, recipient_uuid, tuple(items), verdict.condition, verdict.message)


def attempt(vault: Vault, person_uuid: str, recipient_uuid: str | None, items: list[str],
            audited: RefusalKey | None = None) -> Verdict:
    """The core's share check, as a share attempt: a refusal is audited like any other, once per
    attempt. Showing the page again for the same share with the same outcome (Back, then Next) is
    not a new attempt, so ``audited`` (the refusal already recorded) is not recorded twice."""
    if recipient_uuid is None:
        return Verdict(None, "no-authorisation", "choose a recipient")
    verdict = vault.authorisations.evaluate(person_uuid, recipient_uuid, items)
    if not verdict.allowed and refusal_key(person_uuid, recipient_uuid, items, verdict) == audited:
        return verdict
    try:
        return Verdict(vault.authorisations.check(person_uuid, recipient_uuid, items))
    except ShareNotAuthorised as refused:
        return Verdict(None, refused.condition, refused.message.removeprefix("Share refused: "))


class ItemsPage(QWizardPage):
    def __init__(self, wizard: ShareWizard) -> None:
        super().__init__()
        self.share = wizard
        self.setTitle("What to share")
        self.setSubTitle("Choose the resume version and any contact details. Private notes are never shared.")
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.itemChanged.connect(lambda _item: self.completeChanged.emit())
        layout.addWidget(self.list)

    def populate(self, context: ShareContext) -> None:
        self.list.clear()
        for doc in context.resumes:
            label = f"Resume version {doc.version}: {doc.file_name}" + (" (default)" if doc.is_default else "")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, f"document:{doc.uuid}")
            if doc.shareable:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if doc.is_default else Qt.CheckState.Unchecked)
            else:
                item.setText(label + " — excluded from sharing")
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.list.addItem(item)
        for kind in FIELDS:
            points = context.person.shareable_points(kind)  # what the package would carry
            if not points:
                continue
            item = QListWidgetItem(f"{SCOPE_LABELS[kind]}: {', '.join(p.value for p in points)}")
            item.setData(Qt.ItemDataRole.UserRole, kind)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.completeChanged.emit()

    def items(self) -> list[str]:
        out = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def isComplete(self) -> bool:
        return bool(self.items())


class RecipientPage(QWizardPage):
    def __init__(self, wizard: ShareWizard) -> None:
        super().__init__()
        self.share = wizard
        self.setTitle("Who receives it")
        self.setSubTitle("The package is stamped and signed for this recipient only.")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.combo = QComboBox()
        self.combo.currentIndexChanged.connect(lambda _i: self.completeChanged.emit())
        row.addWidget(self.combo, 1)
        self.manage = QPushButton("Recipients…")
        self.manage.clicked.connect(self.manage_recipients)
        row.addWidget(self.manage)
        layout.addLayout(row)
        layout.addStretch(1)
        self.dialog: RecipientsDialog | None = None

    def populate(self, recipients: list[Recipient]) -> None:
        current = self.combo.currentData()
        self.combo.clear()
        for rec in recipients:
            self.combo.addItem(rec.label, rec.uuid)
        if current:
            index = self.combo.findData(current)
            if index >= 0:
                self.combo.setCurrentIndex(index)
        self.completeChanged.emit()

    def manage_recipients(self) -> None:
        self.dialog = RecipientsDialog(self.share.worker, self)
        self.dialog.finished.connect(lambda _r: self.share.worker.call(lambda v: v.recipients.list(), self.populate,
                                                                       context=self))
        self.dialog.open()

    def recipient_uuid(self) -> str | None:
        return cast("str | None", self.combo.currentData())

    def isComplete(self) -> bool:
        return self.recipient_uuid() is not None


class AuthorisationPage(QWizardPage):
    def __init__(self, wizard: ShareWizard) -> None:
        super().__init__()
        self.share = wizard
        self.setTitle("Authorisation")
        self.setSubTitle("A share needs the person's logged authorisation covering exactly this.")
        layout = QVBoxLayout(self)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.log_button = QPushButton("Log authorisation…")
        self.log_button.clicked.connect(self.log_authorisation)
        self.log_button.hide()
        layout.addWidget(self.log_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.verdict: Verdict | None = None
        self.checking = False
        self.dialog: LogAuthorisationDialog | None = None
        #: The refusal last recorded in the audit trail, so showing it again records nothing.
        self.audited: RefusalKey | None = None

    def initializePage(self) -> None:
        self.evaluate()

    def cleanupPage(self) -> None:
        self.verdict = None

    def evaluate(self) -> None:
        self.verdict = None
        self.checking = True
        self.status.setText("Checking the person's authorisations…")
        self.log_button.hide()
        self.completeChanged.emit()
        person, recipient, items = self.share.person_uuid, self.share.recipient_uuid(), self.share.items()

        audited = self.audited

        def done(verdict: Verdict) -> None:
            self.checking = False
            self.verdict = verdict
            if not verdict.allowed and recipient is not None:
                self.audited = refusal_key(person, recipient, items, verdict)
            if verdict.allowed:
                a = verdict.authorisation
                assert a is not None
                limit = f"{a.uses} of {a.max_uses} uses made" if a.max_uses else "no use limit"
                self.status.setText(
                    f"Covered by authorisation {a.uuid}\n\nWho may receive: {a.grantee}\nWhat: {', '.join(a.scope)}"
                    f"\nPurpose: {a.purpose}\nHow they agreed: {a.method}, on {day(a.obtained_at)}\n"
                    f"Valid until: {day(a.valid_until)}; {limit}")
                self.log_button.hide()
            else:
                hint = MISSING.get(verdict.condition, MISSING["no-authorisation"])
                self.status.setText(f"This share is not authorised: {verdict.message}.\n\nWhat is missing: {hint} "
                                    "There is no other way to share.")
                self.log_button.setVisible(verdict.condition not in ("person-locked", "document-excluded",
                                                                     "no-shareable-value", "recipient-retired"))
            self.completeChanged.emit()

        def failed(error: VaultError) -> None:
            self.checking = False
            self.status.setText(str(error))
            self.completeChanged.emit()

        self.share.worker.call(lambda v: attempt(v, person, recipient, items, audited), done, failed, context=self)

    def log_authorisation(self) -> None:
        scope = sorted({"resume" if i.startswith("document:") else i for i in self.share.items()},
                       key=lambda t: ("resume", *FIELDS).index(t))
        self.dialog = LogAuthorisationDialog(self.share.worker, self.share.person_uuid,
                                             recipient_uuid=self.share.recipient_uuid(), scope=scope, parent=self)
        self.dialog.logged.connect(lambda _auth: self.evaluate())
        self.dialog.open()

    def authorisation(self) -> Authorisation | None:
        return self.verdict.authorisation if self.verdict is not None else None

    def isComplete(self) -> bool:
        return self.verdict is not None and self.verdict.allowed

    def validatePage(self) -> bool:
        """QWizard.next() skips isComplete(); this keeps a programmatic Next from passing too."""
        return self.isComplete()


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ShareWizard) -> None:
        super().__init__()
        self.share = wizard
        self.setTitle("Preview")
        self.setSubTitle("The pages as the recipient will see them: details they did not agree to share are "
                         "removed, and the permission band is at the bottom.")
        layout = QVBoxLayout(self)
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.anonymise = QCheckBox("Blind CV: a candidate reference instead of the name, no photo")
        self.anonymise.toggled.connect(lambda _on: self.initializePage())
        layout.addWidget(self.anonymise)
        marks = QHBoxLayout()
        marks.addWidget(QLabel("Also remove:"))
        self.words = QLineEdit()
        self.words.setPlaceholderText("words to remove, separated by commas (a salary, a current employer)")
        self.words.setAccessibleName("Words to remove")
        self.words.returnPressed.connect(self.initializePage)
        marks.addWidget(self.words, 1)
        self.apply = QPushButton("Remove")
        self.apply.clicked.connect(self.initializePage)
        marks.addWidget(self.apply)
        layout.addLayout(marks)
        self.removed = QLabel()
        self.removed.setWordWrap(True)
        self.removed.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.removed)
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidget(self.image)
        scroll.setWidgetResizable(True)
        layout.addWidget(scroll, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("PDF password (optional):"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("give it to the recipient by another channel")
        row.addWidget(self.password, 1)
        layout.addLayout(row)
        self.loaded = False
        self.warnings: list[str] = []

    def marked_words(self) -> list[str]:
        return [w.strip() for w in self.words.text().split(",") if w.strip()]

    def initializePage(self) -> None:
        self.loaded = False
        self.warnings = []
        self.image.clear()
        self.removed.clear()
        self.note.setText("Preparing the preview: converting, removing details, stamping…")
        self.completeChanged.emit()
        auth = self.share.auth_page.authorisation()
        recipient_chosen = self.share.recipient_uuid()
        if auth is None or recipient_chosen is None:
            return
        blind_only = auth.may_name is False  # they agreed to a blind CV only: not the user's choice
        self.anonymise.blockSignals(True)
        if blind_only:
            self.anonymise.setChecked(True)
        self.anonymise.setEnabled(not blind_only)
        self.anonymise.blockSignals(False)
        person, recipient, items = self.share.person_uuid, recipient_chosen, self.share.items()
        anonymise, words = self.anonymise.isChecked(), self.marked_words()

        def done(preview: Preview) -> None:
            notes = []
            if preview.pdf:
                self.image.setPixmap(render_pages(preview.pdf))
                notes.append(f"{preview.name}" + (f" ({preview.converted})" if preview.converted else "")
                             + ": every page carries the band.")
            if preview.candidate:
                notes.append(f"The name is replaced by {preview.candidate}.")
            if preview.others:
                notes.append(f"Also in the package, as PDFs treated the same way: {', '.join(preview.others)}.")
            self.removed.setText(("Removed: " + "; ".join(preview.removed) + ".") if preview.removed
                                 else "Nothing needed removing.")
            fields = [i for i in items if not i.startswith("document:")]
            if fields:
                notes.append(f"A contact card with only: {', '.join(fields)}.")
            notes += [f"Warning: {w}." for w in preview.warnings]
            self.note.setText(" ".join(notes) or "Nothing to preview.")
            self.warnings = preview.warnings
            self.loaded = True
            self.completeChanged.emit()

        def failed(error: VaultError) -> None:
            self.note.setText(str(error))

        self.share.worker.call(lambda v: stamped_preview(v, person, recipient, items, auth.uuid,
                                                         anonymise=anonymise, words=words),
                               done, failed, context=self)

    def cleanupPage(self) -> None:
        self.image.clear()
        self.loaded = False

    def isComplete(self) -> bool:
        return self.loaded

    def validatePage(self) -> bool:
        return self.loaded and self.share.auth_page.isComplete()


def render_pages(pdf: bytes, width: int = PREVIEW_WIDTH, limit: int = 6) -> QPixmap:
    """Every page (up to ``limit``) one below the other, rendered from memory."""
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    try:
        document.load(buffer)
        count = min(document.pageCount(), limit)
    finally:
        document.close()
        buffer.close()
    pages = [render_first_page(pdf, width, index) for index in range(count)]
    if len(pages) <= 1:
        return pages[0] if pages else QPixmap()
    ratio = pages[0].devicePixelRatio()
    gap = round(8 * ratio)
    sheet = QPixmap(max(p.width() for p in pages), sum(p.height() for p in pages) + gap * (len(pages) - 1))
    sheet.fill(Qt.GlobalColor.gray)
    painter = QPainter(sheet)
    y = 0
    for page in pages:
        page.setDevicePixelRatio(1.0)
        painter.drawPixmap(0, y, page)
        y += page.height() + gap
    painter.end()
    sheet.setDevicePixelRatio(ratio)
    return sheet


def render_first_page(pdf: bytes, width: int = PREVIEW_WIDTH, index: int = 0) -> QPixmap:
    """Render one page (the first by default) from memory; the bytes never touch the disk."""
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    try:
        document.load(buffer)
        if document.pageCount() <= index:
            return QPixmap()
        size = document.pagePointSize(index)
        height = int(width * size.height() / size.width()) if size.width() else int(width * 1.3)
        # Sharp at 200 % scaling: render device pixels; and on white, as the page will be printed.
        app = QApplication.instance()
        ratio = app.devicePixelRatio() if isinstance(app, QApplication) else 1.0
        image = document.render(index, QSize(round(width * ratio), round(height * ratio)))
        page = QPixmap(image.size())
        page.fill(Qt.GlobalColor.white)
        painter = QPainter(page)
        painter.drawImage(0, 0, image)
        painter.end()
        page.setDevicePixelRatio(ratio)
        return page
    finally:
        document.close()
        buffer.close()


class SavePage(QWizardPage):
    def __init__(self, wizard: ShareWizard) -> None:
        super().__init__()
        self.share = wizard
        self.setTitle("Save the package")
        self.setSubTitle("A signed zip the recipient can check without Contact Vault (README.txt says how).")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.textChanged.connect(lambda _t: self.completeChanged.emit())
        row.addWidget(self.path, 1)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        row.addWidget(browse)
        layout.addLayout(row)
        self.message = error_label()
        layout.addWidget(self.message)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        self.result: sharing.ShareResult | None = None
        self.saving = False
        self.setFinalPage(True)

    def initializePage(self) -> None:
        if not self.path.text():
            stamp = self.share.worker.clock.now().strftime("%Y%m%d-%H%M")
            self.path.setText(str(Path.home() / f"share-package-{stamp}.zip"))

    def browse(self) -> None:
        path = notifier().choose_save_file(self, "Save the share package", self.path.text(), "Zip (*.zip)")
        if path:
            self.path.setText(path)

    def isComplete(self) -> bool:
        return bool(self.path.text().strip()) and not self.saving

    def validatePage(self) -> bool:
        if self.result is not None:
            return True
        if self.saving or not self.share.auth_page.isComplete():
            return False
        person, recipient, items = self.share.person_uuid, self.share.recipient_uuid(), self.share.items()
        if recipient is None:  # the authorisation page is complete only with a recipient chosen
            return False
        out, password = self.path.text().strip(), self.share.preview_page.password.text() or None
        anonymise = self.share.preview_page.anonymise.isChecked()
        words = self.share.preview_page.marked_words()
        self.saving = True
        self.message.hide()
        self.result_label.setText("Stamping, signing and writing the package…")
        self.completeChanged.emit()

        def done(result: sharing.ShareResult) -> None:
            self.saving = False
            self.result = result
            self.share.worker.notify_changed(person)
            text = f"Saved {result.path} (package {result.package_id})."
            if result.warnings:
                text += "\nWarning: " + "; ".join(result.warnings)
            self.result_label.setText(text)
            self.share.saved.emit(result)
            self.share.accept()

        def failed(error: VaultError) -> None:
            self.saving = False
            self.result_label.clear()
            self.message.setText(str(error))
            self.message.show()
            self.completeChanged.emit()

        self.share.worker.call(lambda v: sharing.build_share(v, person, recipient, items, out, pdf_password=password,
                                                             anonymise=anonymise, words=words),
                               done, failed, context=self)
        return False


class ShareWizard(QWizard):
    saved = Signal(object)  # sharing.ShareResult

    def __init__(self, worker: VaultWorker, person_uuid: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.person_uuid = person_uuid
        self.setWindowTitle("Share")
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Save")
        self.items_page = ItemsPage(self)
        self.recipient_page = RecipientPage(self)
        self.auth_page = AuthorisationPage(self)
        self.preview_page = PreviewPage(self)
        self.save_page = SavePage(self)
        for page in (self.items_page, self.recipient_page, self.auth_page, self.preview_page, self.save_page):
            self.addPage(page)
        self.resize(700, 800)
        self.loaded = False
        worker.call(lambda v: load_context(v, person_uuid), self._loaded, self._failed, context=self)

    def _loaded(self, context: ShareContext) -> None:
        self.setWindowTitle(f"Share {context.person.full_name}")
        self.items_page.populate(context)
        self.recipient_page.populate(context.recipients)
        self.loaded = True

    def _failed(self, error: VaultError) -> None:
        self.items_page.setSubTitle(str(error))

    def items(self) -> list[str]:
        return self.items_page.items()

    def recipient_uuid(self) -> str | None:
        return self.recipient_page.recipient_uuid()

    def clear(self) -> None:
        """Forget everything shown (called on lock)."""
        self.preview_page.image.clear()
        self.preview_page.note.clear()
        self.preview_page.password.clear()
        self.preview_page.removed.clear()
        self.preview_page.words.clear()
        self.items_page.list.clear()
        self.recipient_page.combo.clear()
        self.auth_page.status.clear()
        self.auth_page.verdict = None

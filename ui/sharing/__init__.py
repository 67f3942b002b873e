"""Consent-gated sharing in the desktop app: tabs, the share wizard, recipients, introductions.

``install(window)`` hooks everything into the main window through its extension points.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from vault.errors import SenderUntrusted
from vault.sharing import (
    ImportResult,
    ShareResult,
    VerifyReport,
    import_package,
    trust_from_vault,
    verify_package,
)

from .authorisations_tab import AuthorisationsTab
from .expiring_view import ExpiringView
from .intro_requests import IntroRequestsDialog
from .recipients_dialog import RecipientsDialog
from .share_wizard import ShareWizard
from .shares_tab import SharesTab

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from vault.store import Vault

__all__ = ["ShareWizard", "install"]


class SharingUi:
    """Keeps the open sharing dialogs so tests (and lock) can reach them."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.wizard: ShareWizard | None = None
        self.recipients: RecipientsDialog | None = None
        self.intros: IntroRequestsDialog | None = None
        tab = window.add_person_tab("Authorisations", AuthorisationsTab)
        assert isinstance(tab, AuthorisationsTab)
        tab.share_requested.connect(self.share)
        self.authorisations_tab = tab
        self.shares_tab = window.add_person_tab("Shares", SharesTab)
        self.expiring = window.add_sidebar_view("Expiring authorisations", ExpiringView)
        window.register_clearable(self.expiring)
        self.share_action = QAction("&Share…", window)
        self.share_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.share_action.triggered.connect(lambda _c=False: self.share(window.current_person_uuid()))
        window.add_menu_action("People", self.share_action)
        self.recipients_action = QAction("&Recipients…", window)
        self.recipients_action.triggered.connect(lambda _c=False: self.manage_recipients())
        window.add_menu_action("Tools", self.recipients_action)
        self.intros_action = QAction("&Introduction requests…", window)
        self.intros_action.triggered.connect(lambda _c=False: self.introductions())
        window.add_menu_action("Tools", self.intros_action)
        self.import_action = QAction("I&mport share package…", window)
        self.import_action.triggered.connect(lambda _c=False: self.choose_package(self.import_package_file))
        window.add_menu_action("Tools", self.import_action)
        self.verify_action = QAction("&Verify share package…", window)
        self.verify_action.triggered.connect(lambda _c=False: self.choose_package(self.verify_package_file))
        window.add_menu_action("Tools", self.verify_action)
        self.last_message = ""
        self.trust_box: QMessageBox | None = None
        window.register_clearable(self)
        actions = (self.share_action, self.recipients_action, self.intros_action, self.import_action,
                   self.verify_action)
        for action in actions:
            action.setEnabled(window.is_unlocked)
        window.locked.connect(lambda: [a.setEnabled(False) for a in actions])
        window.unlocked.connect(lambda _info: [a.setEnabled(True) for a in actions])

    def clear(self) -> None:
        """On lock: the dialogs are closed by then; drop them and what they showed."""
        for name in ("wizard", "recipients", "intros"):
            dialog = getattr(self, name)
            if dialog is not None:
                dialog.clear()
                dialog.deleteLater()
                setattr(self, name, None)
        self.last_message = ""

    def share(self, person_uuid: str | None) -> None:
        if not person_uuid or not self.window.is_unlocked:
            return
        self.wizard = ShareWizard(self.window.worker, person_uuid, self.window)
        self.wizard.saved.connect(self._saved)
        self.wizard.open()

    def _saved(self, result: ShareResult) -> None:
        text = f"Share package saved: {result.path}"
        if result.warnings:
            box = QMessageBox(QMessageBox.Icon.Warning, "Share saved",
                              f"{text}\n\nWarning: {'; '.join(result.warnings)}.", QMessageBox.StandardButton.Ok,
                              self.window)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
        self.window.statusBar().showMessage(text, 10_000)

    def choose_package(self, then: Callable[[str], None]) -> None:
        if self.window.is_unlocked:
            path, _ = QFileDialog.getOpenFileName(self.window, "Share package", "", "Share package (*.zip)")
            if path:
                then(path)

    def import_package_file(self, path: str, trust_fingerprint: str | None = None) -> None:
        """Verify (signature first) and import; the person arrives locked with the upstream consent.
        A key this vault does not trust yet is shown with its fingerprint and trusted only if the
        user says so (``ask_trust``)."""

        def run(v: Vault) -> ImportResult | SenderUntrusted:
            try:
                return import_package(v, path, trust_fingerprint=trust_fingerprint)
            except SenderUntrusted as untrusted:
                return untrusted

        def done(result: ImportResult | SenderUntrusted) -> None:
            if isinstance(result, SenderUntrusted):
                self.ask_trust(path, result)
                return
            self.window.worker.notify_changed(result.person_id)
            self.window.workspace.show_person(result.person_id)
            trusted = f" The key {result.sender_fingerprint} is now trusted for the sender." if trust_fingerprint \
                else ""
            self._tell(QMessageBox.Icon.Information, "Package imported: the person's sharing is locked, with the "
                       f"sender's authorisation {result.authorisation_id} attached (their consent for the sender "
                       f"to share with you).{trusted}")

        self.window.run_with_progress("Verifying and importing the package…", run, done)

    def ask_trust(self, path: str, untrusted: SenderUntrusted) -> None:
        """Show the key's fingerprint and ask whether to trust it; only Yes imports."""
        groups = " ".join(untrusted.fingerprint[i:i + 4] for i in range(0, len(untrusted.fingerprint), 4))
        box = QMessageBox(
            QMessageBox.Icon.Question, "Trust this sender?",
            f"This package says it comes from {untrusted.claimed}.\n\nIt is signed with the key\n\n{groups}\n\n"
            "which this vault does not trust yet. Anyone can make a package that says this. Call or meet the "
            "sender, using contact details you already had (not ones from the package), and compare the "
            "fingerprint with theirs.\n\nTrust this key for this sender and import?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: object) -> None:
            self.trust_box = None
            if box.standardButton(button) == QMessageBox.StandardButton.Yes:
                self.import_package_file(path, untrusted.fingerprint)
            else:
                self._tell(QMessageBox.Icon.Information, "Not imported: the sender's key was not trusted.")

        box.buttonClicked.connect(answered)
        self.trust_box = box
        self.last_message = box.text()
        box.open()

    def verify_package_file(self, path: str) -> None:
        def done(report: VerifyReport) -> None:
            self._tell(QMessageBox.Icon.Information if report.ok and report.sender_verified
                       else QMessageBox.Icon.Warning, report.summary())

        self.window.run_with_progress("Verifying the package…",
                                      lambda v: trust_from_vault(v, verify_package(path, now=v.now())), done)

    def _tell(self, kind: QMessageBox.Icon, text: str) -> None:
        self.last_message = text
        box = QMessageBox(kind, "Share package", text, QMessageBox.StandardButton.Ok, self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def manage_recipients(self) -> None:
        if self.window.is_unlocked:
            self.recipients = RecipientsDialog(self.window.worker, self.window)
            self.recipients.open()

    def introductions(self) -> None:
        if self.window.is_unlocked:
            self.intros = IntroRequestsDialog(self.window.worker, self.window.current_person_uuid(), self.window)
            self.intros.open()


def install(window: MainWindow) -> SharingUi:
    return SharingUi(window)

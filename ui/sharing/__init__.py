"""Consent-gated sharing in the desktop app: tabs, the share wizard, recipients, introductions.

``install(window)`` hooks everything into the main window through its extension points.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from vault.errors import DuplicatePerson, SenderUntrusted, SuppressedPerson, VaultError
from vault.sharing import (
    ImportResult,
    ShareResult,
    VerifyReport,
    import_package,
    trust_from_vault,
    verify_package,
)

from .authorisations_tab import AuthorisationsTab
from .common import notifier
from .expiring_view import ExpiringView
from .intro_requests import IntroRequestsDialog
from .recipients_dialog import RecipientsDialog
from .share_wizard import ShareWizard
from .shares_tab import SharesTab

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from vault.store import Vault

__all__ = ["ShareWizard", "install"]

PACKAGE_TITLE = "Share package"


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

    def share(self, person_uuid: str | None) -> None:
        if not person_uuid or not self.window.is_unlocked:
            return
        self.wizard = ShareWizard(self.window.worker, person_uuid, self.window)
        self.wizard.saved.connect(self._saved)
        self.wizard.open()

    def _saved(self, result: ShareResult) -> None:
        text = f"Share package saved: {result.path}"
        if result.warnings:
            notifier().warning(self.window, f"{text}\n\nWarning: {'; '.join(result.warnings)}.", title="Share saved")
        self.window.statusBar().showMessage(text, 10_000)

    def choose_package(self, then: Callable[[str], None]) -> None:
        if self.window.is_unlocked:
            path = notifier().choose_open_file(self.window, "Share package", "", "Share package (*.zip)")
            if path:
                then(path)

    def import_package_file(self, path: str, trust_fingerprint: str | None = None, *, despite_erasure: bool = False,
                            allow_duplicate: bool = False) -> None:
        """Verify (signature first) and import; the person arrives locked with the upstream consent.

        A key this vault does not trust yet is shown with its fingerprint and trusted only if the
        user says so (``ask_trust``). Someone erased on request is imported only once the user
        confirms they came back (audited); a person already in the vault is opened instead, or kept
        twice if the user says so."""

        def run(v: Vault) -> ImportResult | SenderUntrusted:
            try:
                return import_package(v, path, trust_fingerprint=trust_fingerprint, despite_erasure=despite_erasure,
                                      allow_duplicate=allow_duplicate)
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
            notifier().info(self.window, "Package imported: the person's sharing is locked, with the sender's "
                            f"authorisation {result.authorisation_id} attached (their consent for the sender to share "
                            f"with you).{trusted}", title=PACKAGE_TITLE)

        def refused(error: VaultError) -> bool:
            if isinstance(error, SuppressedPerson) and not despite_erasure:
                if notifier().confirm(self.window, "Erased on request",
                                      f"{error.erased_on}: the person in this package was erased on request and kept "
                                      "out of the vault.\n\nImport them only if they came back and asked. This is "
                                      "recorded in the audit trail."):
                    self.import_package_file(path, trust_fingerprint, despite_erasure=True,
                                             allow_duplicate=allow_duplicate)
                return True
            if isinstance(error, DuplicatePerson) and not allow_duplicate:
                choice = notifier().choose_option(
                    self.window, "Already in the vault", str(error).split(";")[0] + ".",
                    [("open", f"Open {error.name}"), ("keep", "Import as a second record")])
                if choice == "open":
                    self.window.workspace.show_person(error.person_uuid)
                elif choice == "keep":
                    self.import_package_file(path, trust_fingerprint, despite_erasure=despite_erasure,
                                             allow_duplicate=True)
                return True
            return False

        self.window.run_with_progress("Verifying and importing the package…", run, done, refused)

    def ask_trust(self, path: str, untrusted: SenderUntrusted) -> None:
        """Show the key's fingerprint and ask whether to trust it; only Yes imports."""
        groups = " ".join(untrusted.fingerprint[i:i + 4] for i in range(0, len(untrusted.fingerprint), 4))
        if notifier().confirm(
                self.window, "Trust this sender?",
                f"This package says it comes from {untrusted.claimed}.\n\nIt is signed with the key\n\n{groups}\n\n"
                "which this vault does not trust yet. Anyone can make a package that says this. Call or meet the "
                "sender, using contact details you already had (not ones from the package), and compare the "
                "fingerprint with theirs.\n\nTrust this key for this sender and import?"):
            self.import_package_file(path, untrusted.fingerprint)
        else:
            notifier().info(self.window, "Not imported: the sender's key was not trusted.", title=PACKAGE_TITLE)

    def verify_package_file(self, path: str) -> None:
        def done(report: VerifyReport) -> None:
            tell = notifier().info if report.ok and report.sender_verified else notifier().warning
            tell(self.window, report.summary(), title=PACKAGE_TITLE)

        self.window.run_with_progress("Verifying the package…",
                                      lambda v: trust_from_vault(v, verify_package(path, now=v.now())), done)

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

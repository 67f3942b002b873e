"""Contacts in and out, and the privacy lifecycle, in the desktop app.

``install(window)`` adds, through the main window's extension points: a new person prefilled
from a resume, the import wizard and vCard export (People menu), subject-access export and erasure with typed confirmation for the
selected person, the retention review queue (sidebar), and an Outreach tab on each person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence

from ui.notifier import notifier

from .erase_dialog import EraseDialog
from .export_dialog import ExportDialog
from .import_wizard import ImportWizard
from .outreach_tab import OutreachTab
from .person_merge_dialog import PersonMergeDialog
from .resume_intake import ResumeIntake
from .retention_view import RetentionView

if TYPE_CHECKING:
    from collections.abc import Callable

    from ui.main_window import MainWindow
    from vault.people import Person

__all__ = ["ContactsUi", "EraseDialog", "ExportDialog", "ImportWizard", "install"]


class ContactsUi:
    """Keeps the open dialogs so tests and lock can reach them."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.wizard: ImportWizard | None = None
        self.export_dialog: ExportDialog | None = None
        self.erase_dialog: EraseDialog | None = None
        self.merge_dialog: PersonMergeDialog | None = None
        self.intake: ResumeIntake | None = None
        self.outreach_tab = window.add_person_tab("Outreach", OutreachTab)
        self.retention = window.add_sidebar_view("Retention review", RetentionView)
        window.register_clearable(self.retention)
        window.register_clearable(self)

        def action(text: str, slot: Callable[[], object], shortcut: str | None = None) -> QAction:
            made = QAction(text, window)
            if shortcut:
                made.setShortcut(QKeySequence(shortcut))
            made.triggered.connect(lambda _checked=False: slot())
            return made

        self.import_action = action("&Import contacts…", self.import_contacts, "Ctrl+I")
        self.intake_action = action("New person from &resume…", self.person_from_resume)
        self.export_action = action("E&xport vCard…", self.export_vcard)
        self.subject_access_action = action("Export everything about this person…", self.export_person)
        self.erase_action = action("E&rase person…", self.erase_person)
        self.merge_action = action("&Merge with a duplicate record…", self.merge_duplicate)
        self.actions = (self.intake_action, self.import_action, self.export_action, self.subject_access_action,
                        self.merge_action, self.erase_action)
        for made in self.actions:
            window.add_menu_action("People", made)
        for made in self.actions:
            made.setEnabled(window.is_unlocked)
        window.locked.connect(lambda: [a.setEnabled(False) for a in self.actions])
        window.unlocked.connect(lambda _info: [a.setEnabled(True) for a in self.actions])

    def import_contacts(self, path: str = "") -> ImportWizard | None:
        if not self.window.is_unlocked:
            return None
        self.wizard = ImportWizard(self.window.worker, self.window, path)
        self.wizard.open()
        return self.wizard

    def person_from_resume(self, path: str = "") -> ResumeIntake | None:
        """Read a resume locally and open the new-person form prefilled from it."""
        if not self.window.is_unlocked:
            return None
        path = path or notifier().choose_open_file(self.window, "New person from resume", "",
                                                   "Resumes (*.pdf *.docx *.odt *.rtf *.txt);;All files (*)")
        if not path:
            return None
        self.intake = ResumeIntake(self.window.worker, path, self.window)
        self.intake.start()
        return self.intake

    def _selected(self, then: Callable[[Person], None]) -> None:
        person_uuid = self.window.current_person_uuid()
        if not person_uuid or not self.window.is_unlocked:
            return
        self.window.worker.call(lambda v: v.people.get(person_uuid), then,
                                context=self.window)

    def export_vcard(self) -> None:
        if not self.window.is_unlocked:
            return
        person_uuid = self.window.current_person_uuid()
        if not person_uuid:
            self.export_dialog = ExportDialog(self.window.worker, None, "", self.window)
            self.export_dialog.open()
            return

        def show(person: Person) -> None:
            self.export_dialog = ExportDialog(self.window.worker, person_uuid, person.full_name,
                                              self.window)
            self.export_dialog.open()

        self._selected(show)

    def export_person(self, path: str = "") -> None:
        def ask(person: Person) -> None:
            target = path or notifier().choose_save_file(
                self.window, f"Everything about {person.full_name}",
                f"{person.full_name}.zip", "Zip archive (*.zip)")
            if not target:
                return
            uuid = person.uuid

            def written(out: object) -> None:
                notifier().info(self.window, f"Wrote {out}. It is a plaintext copy: hand it to the person "
                                "securely.", title="Subject access export")

            self.window.run_with_progress("Collecting everything held about this person…",
                                          lambda v: v.privacy.export_person(uuid, target), written)

        self._selected(ask)

    def erase_person(self) -> None:
        def show(person: Person) -> None:
            self.erase_dialog = EraseDialog(self.window.worker, person.uuid, person.full_name,
                                            self.window)
            self.erase_dialog.open()

        self._selected(show)

    def merge_duplicate(self) -> None:
        """The selected person and the first other record sharing an e-mail, phone or profile link."""
        person_uuid = self.window.current_person_uuid()
        if not person_uuid or not self.window.is_unlocked:
            return

        def find(vault: Any) -> tuple[Any, Any]:
            person = vault.people.get(person_uuid)
            found = vault.people.find_duplicates([(p.kind, p.normalized) for p in person.contact_points],
                                                 exclude=[person.id])
            return person, (vault.people.get(found[0][0]) if found else None)

        def show(pair: tuple[Any, Any]) -> None:
            keep, other = pair
            if other is None:
                notifier().info(self.window, "No other record shares an e-mail, phone or profile link with "
                                f"{keep.full_name}.", title="No duplicate")
                return
            self.merge_dialog = PersonMergeDialog(self.window.worker, keep, other, self.window)
            self.merge_dialog.merged.connect(self.window.workspace.show_person)
            self.merge_dialog.open()

        self.window.worker.call(find, show, context=self.window)

    def clear(self) -> None:
        for dialog in (self.wizard, self.export_dialog, self.erase_dialog, self.merge_dialog):
            if dialog is not None:
                if isinstance(dialog, ImportWizard):
                    dialog.clear()
                dialog.close()
                dialog.deleteLater()  # closed is not gone: the dialogs hold names until deleted
        if self.intake is not None:
            self.intake.clear()
        self.wizard = self.export_dialog = self.erase_dialog = self.merge_dialog = None
        self.intake = None


def install(window: MainWindow) -> ContactsUi:
    return ContactsUi(window)

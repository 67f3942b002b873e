"""The import wizard with real widgets (offscreen) on a real vault: file and format, column
mapping, preview with counts, side-by-side merge, import with progress, and the report.
Screenshots of each page go to $CONTACT_VAULT_SHOTS when that is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget, QWizard

from tests.conftest import corpus_file
from ui.contacts.import_wizard import OUTCOME_WORDS, ImportWizard
from ui.main_window import MainWindow
from ui.settings import UiSettings
from ui.worker import VaultWorker
from vault.config import AppConfig
from vault.people import NewContactPoint, PersonFields

pytestmark = pytest.mark.gui
WAIT_MS = 20_000


def shot(widget: QWidget, name: str) -> None:
    folder = os.environ.get("CONTACT_VAULT_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / f"{name}.png"))


@pytest.fixture
def window(qtbot, vault_path, template_vault, clock, tmp_path) -> Iterator[MainWindow]:
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    made = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
    qtbot.addWidget(made)
    made.show()
    made.start()
    made.unlock_page.unlock_with_key(template_vault[1])
    qtbot.waitUntil(lambda: made.is_unlocked and not made.workspace.model.loading, timeout=WAIT_MS)
    yield made
    made.close()


def run_on_worker(qtbot, window: MainWindow, fn):
    box: list[object] = []
    window.worker.call(fn, box.append, context=None)
    qtbot.waitUntil(lambda: bool(box), timeout=WAIT_MS)
    return box[0]


def next_page(qtbot, wizard: ImportWizard) -> None:
    button = wizard.button(QWizard.WizardButton.CommitButton if wizard.currentPage().isCommitPage()
                           else QWizard.WizardButton.NextButton)
    assert button.isEnabled()
    button.click()


def test_wizard_imports_linkedin_then_finds_every_row_again(qtbot, window) -> None:
    path = corpus_file("csv/kawsay__Connections.csv")
    assert window.contacts.import_action.isEnabled()
    wizard = window.contacts.import_contacts(str(path))
    assert wizard is not None
    qtbot.waitUntil(wizard.isVisible)
    shot(wizard, "import-1-file")
    next_page(qtbot, wizard)
    assert wizard.currentPage() is wizard.mapping_page
    assert wizard.mapping_page.table.rowCount() == 7
    shot(wizard, "import-2-mapping")
    next_page(qtbot, wizard)
    preview = wizard.preview_page
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=WAIT_MS)
    assert "2 new" in preview.counts.text() and preview.table.rowCount() == 2
    assert wizard.button(QWizard.WizardButton.CommitButton).text() == "Import"
    shot(wizard, "import-3-preview")
    assert run_on_worker(qtbot, window, lambda v: v.people.count()) == 0  # the preview wrote nothing
    next_page(qtbot, wizard)
    report = wizard.report_page
    qtbot.waitUntil(lambda: report.done, timeout=WAIT_MS)
    assert "2 added" in report.summary.text()
    assert "José García" in report.report.toPlainText()
    shot(wizard, "import-4-report")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    qtbot.waitUntil(lambda: window.workspace.model.rowCount() == 2, timeout=WAIT_MS)

    again = window.contacts.import_contacts(str(path))
    next_page(qtbot, again)
    next_page(qtbot, again)
    qtbot.waitUntil(lambda: again.plan is not None, timeout=WAIT_MS)
    assert "2 already in the vault" in again.preview_page.counts.text()
    assert not again.button(QWizard.WizardButton.CommitButton).isEnabled()  # nothing to import
    again.close()


def test_wizard_mapping_for_a_generic_csv(qtbot, window, tmp_path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("Who;Reach;Firm\nKim Park;kim@example.com;Contoso\nLee Fox;lee@example.com;Fabrikam\n",
                   encoding="utf-8")
    wizard = window.contacts.import_contacts(str(odd))
    wizard.file_page.format.setCurrentIndex(wizard.file_page.format.findData("csv"))
    next_page(qtbot, wizard)
    wizard.mapping_page.set_field("Who", "full_name")
    wizard.mapping_page.set_field("Firm", "organisation")
    assert wizard.mapping_page.mapping() == {"1": "full_name", "3": "organisation"}
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=WAIT_MS)
    assert [r.name for r in wizard.plan.rows] == ["Kim Park", "Lee Fox"]
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.report_page.done, timeout=WAIT_MS)
    orgs = run_on_worker(qtbot, window, lambda v: sorted(
        r[0] for r in v.conn.execute("SELECT organisation FROM people")))
    assert orgs == ["Contoso", "Fabrikam"]


def test_merge_dialog_chooses_per_field(qtbot, window, tmp_path) -> None:
    run_on_worker(qtbot, window, lambda v: v.people.add(
        PersonFields(full_name="Ann Lee", title="Engineer"), [NewContactPoint("email", "ann@example.com")]).uuid)
    card = tmp_path / "ann.vcf"
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nEMAIL:ann@example.com\nTITLE:CTO\nORG:Initech\n"
                    "TEL:+1 415 555 0199\nEND:VCARD\n")
    wizard = window.contacts.import_contacts(str(card))
    next_page(qtbot, wizard)
    assert wizard.mapping_page.table.isHidden()
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=WAIT_MS)
    preview = wizard.preview_page
    preview.table.selectRow(0)
    assert preview.merge_button.isEnabled()
    preview.merge_button.click()
    qtbot.waitUntil(lambda: preview.merge_dialog is not None and preview.merge_dialog.isVisible(), timeout=WAIT_MS)
    dialog = preview.merge_dialog
    assert set(dialog.groups) == {"title"}  # the only field where both sides differ
    shot(dialog, "import-merge-dialog")
    dialog.choose("title", incoming=True)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert wizard.plan.rows[0].choices == {"title": "incoming"}
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.report_page.done, timeout=WAIT_MS)
    ann = run_on_worker(qtbot, window, lambda v: v.people.get(v.search.query("ann").ids[0]))
    assert (ann.title, ann.organisation) == ("CTO", "Initech")
    assert sorted(p.kind for p in ann.contact_points) == ["email", "phone"]


def test_lock_drops_the_wizard_and_its_data(qtbot, window) -> None:
    wizard = window.contacts.import_contacts(str(corpus_file("vcard/ezvcard__gmail-list.vcf")))
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=WAIT_MS)
    window.lock()
    assert wizard.plan is None and wizard.data == b"" and not wizard.isVisible()
    assert not window.contacts.import_action.isEnabled()


def test_new_person_from_resume_prefills_the_form(qtbot, window) -> None:
    resume = corpus_file("resumes/trajector__sample-resume.pdf")
    intake = window.contacts.person_from_resume(str(resume))
    qtbot.waitUntil(lambda: intake.dialog is not None and intake.dialog.isVisible(), timeout=WAIT_MS)
    dialog = intake.dialog
    assert dialog.full_name.text() == "Jane Doe"
    assert dialog.email.text() == "jane.doe@example.com" and dialog.phone.text() == "+15551234567"
    shot(dialog, "intake-form")
    with qtbot.waitSignal(window.worker.data_changed, timeout=WAIT_MS):
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not window.worker.busy and intake.person_uuid is not None, timeout=WAIT_MS)
    person_uuid = intake.person_uuid

    def check(v):
        person = v.people.get(person_uuid)
        return sorted(p.kind for p in person.contact_points), [d.file_name for d in v.documents.for_person(person.id)]

    qtbot.waitUntil(lambda: run_on_worker(qtbot, window, check)[1] != [], timeout=WAIT_MS)
    kinds, docs = run_on_worker(qtbot, window, check)
    assert kinds == ["email", "link", "link", "phone"] and docs == ["trajector__sample-resume.pdf"]


def test_not_the_same_person_imports_the_row_as_new(qtbot, window, tmp_path) -> None:
    run_on_worker(qtbot, window, lambda v: v.people.add(
        PersonFields(full_name="Jon Smith", organisation="Initech"), [NewContactPoint("email", "jon@initech.example")]))
    card = tmp_path / "john.vcf"
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:John Smith\nORG:Initech\nTEL:+1 415 555 0142\nEND:VCARD\n")
    wizard = window.contacts.import_contacts(str(card))
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=WAIT_MS)
    preview = wizard.preview_page
    assert "1 to merge" in preview.counts.text()
    assert not preview.separate_button.isEnabled()
    preview.table.selectRow(0)
    assert preview.separate_button.isEnabled()
    preview.separate_button.click()
    assert wizard.plan.rows[0].outcome == "new"
    assert "1 new" in preview.counts.text() and preview.table.item(0, 1).text() == OUTCOME_WORDS["new"]
    assert not preview.separate_button.isEnabled(), "a new row has nobody to be kept apart from"
    shot(wizard, "import-kept-separate")
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.report_page.done, timeout=WAIT_MS)
    people = run_on_worker(qtbot, window, lambda v: sorted(
        (p.full_name, [c.kind for c in p.contact_points]) for p in v.people.get_many(v.people.list_ids(limit=10)).values()))
    assert people == [("John Smith", ["phone"]), ("Jon Smith", ["email"])]

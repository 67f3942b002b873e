"""The privacy gates in the desktop app (issue 14): a person erased on request is refused in
the new-person and contact-point dialogs unless the user confirms they came back (audited);
a duplicate is offered as open / merge / keep both; two existing records merge side by side;
the vCard export leaves notes out unless ticked. Real widgets (offscreen), real vault."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import FIXED_NOW
from tests.test_import_gui import WAIT_MS, run_on_worker
from ui.contact_point_dialog import ContactPointDialog
from ui.main_window import MainWindow
from ui.settings import UiSettings
from ui.worker import VaultWorker
from vault import audit
from vault.config import AppConfig
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault
from vault.suppression import Suppression

pytestmark = pytest.mark.gui
GONE = "gone.person@example.org"


@pytest.fixture
def seeded(vault_path, template_vault, clock, tmp_path) -> dict[str, str]:
    with Vault.open(vault_path, raw_key=template_vault[1], clock=clock, config=AppConfig(tmp_path / "seed")) as v:
        gone = v.people.add(PersonFields(full_name="Gone Person"), [NewContactPoint("email", GONE)])
        v.privacy.erase(gone.uuid, suppress=True)
        marisol = v.people.add(PersonFields(full_name="Marisol Ortega", notes="keep this"),
                               [NewContactPoint("email", "marisol@example.org")])
        dup = v.people.add(PersonFields(full_name="Marisol O.", organisation="Initech"),
                           [NewContactPoint("email", "MARISOL@example.org"), NewContactPoint("phone", "+1 415 555 0177")],
                           ["python"], allow_duplicate=True)
        return {"marisol": marisol.uuid, "dup": dup.uuid}


@pytest.fixture
def window(qtbot, seeded, vault_path, template_vault, clock, tmp_path) -> Iterator[MainWindow]:
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    made = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
    qtbot.addWidget(made)
    made.show()
    made.start()
    made.unlock_page.unlock_with_key(template_vault[1])
    qtbot.waitUntil(lambda: made.is_unlocked and not made.workspace.model.loading, timeout=WAIT_MS)
    yield made
    made.close()


def _new_person(qtbot, window: MainWindow, name: str, email: str):
    window.new_person()
    qtbot.waitUntil(lambda: window.person_dialog is not None, timeout=WAIT_MS)
    dialog = window.person_dialog
    dialog.full_name.setText(name)
    dialog.email.setText(email)
    return dialog


def test_new_person_dialog_refuses_an_erased_person_unless_confirmed(qtbot, notifier, window) -> None:
    dialog = _new_person(qtbot, window, "Back Again", GONE.upper())
    notifier.answer(False)
    dialog.save()
    qtbot.waitUntil(lambda: "Erased on request" in notifier.questions and dialog.buttons.isEnabled(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: FIXED_NOW[:10] in dialog.general_error.text()
                    or any(FIXED_NOW[:10] in w.text() for w in dialog.findChildren(type(dialog.general_error))),
                    timeout=WAIT_MS)
    assert run_on_worker(qtbot, window, lambda v: v.people.count()) == 2
    notifier.answer(True)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS) as saved:
        dialog.save()
    person_uuid = saved.args[0]
    assert run_on_worker(qtbot, window, lambda v: Suppression(v).count()) == 0
    events = run_on_worker(qtbot, window, lambda v: audit.query_events(v.conn, actions=["suppression.lifted"]))
    assert [e.subject_id for e in events] == [person_uuid]


def test_contact_point_dialog_refuses_an_erased_value_unless_confirmed(qtbot, notifier, window, seeded) -> None:
    dialog = ContactPointDialog(window.worker, seeded["marisol"], parent=window)
    qtbot.addWidget(dialog)
    dialog.value.setText(GONE)
    notifier.answer(False)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.buttons.isEnabled(), timeout=WAIT_MS)
    assert "erased on request" in dialog.general_error.text() + "".join(
        w.text() for w in dialog.findChildren(type(dialog.general_error)))
    points = run_on_worker(qtbot, window, lambda v: len(v.people.get(seeded["marisol"]).contact_points))
    assert points == 1


@pytest.mark.parametrize("answer", ["open", "merge", "keep"])
def test_a_duplicate_is_offered_open_merge_or_keep_both(qtbot, notifier, window, seeded, answer) -> None:
    dialog = _new_person(qtbot, window, "Marisol Ortega", "marisol@example.org")
    dialog.title.setText("Data Engineer")
    dialog.phone.setText("+1 415 555 0188")
    notifier.pick(answer)
    dialog.save()
    qtbot.waitUntil(lambda: "Already in the vault" in notifier.questions and window.person_dialog is None,
                    timeout=WAIT_MS)
    notifier.clear()
    count = run_on_worker(qtbot, window, lambda v: v.people.count())
    marisol = run_on_worker(qtbot, window, lambda v: v.people.get(seeded["marisol"]))
    if answer == "open":
        assert count == 2 and window.current_person_uuid() == seeded["marisol"]
        assert marisol.title == ""
    elif answer == "merge":
        assert count == 2 and marisol.title == "Data Engineer" and len(marisol.points("phone")) == 1
        qtbot.waitUntil(lambda: window.current_person_uuid() == seeded["marisol"], timeout=WAIT_MS)
    else:
        assert count == 3
        created = run_on_worker(qtbot, window, lambda v: audit.query_events(v.conn, actions=["person.created"]))
        assert seeded["marisol"] in created[0].details["duplicate_of"]


def test_merge_two_existing_records_side_by_side(qtbot, notifier, window, seeded) -> None:
    window.workspace.show_person(seeded["marisol"])
    qtbot.waitUntil(lambda: window.current_person_uuid() == seeded["marisol"], timeout=WAIT_MS)
    window.contacts.merge_action.trigger()
    qtbot.waitUntil(lambda: window.contacts.merge_dialog is not None, timeout=WAIT_MS)
    dialog = window.contacts.merge_dialog
    assert dialog.other.uuid == seeded["dup"]
    dialog.choose("full_name", other=False)
    with qtbot.waitSignal(dialog.merged, timeout=WAIT_MS):
        dialog.merge_button.click()
    kept = run_on_worker(qtbot, window, lambda v: v.people.get(seeded["marisol"]))
    assert kept.full_name == "Marisol Ortega" and kept.organisation == "Initech" and kept.tags == ("python",)
    assert len(kept.contact_points) == 2 and kept.notes == "keep this"
    assert run_on_worker(qtbot, window, lambda v: v.people.count()) == 1
    events = run_on_worker(qtbot, window, lambda v: audit.query_events(v.conn, actions=["person.merged"]))
    assert events[0].details["merged"] == seeded["dup"]


def test_export_dialog_leaves_notes_out_unless_ticked(qtbot, notifier, window, seeded, tmp_path) -> None:
    for ticked, name in ((False, "plain.vcf"), (True, "notes.vcf")):
        window.workspace.show_person(seeded["marisol"])
        qtbot.waitUntil(lambda: window.current_person_uuid() == seeded["marisol"], timeout=WAIT_MS)
        window.contacts.export_dialog = None
        window.contacts.export_action.trigger()
        qtbot.waitUntil(lambda: window.contacts.export_dialog is not None, timeout=WAIT_MS)
        dialog = window.contacts.export_dialog
        dialog.with_notes.setChecked(ticked)
        dialog.path.setText(str(tmp_path / name))
        dialog.save()
        qtbot.waitUntil(lambda d=dialog: d.written is not None, timeout=WAIT_MS)
        text = (tmp_path / name).read_text()
        assert ("NOTE:keep this" in text) is ticked
        assert "X-CONTACT-VAULT-SOURCE=given" in text


def test_share_wizard_warns_when_a_duplicate_record_was_sent(qtbot, notifier, vault_path, template_vault, clock,
                                                             tmp_path) -> None:
    """Right to represent by identity: Jane's second record shares her e-mail; the first record
    went to Acme, so sharing the second with Acme warns, naming the first."""
    from PySide6.QtWidgets import QWizard

    from tests.test_sharing_gui import RESUME
    from vault import sharing

    with Vault.open(vault_path, raw_key=template_vault[1], clock=clock, config=AppConfig(tmp_path / "c")) as v:
        v.recipients.add("Bob Client", email="bob@acme.example", organisation="Acme")
        v.recipients.add("Carol Client", organisation="Acme")
        first = v.people.add(PersonFields(full_name="Jane Doe"), [NewContactPoint("email", "jane@example.com")])
        doc = v.documents.add_file(first.id, RESUME)
        v.authorisations.log(first.id, organisation="Acme", scope=["resume", "email"], purpose="Role",
                             method="email", obtained_at="2026-02-01")
        sharing.build_share(v, first.id, "Carol Client", [f"document:{doc.uuid}", "email"], tmp_path / "first.zip")
        second = v.people.add(PersonFields(full_name="Jane A. Doe"), [NewContactPoint("email", "JANE@example.com")],
                              allow_duplicate=True)
        v.documents.add_file(second.id, RESUME)
        v.authorisations.log(second.id, recipient="Bob Client", scope=["resume"], purpose="Role", method="email",
                             obtained_at="2026-02-01")
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    window = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
    qtbot.addWidget(window)
    window.show()
    window.start()
    window.unlock_page.unlock_with_key(template_vault[1])
    qtbot.waitUntil(lambda: window.is_unlocked and not window.workspace.model.loading, timeout=WAIT_MS)
    window.workspace.show_person(second.uuid)
    qtbot.waitUntil(lambda: window.current_person_uuid() == second.uuid, timeout=WAIT_MS)
    window.sharing.share_action.trigger()
    wizard = window.sharing.wizard
    qtbot.waitUntil(lambda: wizard is not None and wizard.loaded, timeout=WAIT_MS)
    wizard.next()
    wizard.recipient_page.combo.setCurrentIndex(wizard.recipient_page.combo.findText("Bob Client (Acme)"))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.auth_page.isComplete(), timeout=WAIT_MS)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview_page.loaded, timeout=WAIT_MS)
    note = wizard.preview_page.note.text()
    assert "right-to-represent" in note and first.uuid[:8] in note
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # a warning, never a refusal
    wizard.reject()

    # Package import of someone erased on request asks first; declining imports nothing. The
    # package comes from another recruiter (Sam), addressed to this vault's owner (Rita).
    with_package = tmp_path / "from-sam.zip"
    with Vault.create(tmp_path / "sam.cvault", "sam's own passphrase, long enough", owner_name="Sam Sender",
                      email="sam@sender.example", clock=clock, config=AppConfig(tmp_path / "sam")) as sam:
        sam.recipients.add("Rita Recruiter", email="rita@northwind.example")
        jane = sam.people.add(PersonFields(full_name="Jane Doe"), [NewContactPoint("email", "jane@example.com")])
        sam.authorisations.log(jane.id, recipient="Rita Recruiter", scope=["email"], purpose="Role",
                               method="email", obtained_at="2026-02-01")
        sharing.build_share(sam, jane.id, "Rita Recruiter", ["email"], with_package)
    done: list[object] = []
    worker.call(lambda v: v.privacy.erase(first.uuid, suppress=True), done.append, context=worker)
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)
    worker.call(lambda v: v.privacy.erase(second.uuid, suppress=True), done.append, context=worker)
    qtbot.waitUntil(lambda: len(done) == 2, timeout=WAIT_MS)
    notifier.answer(True, False)  # trust Sam's key (fingerprint compared), then: not back on request
    window.sharing.import_package_file(str(with_package))
    qtbot.waitUntil(lambda: notifier.questions[-2:] == ["Trust this sender?", "Erased on request"], timeout=WAIT_MS)
    assert run_on_worker(qtbot, window, lambda v: v.people.count()) == 0
    window.close()


def test_new_person_from_a_resume_of_an_erased_person_asks_first(qtbot, notifier, window, tmp_path) -> None:
    resume = tmp_path / "back.txt"
    resume.write_text(f"Gone Person\nPlatform Engineer\n{GONE}\n")
    intake = window.contacts.person_from_resume(str(resume))
    qtbot.waitUntil(lambda: intake.dialog is not None and intake.dialog.isVisible(), timeout=WAIT_MS)
    assert intake.dialog.email.text() == GONE
    notifier.answer(False)
    intake.dialog.save()
    qtbot.waitUntil(lambda: "Erased on request" in notifier.questions and intake.dialog.buttons.isEnabled(),
                    timeout=WAIT_MS)
    assert run_on_worker(qtbot, window, lambda v: v.people.count()) == 2  # Marisol's two records only
    intake.dialog.reject()

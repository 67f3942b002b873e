"""Write a PNG of each main screen of the desktop app into a folder (``make screenshots``).

Runs the real app offscreen on a throw-away vault (fresh config folder, no system keyring),
fills it with invented people and the fictional sample resumes vendored in tests/data/corpus
(so a fresh clone can run it), and grabs each screen: first run, unlock, workspace with data,
person detail, document preview, settings, plus the dark theme and a validation message.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
_TMP = Path(tempfile.mkdtemp(prefix="cv-screens-"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["CONTACT_VAULT_CONFIG_DIR"] = str(_TMP / "config")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # never touch a real keyring
os.environ.pop("CONTACT_VAULT_PATH", None)

from PySide6.QtCore import QCoreApplication, QEventLoop, QMessageLogContext, QtMsgType, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from ui.icons import app_icon  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.settings_dialog import SettingsDialog  # noqa: E402
from ui.workspace import Workspace  # noqa: E402
from vault.people import NewContactPoint, PersonFields  # noqa: E402
from vault.store import Vault  # noqa: E402

#: Where sample resumes are looked up: the redistributable copies in the repository first, then
#: the full corpus beside the checkout (only needed for a resume that is not vendored).
RESUME_FOLDERS = (REPO / "tests" / "data" / "corpus" / "resumes", REPO.parent / "shared" / "corpus" / "resumes")
PASSPHRASE = "tangerine quarry velvet compass"

PEOPLE = [
    ("Jordan Alexander Reyes", "candidate", "Senior Data & AI Engineer", "Lumen Streaming", "Data Engineer",
     ["data", "python"], "jordan@jordanreyes.dev", "+1 415 555 0182", "careerrag__sample-resume.pdf"),
    ("Amara Okafor", "candidate", "Product designer, fintech", "Brightpay", "Lead Designer", ["design"],
     "amara.okafor@example.com", "+44 20 7946 0321", "job-search-ai-agent__resume.pdf"),
    ("Lukas Novak", "contact", "VP Engineering", "Kestrel Robotics", "VP Engineering", ["hiring-manager"],
     "lukas@kestrel.example", "+420 601 123 456", None),
    ("Mei Tanaka", "candidate", "Backend engineer (Go, Rust)", "Northwind Logistics", "Staff Engineer",
     ["go", "rust"], "mei.tanaka@example.org", "+81 3 1234 5678", "resume-matcher__two-column.pdf"),
    ("Priya Raman", "contact", "Founder & CEO", "Lattice Health", "CEO", ["founder"],
     "priya@lattice.example", "+1 212 555 0147", None),
    ("Sofia Marquez", "candidate", "Data scientist", "Verdant BioSignals", "Data Scientist", ["data"],
     "sofia.m@example.net", "+34 612 345 678", "rendercv__John_Doe_ClassicTheme_CV.pdf"),
    ("Daniel Cohen", "contact", "Head of Talent", "Orbital Bank", "Head of Talent", ["hiring-manager"],
     "dcohen@orbital.example", "+972 3 555 0101", None),
    ("Hannah Schmidt", "candidate", "Frontend engineer", "Kite Studio", "Frontend Engineer", ["javascript"],
     "hannah.schmidt@example.de", "+49 30 123456", "job-search-ai-agent__uploaded_resume.pdf"),
    ("Oliver Bennett", "candidate", "Engineering manager", "Acme Cloud", "Engineering Manager", ["python"],
     "oliver.bennett@example.co.uk", "+44 161 496 0000", None),
    ("Fatima Zahra", "contact", "CTO", "Sahara Analytics", "CTO", ["founder"],
     "fatima@sahara.example", "+212 5 2212 3456", None),
]


def sample_resume(name: str) -> Path | None:
    """The first copy of a sample resume found, or None (that person is shown without one)."""
    return next((folder / name for folder in RESUME_FOLDERS if (folder / name).is_file()), None)


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("screenshots: timed out waiting for the app")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(window: MainWindow, seconds: float = 0.4) -> None:
    wait_for(lambda: not window.worker.busy)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def save(widget: QWidget, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise SystemExit(f"screenshots: could not write {path}")
    print(path)


def seed(vault: Vault) -> None:
    for index, (name, kind, headline, org, title, tags, email, phone, resume) in enumerate(PEOPLE):
        person = vault.people.add(
            PersonFields(full_name=name, kind=kind, headline=headline, organisation=org, title=title,
                         notes="Met at the spring meetup; prefers e-mail." if index % 2 == 0 else "",
                         retention_until="2026-01-31" if index == 8 else None),
            [NewContactPoint("email", email, label="work"),
             NewContactPoint("phone", phone, label="mobile", source="old-document" if index == 1 else "given",
                             outreach="do-not-contact" if index == 1 else "ok")],
            tags,
        )
        if index == 0:
            vault.people.add_contact_point(person.uuid, NewContactPoint(
                "link", "linkedin.com/in/jordanreyes-sample", source="public-profile"))
        if resume and (path := sample_resume(resume)):
            vault.documents.add_file(person.uuid, path)
        if index == 0 and (docx := sample_resume("careerrag__sample-resume.docx")):
            vault.documents.add_file(person.uuid, docx, make_default=False)


def _quiet_offscreen(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """The offscreen platform warns about window hints it cannot honour; everything else is shown."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def main(argv: list[str]) -> int:
    qInstallMessageHandler(_quiet_offscreen)
    folder = Path(argv[0] if argv else "screenshots").absolute()
    folder.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(["contact-vault"])
    app.setApplicationName("Contact Vault")
    app.setWindowIcon(app_icon())
    vault_path = _TMP / "vault" / "vault.cvault"
    window = MainWindow(vault_path=vault_path)
    window.resize(1320, 820)
    window.show()
    try:
        capture(window, folder)
    except Exception as exc:  # one line, not a traceback from deep inside Qt's event loop
        print(f"screenshots: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        # Closing the window shuts the worker thread down (vault closed, thread joined), also on a
        # failure; otherwise Qt aborts with "QThread: Destroyed while thread is still running".
        window.close()
    return 0


def row_named(workspace: Workspace, name: str) -> int:
    """The table row showing this person (the seed data must contain them)."""
    model = workspace.model
    found = next((r for r in range(model.rowCount()) if model.data(model.index(r, 0)) == name), None)
    if found is None:
        raise RuntimeError(f"{name} is not in the workspace")
    return found


def capture(window: MainWindow, folder: Path) -> None:
    """Drive the app through each screen and save it."""
    window.start()
    settle(window)

    # First run, filled in.
    page = window.first_run
    page.passphrase.setText(PASSPHRASE)
    page.confirm.setText(PASSPHRASE)
    page.owner_name.setText("Rita Recruiter")
    page.organisation.setText("Northwind Talent")
    page.email.setText("rita@northwind.example")
    settle(window)
    save(window, folder, "01-first-run")
    page.submit()
    wait_for(lambda: window.is_unlocked)
    window.worker.call(seed, lambda _: window.worker.notify_changed(""), context=window)
    settle(window, 0.8)

    # Unlock page (after a lock), and with a wrong passphrase.
    window.lock()
    settle(window)
    save(window, folder, "02-unlock")
    window.unlock_page.passphrase.setText("tangerine quarry")
    window.unlock_page.submit()
    wait_for(lambda: not window.unlock_page.message.isHidden() and "not correct" in window.unlock_page.message.text())
    settle(window)
    save(window, folder, "02b-unlock-wrong-passphrase")
    window.unlock_page.passphrase.setText(PASSPHRASE)
    window.unlock_page.submit()
    wait_for(lambda: window.is_unlocked)
    settle(window, 0.8)

    # Workspace with data, then a person's profile.
    workspace = window.workspace
    save(window, folder, "03-workspace")
    workspace.table.selectRow(row_named(workspace, "Amara Okafor"))
    settle(window, 0.8)
    save(window, folder, "04-person-detail")

    # Document preview: the PDF resume rendered from memory.
    workspace.table.selectRow(row_named(workspace, "Jordan Alexander Reyes"))
    settle(window, 0.5)
    documents = workspace.detail.tabs.widget(1)
    workspace.detail.tabs.setCurrentWidget(documents)
    settle(window, 0.5)
    pdf_row = next((r for r in range(documents.model.rowCount())
                    if documents.model.document(r).mime_type == "application/pdf"), None)
    if pdf_row is None:
        raise RuntimeError("Jordan Alexander Reyes has no PDF resume (tests/data/corpus/resumes missing?)")
    documents.table.selectRow(pdf_row)
    wait_for(lambda: documents.preview.currentWidget() is documents.pdf_view)
    settle(window, 1.0)
    save(window, folder, "05-document-preview")

    # Search.
    workspace.detail.tabs.setCurrentIndex(0)
    workspace.search.setText("lakehouse")
    workspace.search_now()
    settle(window, 0.5)
    save(window, folder, "05b-search")
    workspace.search.clear()
    workspace.search_now()
    settle(window)

    # Settings.
    dialog = SettingsDialog(window.worker, window.settings, window)
    dialog.show()
    settle(window)
    save(dialog, folder, "06-settings")
    dialog.reject()

    # Add person with a validation message beside the field.
    window.new_person()
    person_dialog = window.person_dialog
    assert person_dialog is not None
    person_dialog.full_name.setText("New Candidate")
    person_dialog.email.setText("new.candidate@")
    person_dialog.save()
    wait_for(lambda: person_dialog.errors.message_for("email") != "")
    settle(window)
    save(person_dialog, folder, "07-person-validation")
    person_dialog.reject()

    # Dark theme.
    window.settings.theme = "dark"
    window.apply_settings()
    settle(window, 0.5)
    save(window, folder, "08-workspace-dark")
    window.settings.theme = "system"
    window.apply_settings()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

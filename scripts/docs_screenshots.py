"""The user guide's screenshots (docs/*.png), taken from the demo vault: ``make docs-screenshots``.

Runs the real app offscreen on a fresh demo vault (``vault/demo.py``: fictional people only),
with a throw-away config folder and no system keyring, and grabs each main screen: unlock,
the workspace, a person's documents with the PDF preview, authorisations, shares, outreach,
the share wizard's stamped preview and its refusal, the expiring-authorisations and retention
views, introduction requests, the audit viewer, the erase dialog, and the dark palette.

    scripts/docs_screenshots.py [FOLDER] [--theme light|dark] [--scale N] [--prefix P] [--only NAME,...]

``--scale 2`` (QT_SCALE_FACTOR) and ``--theme dark`` are how the accessibility review looks
at every screen at 200 % and in the dark palette; the docs carry one example of each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(REPO / "docs"))
    parser.add_argument("--theme", choices=["light", "dark"], default="light")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--prefix", default="")
    parser.add_argument("--only", default="", help="comma list of screen names")
    parser.add_argument("--no-extras", action="store_true", help="skip the dark and 200 %% examples")
    return parser.parse_args(argv)


OPTIONS = _options(sys.argv[1:])
_TMP = Path(tempfile.mkdtemp(prefix="cv-docs-shots-"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["CONTACT_VAULT_CONFIG_DIR"] = str(_TMP / "config")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # never touch a real keyring
os.environ.pop("CONTACT_VAULT_PATH", None)
if OPTIONS.scale != 1.0:
    os.environ["QT_SCALE_FACTOR"] = f"{OPTIONS.scale:g}"

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from demo import build_demo_vault  # noqa: E402
from ui.icons import app_icon  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.settings import UiSettings  # noqa: E402
from ui.theme import apply_theme  # noqa: E402
from ui.worker import VaultWorker  # noqa: E402
from vault.config import AppConfig  # noqa: E402

WIDTH, HEIGHT = 1320, 820


def wait_for(condition: Callable[[], bool], timeout: float = 60.0, what: str = "the app") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"docs_screenshots: timed out waiting for {what}")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(window: MainWindow, seconds: float = 0.5) -> None:
    wait_for(lambda: not window.worker.busy, what="the vault worker")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


class Shooter:
    def __init__(self, folder: Path, prefix: str, only: set[str]) -> None:
        self.folder, self.prefix, self.only = folder, prefix, only
        self.written: list[Path] = []

    def wanted(self, name: str) -> bool:
        return not self.only or name in self.only

    def save(self, widget: QWidget, name: str) -> None:
        if not self.wanted(name):
            return
        path = self.folder / f"{self.prefix}{name}.png"
        if not widget.grab().save(str(path)):
            raise SystemExit(f"docs_screenshots: could not write {path}")
        self.written.append(path)
        print(path)


def select_person(window: MainWindow, name: str) -> None:
    workspace = window.workspace
    workspace.main_stack.setCurrentIndex(0)
    wait_for(lambda: not workspace.model.loading, what="the people list")
    model = workspace.model
    row = next((r for r in range(model.rowCount()) if model.data(model.index(r, 0)) == name), None)
    if row is None:
        raise SystemExit(f"docs_screenshots: {name} is not in the list")
    workspace.table.selectRow(row)
    wait_for(lambda: window.current_person_uuid() is not None, what=name)
    settle(window, 0.6)


def show_tab(window: MainWindow, title: str) -> QWidget:
    tabs = window.workspace.detail.tabs
    index = next(i for i in range(tabs.count()) if tabs.tabText(i).replace("&", "") == title)
    tabs.setCurrentIndex(index)
    settle(window, 0.6)
    return tabs.widget(index)


def show_sidebar_view(window: MainWindow, title: str) -> None:
    sidebar = window.workspace.sidebar
    for index in range(sidebar.topLevelItemCount()):
        item = sidebar.topLevelItem(index)
        if item.text(0).startswith(title):
            sidebar.setCurrentItem(item)
            settle(window, 0.8)
            return
    raise SystemExit(f"docs_screenshots: no sidebar view {title!r}")


def main() -> int:
    folder = Path(OPTIONS.folder).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    shots = Shooter(folder, OPTIONS.prefix, {n for n in OPTIONS.only.split(",") if n})
    demo = build_demo_vault(_TMP / "demo")

    app = QApplication.instance() or QApplication(["contact-vault"])
    app.setApplicationName("Contact Vault")
    app.setWindowIcon(app_icon())
    settings = UiSettings()
    settings.theme = OPTIONS.theme
    window = MainWindow(VaultWorker(config=AppConfig(_TMP / "demo" / "config")), settings=settings,
                        vault_path=demo.path)
    window.resize(WIDTH, HEIGHT)
    window.show()
    window.start()
    apply_theme(app, OPTIONS.theme)
    settle(window)
    window.unlock_page.passphrase.setText("")
    shots.save(window, "unlock")

    window.unlock_page.unlock_with_key(demo.raw_key)
    wait_for(lambda: window.is_unlocked or not window.unlock_page.message.isHidden(), what="the unlock")
    if not window.is_unlocked:
        sys.exit(f"docs_screenshots: {window.unlock_page.message.text()}")
    window.workspace.people_page.setSizes([470, 650])  # more room for the detail pane
    settle(window, 1.0)

    select_person(window, "Amara Okafor")
    show_tab(window, "Profile")
    shots.save(window, "workspace")

    documents = show_tab(window, "Documents")
    pdf_row = next(r for r in range(documents.model.rowCount())
                   if documents.model.document(r).mime_type == "application/pdf")
    documents.table.selectRow(pdf_row)
    wait_for(lambda: documents.preview.currentWidget() is documents.pdf_view, what="the PDF preview")
    settle(window, 1.0)
    shots.save(window, "documents")

    show_tab(window, "Authorisations")
    shots.save(window, "authorisations")
    show_tab(window, "Shares")
    shots.save(window, "shares")

    select_person(window, "Daniel Kim")
    show_tab(window, "Outreach")
    shots.save(window, "outreach")
    show_tab(window, "Profile")

    # The share wizard: Amara to Tom Harris, all the way to the stamped preview.
    if shots.wanted("share-preview"):
        select_person(window, "Amara Okafor")
        window.sharing.share(window.current_person_uuid())
        wizard = window.sharing.wizard
        wait_for(lambda: wizard.items_page.list.count() > 0, what="the share wizard")
        settle(window)
        wizard.next()
        recipients = wizard.recipient_page.combo
        wait_for(lambda: recipients.count() > 0, what="the recipients")
        recipients.setCurrentIndex(recipients.findText("Tom Harris", Qt.MatchFlag.MatchStartsWith))
        wizard.next()
        wait_for(lambda: wizard.auth_page.verdict is not None, what="the share check")
        wizard.next()
        settle(window, 2.0)
        wait_for(lambda: not window.worker.busy, what="the stamped preview")
        settle(window, 1.0)
        shots.save(wizard, "share-preview")
        wizard.reject()
        settle(window)

    # … and the refusal: Jonas's authorisation expired, so there is no way on.
    if shots.wanted("share-refused"):
        select_person(window, "Jonas Lindqvist")
        window.sharing.share(window.current_person_uuid())
        wizard = window.sharing.wizard
        wait_for(lambda: wizard.items_page.list.count() > 0, what="the share wizard")
        wizard.next()
        recipients = wizard.recipient_page.combo
        wait_for(lambda: recipients.count() > 0, what="the recipients")
        recipients.setCurrentIndex(recipients.findText("Tom Harris", Qt.MatchFlag.MatchStartsWith))
        wizard.next()
        wait_for(lambda: wizard.auth_page.verdict is not None, what="the share check")
        settle(window)
        shots.save(wizard, "share-refused")
        wizard.reject()
        settle(window)

    show_sidebar_view(window, "Expiring authorisations")
    shots.save(window, "expiring")
    show_sidebar_view(window, "Retention review")
    shots.save(window, "retention")
    show_sidebar_view(window, "All people")

    if shots.wanted("introductions"):
        window.sharing.introductions()
        dialog = window.sharing.intros
        settle(window, 0.8)
        dialog.resize(900, 460)
        settle(window)
        shots.save(dialog, "introductions")
        dialog.reject()

    if shots.wanted("audit"):
        window.audit_viewer_action.trigger()
        viewer = window.audit_viewer
        viewer.resize(1180, 700)
        wait_for(lambda: "Not verified" not in viewer.badge.text(), what="the chain verification")
        settle(window, 1.0)
        shots.save(viewer, "audit")
        viewer.close()

    if shots.wanted("erase"):
        select_person(window, "Lukas Novak")
        window.contacts.erase_person()
        wait_for(lambda: window.contacts.erase_dialog is not None, what="the erase dialog")
        dialog = window.contacts.erase_dialog
        settle(window)
        shots.save(dialog, "erase")
        dialog.reject()

    window.close()
    shutil.rmtree(_TMP, ignore_errors=True)
    return 0


def extras(folder: Path) -> int:
    """The dark palette and 200 % examples: separate runs (the scale is fixed at start-up)."""
    script = str(Path(__file__).resolve())
    runs = [[sys.executable, script, str(folder), "--theme", "dark", "--prefix", "dark-", "--only", "workspace",
             "--no-extras"],
            [sys.executable, script, str(folder), "--scale", "2", "--prefix", "scale-200-", "--only", "workspace",
             "--no-extras"]]
    for command in runs:
        if subprocess.run(command, check=False).returncode != 0:
            return 1
    return 0


if __name__ == "__main__":
    status = main()
    if status == 0 and not OPTIONS.no_extras and not OPTIONS.only and OPTIONS.theme == "light" \
            and OPTIONS.scale == 1.0:
        status = extras(Path(OPTIONS.folder).absolute())
    raise SystemExit(status)

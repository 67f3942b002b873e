"""``contact-vault --demo``: a throw-away vault of fictional people, opened in a window titled DEMO.

The vault is built by ``demo`` on a plain thread (so the window stays responsive) in a
temporary folder that is deleted when the app quits. It has its own recent-vaults list, so
the user's real configuration never learns about it. Its passphrase is shown on the unlock
page, because after Ctrl+L the user needs it to get back in.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from demo import DEMO_FILE, DEMO_PASSPHRASE, DemoVault, build_demo_vault
from vault.config import AppConfig

from .theme import apply_theme

if TYPE_CHECKING:
    from .main_window import MainWindow

TITLE_PREFIX = "DEMO"


def keep_demo_title(window: MainWindow) -> None:
    """Whatever page the window shows, its title starts with DEMO."""

    def fix(title: str) -> None:
        if not title.startswith(TITLE_PREFIX):
            window.setWindowTitle(f"{TITLE_PREFIX} — {title}")

    window.windowTitleChanged.connect(fix)
    fix(window.windowTitle())


class DemoSession:
    """Builds the demo vault off the GUI thread, then opens it in ``window`` by its raw key."""

    def __init__(self, window: MainWindow, folder: Path | None = None) -> None:
        self.window = window
        self.folder = folder or Path(tempfile.mkdtemp(prefix="contact-vault-demo-"))
        self.demo: DemoVault | None = None
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._poll = QTimer(window)
        self._poll.setInterval(100)
        self._poll.timeout.connect(self._check_built)
        atexit.register(self.cleanup)

    def start(self) -> None:
        window = self.window
        apply_theme(QApplication.instance(), window.settings.theme)  # type: ignore[arg-type]
        keep_demo_title(window)
        window.worker.config = AppConfig(self.folder / "config")
        window.unlock_page.passphrase.setPlaceholderText(f"Passphrase (demo vault: {DEMO_PASSPHRASE})")
        window.vault_path = self.folder / DEMO_FILE
        window.unlock_page.prepare(window.vault_path, "Building the demo vault with fictional people…")
        window.unlock_page._set_busy(True)
        window.unlock_page.busy_label.setText("Building the demo…")
        window.stack.setCurrentWidget(window.unlock_page)
        window.setWindowTitle("Contact Vault")
        self._thread = threading.Thread(target=self._build, name="demo-builder", daemon=True)
        self._thread.start()
        self._poll.start()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.cleanup)

    def _build(self) -> None:
        try:
            self.demo = build_demo_vault(self.folder)
        except BaseException as exc:  # reported on the GUI thread
            self.error = exc

    def _check_built(self) -> None:
        if self._thread is None or self._thread.is_alive():
            return
        self._poll.stop()
        page = self.window.unlock_page
        page.busy_label.setText("Unlocking…")
        if self.demo is None:
            page._set_busy(False)
            self.window.show_error(f"The demo vault could not be built: {self.error}")
            return
        self.window.worker.open(self.demo.path, raw_key=self.demo.raw_key, on_result=self._opened,
                                on_error=lambda error: self.window.show_error(str(error)), context=self.window)

    def _opened(self, info: object) -> None:
        page = self.window.unlock_page
        page.passphrase.clear()
        page._set_busy(False)
        page.message.hide()
        page.unlocked.emit(info)
        self.window.statusBar().showMessage(
            f"Fictional demo vault, deleted when you quit · passphrase {DEMO_PASSPHRASE} · "
            f"sample share packages in {self.folder / 'packages'}", 120_000)

    def cleanup(self) -> None:
        """Delete the temporary folder (the vault is closed by then: the window closed first)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def start_demo(window: MainWindow) -> DemoSession:
    session = DemoSession(window)
    session.start()
    window.demo_session = session  # type: ignore[attr-defined]  # kept alive with the window
    return session

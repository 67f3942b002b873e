"""Vault menu actions and settings through the real window: backup, check, change passphrase,
settings file contents, remember on this computer, shortcuts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PASSPHRASE
from PySide6.QtCore import Qt

from ui.main_window import MainWindow
from ui.settings import UiSettings
from ui.worker import VaultWorker
from vault import paths, remember
from vault.config import AppConfig
from vault.store import Vault

pytestmark = pytest.mark.gui
WAIT_MS = 20_000


@pytest.fixture
def window(qtbot, clock, tmp_path: Path, vault_path: Path, template_vault, monkeypatch) -> Iterator[MainWindow]:
    monkeypatch.setenv("CONTACT_VAULT_CONFIG_DIR", str(tmp_path / "ui-config"))  # settings stay per test
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    win = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
    qtbot.addWidget(win)
    win.show()
    win.start()
    win.unlock_page.unlock_with_key(template_vault[1])
    qtbot.waitUntil(lambda: win.is_unlocked and not worker.busy, timeout=WAIT_MS)
    yield win
    win.close()


def test_backup_and_check_run_on_the_worker_with_progress(qtbot, window, tmp_path, template_vault, notifier):
    target = tmp_path / "copies" / "backup.cvault"
    target.parent.mkdir()
    window.backup(target)
    assert window._progress is not None and window._progress.isVisible()
    qtbot.waitUntil(lambda: window._progress is None, timeout=WAIT_MS)
    assert "Backup written and verified" in window.statusBar().currentMessage()
    copy = Vault.open(target, raw_key=template_vault[1], config=AppConfig(tmp_path / "c2"))
    copy.close()

    window.check_action.trigger()
    qtbot.waitUntil(lambda: "healthy" in notifier.last_message, timeout=WAIT_MS)


def test_change_passphrase_then_unlock_with_the_new_one(qtbot, window):
    window.passphrase_action.trigger()
    dialog = window.passphrase_dialog
    qtbot.keyClicks(dialog.passphrase, "new passphrase for the vault")
    qtbot.keyClicks(dialog.confirm, "does not match")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert "differ" in dialog.errors.message_for("confirm")
    dialog.confirm.clear()
    qtbot.keyClicks(dialog.confirm, "new passphrase for the vault")
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    window.lock()
    unlock = window.unlock_page
    qtbot.waitUntil(lambda: not window.worker.busy, timeout=WAIT_MS)
    qtbot.keyClicks(unlock.passphrase, PASSPHRASE)
    unlock.submit()
    qtbot.waitUntil(lambda: "not correct" in unlock.message.text(), timeout=WAIT_MS)
    qtbot.keyClicks(unlock.passphrase, "new passphrase for the vault")
    unlock.submit()
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=WAIT_MS)


def test_settings_apply_and_hold_no_secret(qtbot, window, memory_keyring):
    window.settings_action.trigger()
    dialog = window.settings_dialog
    assert "available" in dialog.keyring_status.text()
    dialog.auto_lock.setValue(2)
    dialog.clipboard.setValue(12)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.remember.setChecked(True)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert window.settings.auto_lock_minutes == 2
    assert window.clipboard.clear_after_seconds == 12
    assert window.idle.active
    info = window.worker.info
    assert info is not None and info.remembered
    assert remember.recall(info.uuid) is not None
    ini = (paths.config_dir() / "ui.ini").read_text("utf-8")
    assert "auto_lock_minutes=2" in ini and "theme=dark" in ini
    key_hex = remember.recall(info.uuid).hex()
    assert key_hex not in ini and PASSPHRASE not in ini
    window.settings.theme = "system"
    window.apply_settings()


def test_remembered_key_unlocks_at_start_but_not_after_a_lock(qtbot, clock, tmp_path, vault_path, template_vault,
                                                              monkeypatch):
    monkeypatch.setenv("CONTACT_VAULT_CONFIG_DIR", str(tmp_path / "ui-config"))
    config = AppConfig(tmp_path / "app-config")
    worker = VaultWorker(clock=clock, config=config)
    first = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
    qtbot.addWidget(first)
    first.show()
    first.start()
    unlock = first.unlock_page
    assert unlock.remembered_button.isHidden()
    qtbot.keyClicks(unlock.passphrase, PASSPHRASE)
    unlock.remember.setChecked(True)
    unlock.submit()
    qtbot.waitUntil(lambda: first.is_unlocked, timeout=WAIT_MS)
    first.close()

    worker = VaultWorker(clock=clock, config=config)
    second = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
    qtbot.addWidget(second)
    second.show()
    second.start()  # no passphrase typed: the remembered key opens it
    qtbot.waitUntil(lambda: second.is_unlocked, timeout=WAIT_MS)
    second.lock()
    assert second.unlock_page.remembered_button.isHidden()
    second.close()


def test_shortcuts(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.person_dialog is not None and window.person_dialog.isVisible(), timeout=WAIT_MS)
    assert window.person_dialog.windowTitle() == "New person"
    window.person_dialog.reject()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace.search.hasFocus()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not window.is_unlocked
    assert not window.new_person_action.isEnabled()
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"


def test_screen_lock_signal_locks(qtbot, window):
    with qtbot.waitSignal(window.locked, timeout=WAIT_MS):
        window.screen_lock.on_active_changed(True)  # what org.freedesktop.ScreenSaver sends
    assert window.stack.currentWidget() is window.unlock_page


_DBUS_CHILD = r"""
import subprocess
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ui.locking import ScreenLockWatcher
app = QApplication([])
watcher = ScreenLockWatcher()
hits = []
watcher.screen_locked.connect(lambda: (hits.append(1), app.quit()))
QTimer.singleShot(200, lambda: subprocess.run(
    ["dbus-send", "--session", "--type=signal", "/org/freedesktop/ScreenSaver",
     "org.freedesktop.ScreenSaver.ActiveChanged", "boolean:true"], check=True))
QTimer.singleShot(5000, app.quit)
app.exec()
print("connected", ",".join(watcher.connected), "locks", len(hits))
"""


@pytest.mark.skipif(not (shutil.which("dbus-run-session") and shutil.which("dbus-send")),
                    reason="needs a D-Bus session daemon")
def test_screen_saver_signal_on_a_real_session_bus(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    result = subprocess.run(["dbus-run-session", "--", sys.executable, "-c", _DBUS_CHILD], env=env,
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert "org.freedesktop.ScreenSaver" in result.stdout, result.stderr
    assert result.stdout.strip().endswith("locks 1"), (result.stdout, result.stderr)

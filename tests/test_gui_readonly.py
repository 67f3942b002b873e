"""A vault that can only be read opens with a visible read-only notice, and writes are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.main_window import MainWindow
from ui.settings import UiSettings
from ui.worker import VaultWorker
from vault import store
from vault.config import AppConfig
from vault.errors import VaultReadOnly
from vault.people import PersonFields

pytestmark = pytest.mark.gui
WAIT_MS = 20_000


def test_read_only_vault_shows_a_notice_and_refuses_writes(qtbot, clock, tmp_path: Path, vault_path: Path,
                                                             template_vault, monkeypatch):
    monkeypatch.setenv("CONTACT_VAULT_CONFIG_DIR", str(tmp_path / "ui-config"))
    # Root can write anywhere, so stand in for "the file or folder is not writable" at the one
    # place the core asks; everything else (the real file, the real worker) is the real thing.
    monkeypatch.setattr(store, "_writable", lambda path: False)
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    window = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
    qtbot.addWidget(window)
    window.show()
    window.start()
    window.unlock_page.unlock_with_key(template_vault[1])
    qtbot.waitUntil(lambda: window.is_unlocked and not worker.busy, timeout=WAIT_MS)
    assert window.readonly_notice.isVisible()
    assert "Read-only" in window.readonly_notice.text()
    assert "(read-only)" in window.windowTitle()
    errors: list[Exception] = []
    worker.call(lambda vault: vault.people.add(PersonFields(full_name="Should Not Land")),
                on_error=errors.append, context=None)
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT_MS)
    assert isinstance(errors[0], VaultReadOnly)
    window.lock()
    assert not window.readonly_notice.isVisible()
    window.close()

"""init, passwd and the first-run page refuse a passphrase zxcvbn scores below 3, unless the owner
accepts a weak one explicitly (--accept-weak-passphrase; a second confirmation in the GUI)."""

from __future__ import annotations

import pytest

from cli.main import run
from tests.conftest import PASSPHRASE
from vault.store import Vault


@pytest.fixture
def cli(tmp_path, monkeypatch):
    path = tmp_path / "new.cvault"
    monkeypatch.setenv("CONTACT_VAULT_PATH", str(path))
    monkeypatch.setenv("CONTACT_VAULT_CONFIG_DIR", str(tmp_path / "config"))
    return path, monkeypatch


@pytest.mark.parametrize("weak", ["password", "12345678", "Password1!", "qwertyuiop"])
def test_init_refuses_a_weak_passphrase(cli, capsys, weak):
    path, monkeypatch = cli
    monkeypatch.setenv("CONTACT_VAULT_PASSPHRASE", weak)
    assert run(["init", "--name", "Rita"]) == 1
    err = capsys.readouterr().err
    assert "too easy to guess" in err and "--accept-weak-passphrase" in err
    assert len(err.strip().splitlines()) == 1
    assert not path.exists()


def test_init_accepts_a_weak_passphrase_only_when_told(cli, capsys):
    path, monkeypatch = cli
    monkeypatch.setenv("CONTACT_VAULT_PASSPHRASE", "password")
    assert run(["init", "--name", "Rita", "--accept-weak-passphrase"]) == 0
    assert path.exists()


def test_passwd_refuses_a_weak_new_passphrase(cli, capsys):
    path, monkeypatch = cli
    monkeypatch.setenv("CONTACT_VAULT_PASSPHRASE", PASSPHRASE)
    assert run(["init", "--name", "Rita"]) == 0
    monkeypatch.setenv("CONTACT_VAULT_NEW_PASSPHRASE", "12345678")
    assert run(["passwd"]) == 1
    assert "too easy to guess" in capsys.readouterr().err
    Vault.open(path, PASSPHRASE).close()  # unchanged
    assert run(["passwd", "--accept-weak-passphrase"]) == 0
    Vault.open(path, "12345678").close()


@pytest.mark.gui
def test_the_first_run_page_asks_a_second_time_for_a_weak_passphrase(qtbot, notifier, tmp_path, clock):
    from ui.main_window import MainWindow
    from ui.settings import UiSettings
    from ui.worker import VaultWorker
    from vault.config import AppConfig

    path = tmp_path / "fresh" / "weak.cvault"
    window = MainWindow(VaultWorker(clock=clock, config=AppConfig(tmp_path / "cfg")), settings=UiSettings(),
                        vault_path=path)
    qtbot.addWidget(window)
    window.show()
    window.start()
    page = window.first_run
    qtbot.waitUntil(lambda: window.stack.currentWidget() is page, timeout=20000)
    qtbot.keyClicks(page.passphrase, "password")
    qtbot.keyClicks(page.confirm, "password")
    qtbot.keyClicks(page.owner_name, "Rita Recruiter")
    notifier.pick("choose")
    page.create_button.click()
    asked = [s for s in notifier.shown if s.title == "Weak passphrase"]
    assert len(asked) == 1 and "easy to guess" in asked[0].text
    assert "too easy to guess" in page.errors.message_for("passphrase")
    assert not path.exists()
    notifier.pick("use-weak")
    page.create_button.click()
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=60000)
    assert path.exists()
    window.close()

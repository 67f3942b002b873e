"""Keyring trouble never stops the app and never puts a secret on disk."""

from __future__ import annotations

import subprocess

import keyring
import keyring.backend
import keyring.errors
import pytest

from tests.conftest import CLI, PASSPHRASE, cli_env
from vault import remember
from vault.errors import KeyringUnavailable


class LockedKeyring(keyring.backend.KeyringBackend):
    priority = 1
    contact_vault_test_backend = True

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service, username, password):
        raise keyring.errors.KeyringLocked("locked")

    def delete_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked")


def test_locked_keyring_falls_back_to_the_passphrase(vault):
    keyring.set_keyring(LockedKeyring())
    assert remember.recall(vault.uuid) is None
    with pytest.raises(KeyringUnavailable, match="refused"):
        remember.remember(vault.uuid, vault.raw_key)
    remember.forget(vault.uuid)  # no exception either


def test_entry_deleted_behind_the_apps_back(vault, memory_keyring):
    remember.remember(vault.uuid, vault.raw_key)
    memory_keyring.store.clear()
    assert remember.recall(vault.uuid) is None


def test_garbage_entry_is_ignored(vault, memory_keyring):
    memory_keyring.set_password(remember.SERVICE, f"vault:{vault.uuid}", "not hex at all")
    assert remember.recall(vault.uuid) is None


@pytest.mark.parametrize("backend", ["keyring.backends.fail.Keyring", "keyrings.alt.file.PlaintextKeyring"])
def test_cli_remember_refuses_unsafe_backends_and_writes_nothing(vault_path, tmp_path, backend):
    env = cli_env(vault_path, tmp_path / "cfg")
    env["PYTHON_KEYRING_BACKEND"] = backend
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["HOME"] = str(tmp_path / "home")
    result = subprocess.run([*CLI, "remember"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert "not available" in result.stderr and "Traceback" not in result.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    for path in written:
        data = path.read_bytes()
        assert PASSPHRASE.encode() not in data
        assert b"vault:" not in data


def test_a_vanished_key_is_explained_on_the_unlock_page(qtbot, vault_path, template_vault, tmp_path, memory_keyring):
    from ui.unlock_page import UnlockPage
    from ui.worker import VaultWorker
    from vault.config import AppConfig
    from vault.store import Vault

    config = AppConfig(tmp_path / "cfg")
    vault = Vault.open(vault_path, raw_key=template_vault[1], config=config)
    remember.remember(vault.uuid, vault.raw_key, config)
    vault.close()
    memory_keyring.store.clear()  # deleted behind the app's back
    assert remember.lost(config.vault_uuid(vault_path), config)
    worker = VaultWorker(config=config)
    page = UnlockPage(worker)
    qtbot.addWidget(page)
    page.prepare(vault_path)
    assert "no longer in the system keyring" in page.notice.text()
    assert not page.notice.isHidden()
    assert page.remembered_button.isHidden()
    worker.shutdown()


def test_cli_explains_a_vanished_key_and_falls_back(vault_path, template_vault, tmp_path, memory_keyring):
    from vault.config import AppConfig
    from vault.store import Vault

    config_dir = tmp_path / "cfg"
    config = AppConfig(config_dir)
    vault = Vault.open(vault_path, raw_key=template_vault[1], config=config)
    remember.remember(vault.uuid, vault.raw_key, config)
    vault.close()
    env = cli_env(vault_path, config_dir)
    env.pop("CONTACT_VAULT_PASSPHRASE")
    result = subprocess.run([*CLI, "person", "list"], capture_output=True, text=True, env=env, timeout=60)
    # The subprocess's keyring is the 'fail' backend: the key is gone for it, so it explains and asks.
    assert result.returncode == 1
    assert "no longer in the system keyring" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr

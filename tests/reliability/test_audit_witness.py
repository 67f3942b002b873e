"""The trail cannot be shortened unnoticed: a witness outside the vault, stored checkpoints checked.

Whoever has the passphrase can open the vault with SQLCipher, drop the append-only triggers and
delete events; the remaining chain still links up. These attacks are made for real on the file,
then ``audit verify`` and ``check`` (the real CLI entry) must fail, naming how many events are
missing, and the GUI must say so on unlock.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sqlcipher3

from cli.main import run
from tests.conftest import PASSPHRASE
from vault.audit import witness
from vault.config import AppConfig
from vault.kdf import key_literal
from vault.store import Vault

TRIGGERS = {
    "audit_no_update": "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN "
                       "SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "audit_no_delete": "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN "
                       "SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
}


@pytest.fixture
def trail(vault_path, template_vault, tmp_path, monkeypatch):
    """A vault with a few commands' worth of events, closed (which seals the witness)."""
    monkeypatch.setenv("CONTACT_VAULT_PATH", str(vault_path))
    monkeypatch.setenv("CONTACT_VAULT_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CONTACT_VAULT_CONFIG_DIR", str(tmp_path / "config"))
    for name in ("Ada Example", "Ben Example"):
        assert run(["person", "add", "--name", name]) == 0
    assert run(["audit", "checkpoint"]) == 0
    for name in ("Cy Example", "Di Example"):
        assert run(["person", "add", "--name", name]) == 0
    return vault_path, template_vault[1], AppConfig(tmp_path / "config")


def _tamper(path: Path, key: bytes, *statements: str, restore_triggers: bool = True) -> None:
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = {key_literal(key, None)}")
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    for statement in statements:
        conn.execute(statement)
    if restore_triggers:
        for sql in TRIGGERS.values():
            conn.execute(sql)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _head(path: Path, key: bytes) -> int:
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = {key_literal(key, None)}")
    try:
        return conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    finally:
        conn.close()


def _both_fail(capsys, *needles: str) -> tuple[str, str]:
    assert run(["audit", "verify"]) == 1
    verify_err = capsys.readouterr().err
    assert run(["check"]) == 1
    check_out = capsys.readouterr().out
    for needle in needles:
        assert needle in verify_err, verify_err
        assert needle in check_out, check_out
    return verify_err, check_out


def test_an_untouched_trail_passes(trail, capsys):
    assert run(["audit", "verify"]) == 0
    assert run(["check"]) == 0
    assert "healthy" in capsys.readouterr().out


def test_deleting_the_last_rows_is_caught_with_the_count(trail, capsys):
    path, key, _config = trail
    head = _head(path, key)
    _tamper(path, key, f"DELETE FROM audit WHERE seq > {head - 3}")
    _both_fail(capsys, "missing 3 event(s)")


def test_deleting_everything_after_the_last_checkpoint_is_caught(trail, capsys):
    path, key, _config = trail
    head = _head(path, key)
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = {key_literal(key, None)}")
    last = conn.execute("SELECT max(seq) FROM checkpoints").fetchone()[0]
    conn.close()
    _tamper(path, key, f"DELETE FROM audit WHERE seq > {last}")
    _both_fail(capsys, f"missing {head - last} event(s)")


def test_the_keyring_copy_alone_still_catches_it(trail, capsys, memory_keyring):
    path, key, config = trail
    assert any(account.startswith("witness:") for _service, account in memory_keyring.store)
    for file in (config.folder / witness.FOLDER).iterdir():
        file.unlink()  # the attacker removed the copy in the config folder
    _tamper(path, key, f"DELETE FROM audit WHERE seq > {_head(path, key) - 2}")
    _both_fail(capsys, "missing 2 event(s)", "system keyring")


def test_the_config_copy_alone_still_catches_it(trail, capsys, memory_keyring):
    path, key, _config = trail
    memory_keyring.store.clear()  # no keyring entry (or no keyring on this computer)
    _tamper(path, key, f"DELETE FROM audit WHERE seq > {_head(path, key) - 2}")
    _both_fail(capsys, "missing 2 event(s)", "config folder")


def test_a_forged_checkpoint_signature_fails_check(trail, capsys):
    path, key, _config = trail
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = {key_literal(key, None)}")
    conn.execute("UPDATE checkpoints SET signature = 'AAAA' || substr(signature, 5)")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert run(["check"]) == 1
    assert "invalid signature" in capsys.readouterr().out


def test_deleting_a_checkpoint_row_is_caught(trail, capsys):
    path, key, _config = trail
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = {key_literal(key, None)}")
    conn.execute("DELETE FROM checkpoints")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    _both_fail(capsys, "missing from the vault's stored checkpoints")


def test_dropped_append_only_triggers_fail_check(trail, capsys):
    path, key, _config = trail
    _tamper(path, key, restore_triggers=False)
    _both_fail(capsys, "audit_no_delete")


def test_a_backup_copy_is_not_compared_with_the_vaults_witness(trail, tmp_path, capsys):
    copy = tmp_path / "copy.cvault"
    assert run(["backup", "--out", str(copy)]) == 0
    assert run(["person", "add", "--name", "After Backup"]) == 0
    assert run(["--vault", str(copy), "check"]) == 0, capsys.readouterr()


def test_a_deliberate_restore_can_reset_the_witness(trail, tmp_path, capsys):
    path, key, _config = trail
    copy = tmp_path / "copy.cvault"
    assert run(["backup", "--out", str(copy)]) == 0
    assert run(["person", "add", "--name", "After Backup"]) == 0
    os.replace(copy, path)  # restore the older copy in place of the vault
    assert run(["check"]) == 1
    assert "missing" in capsys.readouterr().out
    assert run(["audit", "checkpoint", "--reset-witness"]) == 0
    assert run(["check"]) == 0, capsys.readouterr()


def test_the_witness_file_is_private_and_holds_no_personal_data(trail):
    _path, _key, config = trail
    files = list((config.folder / witness.FOLDER).iterdir())
    assert len(files) == 1
    assert oct(files[0].stat().st_mode & 0o777) == oct(0o600)
    assert oct((config.folder / witness.FOLDER).stat().st_mode & 0o777) == oct(0o700)
    data = json.loads(files[0].read_text())
    assert set(data) == {"type", "seq", "hash", "at", "signature", "path"}


@pytest.mark.gui
def test_the_gui_shows_a_shortened_trail_on_unlock(qtbot, notifier, trail, clock):
    from ui.main_window import MainWindow
    from ui.settings import UiSettings
    from ui.worker import VaultWorker

    path, key, config = trail
    _tamper(path, key, f"DELETE FROM audit WHERE seq > {_head(path, key) - 3}")
    window = MainWindow(VaultWorker(clock=clock, config=config), settings=UiSettings(), vault_path=path)
    qtbot.addWidget(window)
    window.show()
    window.start()
    window.unlock_page.unlock_with_key(key)
    qtbot.waitUntil(lambda: window.is_unlocked and not window.worker.busy, timeout=20000)
    qtbot.waitUntil(lambda: "missing 3 event(s)" in notifier.last_error, timeout=20000)
    window.close()
    assert Vault  # the core type the window opened


def test_a_backup_written_over_an_older_one_starts_a_new_witness(trail, tmp_path, capsys):
    copy = tmp_path / "copy.cvault"
    assert run(["backup", "--out", str(copy)]) == 0
    assert run(["--vault", str(copy), "person", "add", "--name", "Only In The Copy"]) == 0  # seals its witness
    assert run(["person", "add", "--name", "Only In The Vault"]) == 0
    assert run(["backup", "--out", str(copy)]) == 0  # a newer copy, with another history, at the same path
    assert run(["--vault", str(copy), "check"]) == 0, capsys.readouterr()

"""A full disk, a read-only folder, another process's lock and real damage are told apart.

Only damage may advise opening a backup: following that advice for a full disk would roll back
erasures and revocations made since the backup. The full disk is a real small tmpfs filled to
100 % (ENOSPC from the kernel); read-only runs as an unprivileged user in a forked child.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import CLI, PASSPHRASE, cli_env
from tests.helpers.small_disk import fill, small_tmpfs
from tests.reliability.test_disk_and_permissions import _run_as_nobody
from vault.config import AppConfig
from vault.kdf import key_literal
from vault.people import PersonFields
from vault.store import Vault


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _not_damage(stderr: str) -> None:
    text = stderr.lower()
    assert "is damaged" not in text and "backup" not in text.replace("--out", ""), stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


@pytest.fixture
def full_disk_vault(template_vault, tmp_path):
    with small_tmpfs(2048) as disk:
        target = disk / "vault.cvault"
        shutil.copyfile(template_vault[0], target)
        env = cli_env(target, tmp_path / "cfg")
        for name in ("Erased Later", "Kept Person"):
            assert _cli(env, "person", "add", "--name", name).returncode == 0
        yield disk, target, env


def test_a_full_disk_is_not_reported_as_damage(full_disk_vault, tmp_path):
    disk, target, env = full_disk_vault
    filler = fill(disk)
    for args in (["person", "list"], ["backup", "--out", str(tmp_path / "b.cvault")], ["check"],
                 ["person", "add", "--name", "No Room"]):
        result = _cli(env, *args)
        assert result.returncode == 1, (args, result.stdout)
        assert "not enough disk space" in result.stderr, (args, result.stderr)
        _not_damage(result.stderr)
    filler.unlink()
    healthy = _cli(env, "check")
    assert healthy.returncode == 0, healthy.stderr
    assert "Kept Person" in _cli(env, "person", "list").stdout


@pytest.mark.gui
def test_the_unlock_page_offers_no_backup_for_a_full_disk(qtbot, full_disk_vault, tmp_path, clock):
    from ui.main_window import MainWindow
    from ui.settings import UiSettings
    from ui.worker import VaultWorker

    disk, target, _env = full_disk_vault
    config = AppConfig(tmp_path / "gui-config")
    config.note_backup(target, tmp_path / "old-backup.cvault", "2026-01-01T00:00:00.000Z")
    shutil.copyfile(target, tmp_path / "old-backup.cvault")
    fill(disk)
    window = MainWindow(VaultWorker(clock=clock, config=config), settings=UiSettings(), vault_path=target)
    qtbot.addWidget(window)
    window.show()
    window.start()
    page = window.unlock_page
    page.prepare(target)
    page.passphrase.setText(PASSPHRASE)
    page.submit()
    qtbot.waitUntil(lambda: page.message.isVisible(), timeout=30000)
    assert "not enough disk space" in page.message.text()
    assert page.backup_button.isHidden()


def test_a_lock_held_by_another_process_is_named(vault_path, template_vault, tmp_path):
    import sqlcipher3

    holder = sqlcipher3.connect(str(vault_path), isolation_level=None)
    holder.execute(f"PRAGMA key = {key_literal(template_vault[1], None)}")
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO settings (key, value) VALUES ('held', 'by a DB browser')")
    try:
        env = cli_env(vault_path, tmp_path / "cfg")
        for args in (["person", "list"], ["check"]):
            result = _cli(env, *args)
            assert result.returncode == 1
            assert "locked by another process" in result.stderr, result.stderr
            _not_damage(result.stderr)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _hot_wal_vault(template_vault) -> tuple[Path, Path, AppConfig]:
    """A vault whose last writer committed 6 people and died: they are only in its -wal."""
    root = Path(tempfile.mkdtemp(prefix="cv-hot-wal-"))  # pytest's tmp folders are private to root
    folder = root / "ro"
    folder.mkdir()
    target = folder / "vault.cvault"
    shutil.copyfile(template_vault[0], target)
    config = AppConfig(root / "writer-config")
    seeded = Vault.open(target, raw_key=template_vault[1], config=config)
    for index in range(5):
        seeded.people.add(PersonFields(full_name=f"Checkpointed {index}"))
    seeded.close()
    pid = os.fork()
    if pid == 0:  # the writer: commits, then dies without closing (no checkpoint of the WAL)
        try:
            writer = Vault.open(target, raw_key=template_vault[1], config=config)
            writer.conn.execute("PRAGMA wal_autocheckpoint = 0")
            for index in range(6):
                writer.people.add(PersonFields(full_name=f"Only In Wal {index}"))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.path.getsize(f"{target}-wal") > 0
    nobody_config = root / "nobody-config"
    nobody_config.mkdir()
    for path in folder.iterdir():
        os.chmod(path, 0o444)
    os.chmod(root, 0o755)
    os.chmod(nobody_config, 0o777)
    os.chmod(folder, 0o555)
    return root, target, AppConfig(nobody_config)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to an unprivileged user for a real read-only test")
def test_a_read_only_vault_with_a_hot_wal_is_read_whole(template_vault):
    root, target, config = _hot_wal_vault(template_vault)
    try:
        env = cli_env(target, config.folder)
        env["HOME"] = str(config.folder)
        code, out, err = _run_as_nobody(env, "person", "list", "--json")
        assert code == 0, err
        import json

        names = sorted(p["full_name"] for p in json.loads(out)["people"])
        assert len(names) == 11, names
        code, out, err = _run_as_nobody(env, "check")
        assert code == 0, err
        backup = config.folder / "copy.cvault"
        code, out, err = _run_as_nobody(env, "backup", "--out", str(backup))
        assert code == 0, err
        copy = Vault.open(backup, raw_key=template_vault[1], config=AppConfig(root / "check-config"))
        try:
            assert copy.people.count() == 11
        finally:
            copy.close()
    finally:
        os.chmod(root / "ro", 0o755)
        shutil.rmtree(root)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to an unprivileged user for a real read-only test")
def test_a_read_only_vault_whose_wal_cannot_be_read_is_refused(template_vault):
    root, target, config = _hot_wal_vault(template_vault)
    try:
        os.chmod(root / "ro", 0o755)
        os.unlink(f"{target}-shm")  # without it, a read-only folder cannot rebuild the WAL index
        os.chmod(root / "ro", 0o555)
        env = cli_env(target, config.folder)
        env["HOME"] = str(config.folder)
        for args in (["person", "list"], ["check"], ["backup", "--out", str(config.folder / "copy.cvault")]):
            code, out, err = _run_as_nobody(env, *args)
            assert code == 1, (args, out)
            assert "write-ahead log" in err and "read-only" in err, err
            _not_damage(err)
        assert not (config.folder / "copy.cvault").exists()
    finally:
        os.chmod(root / "ro", 0o755)
        shutil.rmtree(root)

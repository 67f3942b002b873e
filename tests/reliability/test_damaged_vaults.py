"""Damaged vault files: told apart from a wrong passphrase, never modified by the attempt."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CLI, PASSPHRASE, cli_env
from vault.errors import VaultDamaged
from vault.people import PersonFields
from vault.store import Vault

WRITER = Path(__file__).parent.parent / "helpers" / "bulk_writer.py"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def filled(vault, vault_path):
    with vault.transaction():
        for index in range(300):
            vault.people.add(PersonFields(full_name=f"Filler {index}", notes="x" * 300))
    vault.close()
    return vault_path


def test_zeroed_page_is_reported_by_check(filled, tmp_path):
    data = bytearray(filled.read_bytes())
    page = 10
    data[4096 * page: 4096 * (page + 1)] = bytes(4096)
    filled.write_bytes(bytes(data))
    before = _sha(filled)
    env = cli_env(filled, tmp_path / "cfg")
    result = subprocess.run([*CLI, "check"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    text = result.stdout + result.stderr
    assert "FAILED" in text or "damaged" in text
    assert _sha(filled) == before  # check opens read-only: it never changes what it examines


def test_missing_hot_wal_is_reported_as_damage(vault_path, template_vault, app_config):
    proc = subprocess.Popen([sys.executable, str(WRITER), str(vault_path), PASSPHRASE, "Hot"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 20
    acked = 0
    while acked < 5 and time.time() < deadline:
        line = proc.stdout.readline()
        acked += line.startswith("committed")
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    wal, shm = Path(f"{vault_path}-wal"), Path(f"{vault_path}-shm")
    assert wal.exists() and shm.exists()
    wal.unlink()
    before = _sha(vault_path)
    with pytest.raises(VaultDamaged, match="write-ahead log"):
        Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
    assert _sha(vault_path) == before


def test_hot_wal_present_recovers_everything(vault_path, template_vault, app_config):
    proc = subprocess.Popen([sys.executable, str(WRITER), str(vault_path), PASSPHRASE, "Warm"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    acked = []
    deadline = time.time() + 20
    while len(acked) < 5 and time.time() < deadline:
        line = proc.stdout.readline()
        if line.startswith("committed"):
            acked.append(line.split()[1])
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    vault = Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
    try:
        present = {row[0] for row in vault.conn.execute("SELECT uuid FROM people")}
        assert set(acked) <= present
    finally:
        vault.close()

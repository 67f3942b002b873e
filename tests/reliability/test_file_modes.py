"""The vault, its -wal and -shm, backups and the staging folder are private from creation on
(0600 files, 0700 folders), through passwd and through an open of an older vault, whatever the
umask (the CLI runs with the common 022)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from tests.conftest import CLI, PASSPHRASE, cli_env


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: os.umask(0o022))
    assert done.returncode == 0, done.stderr


def test_every_vault_file_is_private_from_creation_through_passwd(tmp_path):
    folder = tmp_path / "new-folder" / "vaults"
    path = folder / "v.cvault"
    config = tmp_path / "cfg"
    env = cli_env(path, config)
    _cli(env, "init", "--name", "Mode Owner")
    assert _mode(path) == 0o600
    assert _mode(folder) == 0o700 and _mode(folder.parent) == 0o700
    _cli(env, "person", "add", "--name", "Mode Person")
    for extra in ("-wal", "-shm"):
        companion = Path(f"{path}{extra}")
        if companion.exists():
            assert _mode(companion) == 0o600, extra
    backup = tmp_path / "backups" / "b.cvault"
    backup.parent.mkdir()
    _cli(env, "backup", "--out", str(backup))
    assert _mode(backup) == 0o600
    _cli({**env, "CONTACT_VAULT_NEW_PASSPHRASE": "an entirely new pass phrase"}, "passwd")
    assert _mode(path) == 0o600
    staging = config / "staging"
    assert staging.is_dir() and _mode(staging) == 0o700
    assert PASSPHRASE


def test_an_older_vault_made_world_readable_is_made_private_on_open(vault_path, tmp_path):
    os.chmod(vault_path, 0o644)
    env = cli_env(vault_path, tmp_path / "cfg")
    _cli(env, "person", "list")
    assert _mode(vault_path) == 0o600
    for extra in ("-wal", "-shm"):
        companion = Path(f"{vault_path}{extra}")
        if companion.exists():
            assert _mode(companion) == 0o600, extra

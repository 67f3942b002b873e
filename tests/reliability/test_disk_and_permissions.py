"""Disk full (a real small tmpfs, ENOSPC) and read-only vaults (tested as an unprivileged user)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import CLI, PASSPHRASE, cli_env
from tests.helpers.small_disk import fill, small_tmpfs
from vault.store import Vault


def _run(env, *args):
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=120)
    assert "Traceback" not in result.stderr
    return result


def test_disk_full_during_backup_leaves_no_partial_file(vault_path, tmp_path):
    """The backup's target is a real tmpfs smaller than the vault: the kernel says ENOSPC."""
    env = cli_env(vault_path, tmp_path / "cfg")
    size = vault_path.stat().st_size
    with small_tmpfs(max(64, size // 2048)) as disk:
        target = disk / "backup.cvault"
        result = _run(env, "backup", "--out", str(target))
        assert result.returncode == 1
        assert "not enough disk space" in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert list(disk.iterdir()) == []
    assert _run(env, "check").returncode == 0


def test_disk_full_during_a_write_keeps_the_vault(template_vault, tmp_path):
    """The vault lives on a real tmpfs with little room left; a large resume cannot fit (ENOSPC)."""
    with small_tmpfs(4096) as disk:
        vault_path = disk / "vault.cvault"
        shutil.copyfile(template_vault[0], vault_path)
        env = cli_env(vault_path, tmp_path / "cfg")
        assert _run(env, "person", "add", "--name", "Before Full").returncode == 0
        big = tmp_path / "big-resume.txt"
        big.write_text("resume words " * 400_000)
        person_id = _run(env, "person", "list", "--json").stdout.split('"uuid": "')[1].split('"')[0]
        filler = fill(disk, leave_bytes=1_500_000)
        result = _run(env, "resume", "add", person_id, str(big))
        assert result.returncode == 1
        assert "not enough disk space" in result.stderr, result.stderr
        assert "is damaged" not in result.stderr
        filler.unlink()
        listing = _run(env, "resume", "list", person_id)
        assert "No documents." in listing.stdout
        assert _run(env, "check").returncode == 0


def _run_as_nobody(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run the real CLI entry (``cli.main.run``) in a forked child that dropped to 'nobody'.

    The interpreter lives under /root, which 'nobody' cannot exec, so the child forks from this
    already-running interpreter (everything the CLI needs imported first) instead of exec'ing.
    """
    import contextlib
    import io
    import json

    import cli.cmd_people  # load before dropping privileges
    import cli.cmd_vault  # noqa: F401
    from cli.main import run

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code, out, err = 1, io.StringIO(), io.StringIO()
        try:
            os.close(read_fd)
            os.setgid(65534)
            os.setuid(65534)
            os.environ.clear()
            os.environ.update(env)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = run(list(args))
        except BaseException as exc:  # report, never escape the child
            err.write(f"child failure: {type(exc).__name__}: {exc}")
        finally:
            os.write(write_fd, json.dumps([code, out.getvalue(), err.getvalue()]).encode())
            os._exit(0)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    os.waitpid(pid, 0)
    code, out, err = json.loads(b"".join(chunks))
    assert "Traceback" not in err
    return code, out, err


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to an unprivileged user for a real read-only test")
def test_read_only_vault_and_folder(vault_path, template_vault):
    import tempfile
    from pathlib import Path

    tmp_path = Path(tempfile.mkdtemp(prefix="cv-readonly-"))  # pytest's tmp folders are private to root
    folder = tmp_path / "ro"
    folder.mkdir()
    target = folder / "vault.cvault"
    seeded = Vault.open(vault_path, raw_key=template_vault[1])
    from vault.people import PersonFields

    seeded.people.add(PersonFields(full_name="Read Only Reader"))
    seeded.close()
    shutil.copyfile(vault_path, target)
    config = tmp_path / "nobody-config"
    config.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(config, 0o777)
    os.chmod(target, 0o444)
    os.chmod(folder, 0o555)
    env = cli_env(target, config)
    env["HOME"] = str(config)
    code, out, err = _run_as_nobody(env, "person", "list")
    assert code == 0, err
    assert "Read Only Reader" in out
    before = target.read_bytes()
    code, out, err = _run_as_nobody(env, "person", "add", "--name", "Should Fail")
    assert code == 1 and "read-only" in err, err
    code, out, err = _run_as_nobody({**env, "CONTACT_VAULT_NEW_PASSPHRASE": "new pass phrase"}, "passwd")
    assert code == 1 and "read-only" in err, err
    assert target.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["vault.cvault"]
    os.chmod(folder, 0o755)
    shutil.rmtree(tmp_path)
    assert PASSPHRASE

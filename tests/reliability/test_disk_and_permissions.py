"""Disk full (RLIMIT_FSIZE in a child) and read-only vaults (tested as an unprivileged user)."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess

import pytest

from tests.conftest import CLI, PASSPHRASE, cli_env
from vault.store import Vault


def _limited(max_bytes: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes fail with EFBIG instead of killing us
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
    return apply


def _run(env, *args, preexec=None):
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=120, preexec_fn=preexec)
    assert "Traceback" not in result.stderr
    return result


def test_disk_full_during_backup_leaves_no_partial_file(vault_path, tmp_path):
    env = cli_env(vault_path, tmp_path / "cfg")
    before = vault_path.read_bytes()
    target = tmp_path / "out" / "backup.cvault"
    target.parent.mkdir()
    result = _run(env, "backup", "--out", str(target), preexec=_limited(len(before) // 2))
    assert result.returncode == 1
    assert "not enough disk space" in result.stderr or "Could not write" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(target.parent.iterdir()) == []
    assert _run(env, "check").returncode == 0


def test_disk_full_during_a_write_keeps_the_vault(vault_path, tmp_path):
    env = cli_env(vault_path, tmp_path / "cfg")
    assert _run(env, "person", "add", "--name", "Before Full").returncode == 0
    size = os.path.getsize(vault_path) + os.path.getsize(f"{vault_path}-wal") if os.path.exists(
        f"{vault_path}-wal") else os.path.getsize(vault_path)
    big = tmp_path / "big-resume.txt"
    big.write_text("resume words " * 400_000)
    person_id = _run(env, "person", "list", "--json").stdout.split('"uuid": "')[1].split('"')[0]
    result = _run(env, "resume", "add", person_id, str(big), preexec=_limited(size + 200_000))
    assert result.returncode == 1
    assert "disk space" in result.stderr or "Could not write" in result.stderr
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

"""``contact-vault --self-check`` as a user runs it: a real subprocess, no display, no keyring."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

from conftest import CLI

from ui.selfcheck import Finding, _probe


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["CONTACT_VAULT_CONFIG_DIR"] = str(tmp_path / "config")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env.update(extra)
    return env


def test_self_check_without_display_reports_every_part_and_passes(tmp_path: Path) -> None:
    proc = subprocess.run([*CLI, "--self-check"], env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert f"Contact Vault {version('contact-vault')} self-check" in out
    assert re.search(r"SQLCipher 4\.\d+\.\d+.*SQLite 3\.\d+\.\d+", out)
    assert re.search(r"Qt 6\.\d+\.\d+", out)
    assert re.search(r"Qt platform plugin:\s+offscreen \(no display found", out)
    assert re.search(r"keyring:\s+keyring\.backends\.fail\.Keyring; remembering the key is not available", out)
    for part in ("vault:", "signatures:", "text extraction:", "PDF stamping:", "PDF redaction:", "PDF preview:",
                 "icons:"):
        line = next(line for line in out.splitlines() if line.startswith(part))
        assert line.endswith("[ok]"), line
    converter = next(line for line in out.splitlines() if line.startswith("document converter:"))
    if shutil.which("soffice"):
        assert "LibreOffice" in converter and converter.endswith("[ok]"), converter
    else:
        assert "libreoffice-writer" in converter and converter.endswith("[not available]"), converter
    assert out.rstrip().endswith("self-check passed: every required part works")
    assert "Traceback" not in proc.stderr
    assert not list(tmp_path.glob("**/*.cvault")), "the self-check must leave no vault behind"


def test_a_file_keyring_is_reported_unsafe_but_does_not_fail_the_check(tmp_path: Path) -> None:
    env = _env(tmp_path, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")
    proc = subprocess.run([*CLI, "--self-check"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "stores secrets in a file, which is not safe enough)  [not available]" in proc.stdout


def test_a_failing_part_becomes_one_line_and_fails_only_when_required() -> None:
    def broken() -> str:
        raise OSError("disk on fire\nsecond line")

    required = _probe("vault", broken)
    assert required == Finding("vault", False, "OSError: disk on fire", True)
    assert required.line().endswith("[FAILED]")
    optional = _probe("keyring", broken, required=False)
    assert optional.line().endswith("[not available]")

"""The type checker guards what it should: `make test` runs mypy (settings in pyproject.toml).

A probe proves the settings bite: a typo on a vault connection is caught (so the sqlcipher3 stub
in typings/ is in use, not an ``Any``), and an ignore without its error code, or one that is
no longer needed, is an error. Two source scans cover what mypy cannot: no connection typed
``Any`` creeps back, and the files mypy does not check (tests, scripts) carry no bare ignore.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHECKED = ("vault", "cli", "demo", "ui")
PROBE = '''\
from vault.connection import Connection


def count(conn: Connection) -> int:
    row = conn.exeute("SELECT 1").fetchone()
    return int(row[0])


text: int = "x"  # type: IGNORE
number: int = 1  # type: IGNORE[assignment]
'''.replace("IGNORE", "ignore")  # spelled so the scan below does not flag this file


def _python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (REPO / folder).rglob("*.py")]


def test_mypy_settings_are_strict_and_check_every_ignore():
    mypy = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mypy"]
    assert mypy["strict"] is True and mypy["warn_unused_ignores"] is True
    assert "ignore-without-code" in mypy["enable_error_code"]
    assert set(CHECKED) <= set(mypy["files"])


def test_mypy_catches_a_connection_typo_and_unchecked_ignores(tmp_path):
    probe = tmp_path / "probe_types.py"
    probe.write_text(PROBE)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), str(probe)],
        capture_output=True, text=True, cwd=REPO, timeout=240,
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert re.search(r':5: error: "Connection" has no attribute "exeute".*\[attr-defined\]', out), out
    assert re.search(r":9: error: .*without error code.*\[ignore-without-code\]", out), out
    assert re.search(r':10: error: Unused "type: ignore" comment', out), out


def test_no_connection_is_typed_any():
    pattern = re.compile(r"\b(conn|connection|reader|_conn|_reader)\s*:\s*Any\b|def (conn|reader)\(self\) -> Any")
    found = [f"{p.relative_to(REPO)}:{n}" for p in _python_files(*CHECKED)
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert found == [], "type it as vault.connection.Connection: " + ", ".join(found)


def test_every_type_ignore_names_its_error_code():
    bare = re.compile(r"#\s*type:\s*ignore(?!\[)")
    found = [f"{p.relative_to(REPO)}:{n}" for p in _python_files(*CHECKED, "tests", "scripts")
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if bare.search(line)]
    assert found == [], "give each ignore its error code: " + ", ".join(found)

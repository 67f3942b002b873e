"""The core must never load Qt: it serves the CLI and tests as well as the GUI."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import vault


def test_importing_every_vault_module_loads_no_qt():
    names = [m.name for m in pkgutil.walk_packages(vault.__path__, "vault.")]
    assert "vault.store" in names and "vault.cli.main" in names
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'ui')))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"Qt or GUI modules loaded by the core: {result.stdout}"


def test_ruff_bans_pyside6_in_vault(tmp_path):
    """The lint rule itself: a PySide6 import under vault/ is reported."""
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    probe = repo / "vault" / "_probe_banned_import.py"
    probe.write_text("from PySide6.QtCore import QObject\n\nprint(QObject)\n")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "TID251", str(probe)],
            capture_output=True, text=True, cwd=repo,
        )
    finally:
        probe.unlink()
    assert result.returncode == 1
    assert "TID251" in result.stdout

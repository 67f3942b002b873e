"""The layers hold: vault/ (core) imports no Qt, GUI, CLI or demo; cli/ and demo/ import no Qt or GUI.

Two checks per rule: importing every module of a layer loads nothing from the layers above it,
and the lint rule that guards the source fires on a probe import (so removing the rule fails here).
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import cli
import demo
import vault

REPO = Path(__file__).resolve().parent.parent
QT_AND_GUI = ("PySide6", "shiboken6", "ui")


def _loaded_after_importing(names: list[str], forbidden: tuple[str, ...]) -> list[str]:
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    return [name for name in result.stdout.strip().split(",") if name]


def _modules(package: ModuleType, prefix: str) -> list[str]:
    return [prefix.rstrip("."), *(m.name for m in pkgutil.walk_packages(package.__path__, prefix))]


def test_importing_every_vault_module_loads_no_qt_gui_cli_or_demo():
    names = _modules(vault, "vault.")
    assert "vault.store" in names
    assert _loaded_after_importing(names, (*QT_AND_GUI, "cli", "demo")) == []


@pytest.mark.parametrize("package,prefix", [(cli, "cli."), (demo, "demo.")], ids=["cli", "demo"])
def test_importing_every_cli_and_demo_module_loads_no_qt_or_gui(package, prefix):
    names = _modules(package, prefix)
    assert len(names) > 1
    assert _loaded_after_importing(names, QT_AND_GUI) == []


def _ruff_on(source: str, as_file: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "TID251", "--stdin-filename", as_file, "-"],
        input=source, capture_output=True, text=True, cwd=REPO,
    )


@pytest.mark.parametrize("layer,imported", [
    ("vault", "from PySide6.QtCore import QObject"),
    ("vault", "from ui.icons import icon"),
    ("vault", "from cli.main import run"),
    ("vault", "from demo import build_demo_vault"),
    ("cli", "from PySide6.QtCore import QObject"),
    ("cli", "from ui.launcher import main"),
    ("cli", "import demo"),
    ("demo", "from PySide6.QtCore import QObject"),
    ("demo", "from ui.icons import icon"),
    ("demo", "from cli.main import run"),
])
def test_lint_refuses_an_import_across_the_layers(layer, imported):
    result = _ruff_on(f"{imported}\n\nprint(1)\n", f"{layer}/probe_layering.py")
    assert result.returncode == 1, result.stdout
    assert "TID251" in result.stdout


@pytest.mark.parametrize("layer,imported", [
    ("vault", "from vault.store import Vault"),
    ("cli", "from vault.store import Vault"),
    ("cli", "from cli.context import CliContext"),
    ("demo", "from vault.store import Vault"),
    ("ui", "from cli.main import run"),
    ("ui", "from demo import build_demo_vault"),
])
def test_lint_allows_imports_down_the_layers(layer, imported):
    result = _ruff_on(f"{imported}\n\nprint(1)\n", f"{layer}/probe_layering.py")
    assert result.returncode == 0, result.stdout

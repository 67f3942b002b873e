"""The manual page, --help and shell completion list every command; `make run` installs no test extras."""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import build_parser
from tests.conftest import CLI

ROOT = Path(__file__).resolve().parents[1]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def every_command() -> list[str]:
    """'init', 'resume', 'resume remove', … : every command and sub-command the parser defines."""
    names = []
    for name, sub in _subparsers(build_parser()).items():
        names.append(name)
        names.extend(f"{name} {action}" for action in _subparsers(sub))
    return names


def test_the_command_list_includes_the_new_operations():
    names = every_command()
    for wanted in ("resume remove", "resume default", "resume show", "audit list", "audit show",
                   "recipient remove", "recipient reinstate", "organisation remove", "organisation reinstate",
                   "settings list", "settings get", "settings set"):
        assert wanted in names


def test_help_lists_every_command():
    top = subprocess.run([*CLI, "--help"], capture_output=True, text=True, timeout=60, check=True).stdout
    groups = {}
    for name in every_command():
        head, _, action = name.partition(" ")
        if not action:
            assert f"    {head} " in top or f"    {head}\n" in top, head
            continue
        if head not in groups:
            groups[head] = subprocess.run([*CLI, head, "--help"], capture_output=True, text=True, timeout=60,
                                          check=True).stdout
        assert f"    {action} " in groups[head] or f"    {action}\n" in groups[head], name


def test_the_man_page_is_current_and_lists_every_command():
    pytest.importorskip("argparse_manpage")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_manpage
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    page = (ROOT / "man" / "contact-vault.1").read_text("utf-8")
    assert page == make_manpage.render(), "man/contact-vault.1 is out of date: run make man"
    for name in every_command():
        escaped = name.replace("-", "\\-")
        if " " in name:
            assert f"contact\\-vault {escaped}'" in page, name
        else:
            assert f"\\fI\\,{escaped}\\/\\fR" in page, name
    if shutil.which("man"):
        text = subprocess.run(["man", "-l", str(ROOT / "man" / "contact-vault.1")], capture_output=True, text=True,
                              timeout=60, env={"MANWIDTH": "100", "PATH": "/usr/bin:/bin"}).stdout
        assert "contact-vault resume remove" in text


def test_the_package_installs_the_man_page():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"share/man/man1" = ["man/contact-vault.1"]' in pyproject


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_shell_completion_knows_every_command(shell, tmp_path):
    result = subprocess.run([*CLI, "--print-completion", shell], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    script = result.stdout
    for name in every_command():
        assert name.rpartition(" ")[2] in script, name
    path = tmp_path / f"completion.{shell}"
    path.write_text(script)
    checker = shutil.which(shell)
    if checker:
        subprocess.run([checker, "-n", str(path)], check=True, timeout=60)
    if shell == "bash":  # ask bash itself what completes "contact-vault resume re"
        probe = (f"source {path}; COMP_WORDS=(contact-vault resume re); COMP_CWORD=2; "
                 "COMP_LINE='contact-vault resume re'; COMP_POINT=${#COMP_LINE}; "
                 "_shtab_contact_vault contact-vault re resume; printf '%s\\n' \"${COMPREPLY[@]}\"")
        replies = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=60).stdout.split()
        assert {"remove"} <= set(replies), replies


def test_completion_is_not_imported_by_ordinary_commands():
    code = ("import sys; from cli.main import build_parser; build_parser(); "
            "print('shtab' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          timeout=60).stdout.strip() == "False"
    assert importlib.util.find_spec("shtab") is not None


def _make(target: str, venv: Path) -> str:
    return subprocess.run(["make", "-n", "-B", target, f"VENV={venv}"], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, check=True).stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_installs_no_test_extras(tmp_path):
    run = _make("run", tmp_path / "venv")
    assert "pip install --quiet -e .\n" in run and "[test]" not in run
    assert "uninstall --quiet --yes keyrings.alt" in run
    assert "pip install --quiet -e '.[test]'" in _make("test", tmp_path / "venv")

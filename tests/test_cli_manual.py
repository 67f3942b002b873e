"""The manual page, --help and shell completion list every command; `make run` installs no test extras."""

from __future__ import annotations

import argparse
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


def _generator():
    pytest.importorskip("argparse_manpage")
    pytest.importorskip("shtab")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_cli_files
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return make_cli_files


def test_the_generated_files_are_current(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # the terminal's width must not change them
    for path, text in _generator().files().items():
        assert path.read_text("utf-8") == text, f"{path.relative_to(ROOT)} is out of date: run make man"


def test_the_man_page_lists_every_command():
    page = (ROOT / "man" / "contact-vault.1").read_text("utf-8")
    for name in every_command():
        escaped = name.replace("-", "\\-")
        if " " in name:
            assert f"contact\\-vault {escaped}'" in page, name
        else:
            assert f"\\fI\\,{escaped}\\/\\fR" in page, name
    if shutil.which("man"):
        text = subprocess.run(["man", "-l", str(ROOT / "man" / "contact-vault.1")], capture_output=True, text=True,
                              timeout=60, env={"MANWIDTH": "100", "PATH": "/usr/bin:/bin"}).stdout
        assert "contact-vault resume remove" in text and "contact-vault settings set" in text


def test_the_package_installs_the_man_page_and_completions():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"share/man/man1" = ["man/contact-vault.1"]' in pyproject
    assert '"share/bash-completion/completions" = ["completion/contact-vault"]' in pyproject
    assert '"share/zsh/site-functions" = ["completion/_contact-vault"]' in pyproject


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_shell_completion_knows_every_command(shell):
    path = ROOT / "completion" / ("contact-vault" if shell == "bash" else "_contact-vault")
    script = path.read_text("utf-8")
    for name in every_command():
        assert name.rpartition(" ")[2] in script, name
    checker = shutil.which(shell)
    if checker:
        subprocess.run([checker, "-n", str(path)], check=True, timeout=60)
    if shell == "bash":  # ask bash itself what completes "contact-vault resume re" and "… settings set "
        def replies(*words: str) -> set[str]:
            line = " ".join(words)
            probe = (f"source {path}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
                     f"COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; "
                     f"_shtab_contact_vault contact-vault {words[-1]} {words[-2]}; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
            return set(subprocess.run(["bash", "-c", probe], capture_output=True, text=True,
                                      timeout=60).stdout.split())
        assert {"remove", "reinstate"} <= replies("contact-vault", "recipient", "re")
        assert replies("contact-vault", "sh") == {"share", "shares"}


def _make(target: str, venv: Path) -> str:
    return subprocess.run(["make", "-n", "-B", target, f"VENV={venv}"], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, check=True).stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_installs_no_test_extras(tmp_path):
    run = _make("run", tmp_path / "venv")
    assert "pip install --quiet -e .\n" in run and "[test]" not in run
    assert "uninstall --quiet --yes keyrings.alt" in run
    assert "pip install --quiet -e '.[test]'" in _make("test", tmp_path / "venv")

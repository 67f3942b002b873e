"""The command-line examples of the docs run as written (issue 22: the README's authorisation
example had expired). Every shell block of the user guide's "Command line" section, and every
block of README.md that calls contact-vault, runs in bash against a scratch vault, in order, in
one shell per document so ids kept in variables carry from block to block."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cli_env, corpus_file

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```(sh|bash|shell)\n(.*?)^```", re.S | re.M)

pytestmark = pytest.mark.skipif(shutil.which("jq") is None, reason="the examples use jq (scripts/system-deps.sh)")


def section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    level = heading.split(" ")[0]
    rest = text[start + len(heading) + 2:]
    ends = [m.start() for m in re.finditer(rf"^{level} ", rest, re.M)]
    return rest[:ends[0]] if ends else rest


def cli_blocks(markdown: str) -> list[str]:
    return [m.group(2) for m in BLOCK.finditer(markdown) if "contact-vault " in m.group(2)]


def guide_blocks() -> list[str]:
    return cli_blocks(section((ROOT / "docs" / "user-guide.md").read_text("utf-8"), "## Command line"))


def readme_blocks() -> list[str]:
    return cli_blocks((ROOT / "README.md").read_text("utf-8"))


def run_blocks(blocks: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "work"
    work.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "contact-vault"
    launcher.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m ui.launcher \"$@\"\n")
    launcher.chmod(0o755)
    env = cli_env(work / "vault.cvault", tmp_path / "config")
    env.update(HOME=str(home), PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", PYTHONPATH=str(ROOT))
    # The example files the text says to replace with your own.
    shutil.copy(corpus_file("resumes/careerrag__sample-resume.pdf"), work / "resume.pdf")
    (work / "consent.eml").write_text("From: jane@example.org\nSubject: consent\n\nYes, send my CV to Acme.\n")
    (work / "new-passphrase.txt").write_text(env["CONTACT_VAULT_PASSPHRASE"])  # re-key to the same one
    for generated in ("man", "completion"):  # the folder stands in for a checkout
        (work / generated).symlink_to(ROOT / generated)
    script = "set -euo pipefail\n" + "\n".join(
        f"echo '### block {n}' >&2\n{block}" for n, block in enumerate(blocks, start=1))
    return subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=600)


def check(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr


def test_every_guide_block_runs(tmp_path):
    blocks = guide_blocks()
    assert len(blocks) >= 5
    result = run_blocks(blocks, tmp_path)
    check(result)
    assert "Share refused" not in result.stdout + result.stderr
    assert (tmp_path / "work" / "jane-for-acme.zip").is_file()
    assert (tmp_path / "home" / ".zfunc" / "_contact-vault").is_file()


def test_every_readme_block_runs(tmp_path):
    blocks = readme_blocks()
    assert len(blocks) == 1 and "authorise" in blocks[0]
    result = run_blocks(blocks, tmp_path)
    check(result)
    assert (tmp_path / "work" / "jane-for-acme.zip").is_file()
    assert "Audit chain" in result.stdout


def test_no_example_carries_a_fixed_date():
    """A literal date in an example expires: the README's did (2026-03-01 to 2026-06-30)."""
    for block in guide_blocks() + readme_blocks():
        assert not re.search(r"\b20\d\d-\d\d-\d\d\b", block), block


def test_a_block_that_fails_fails_the_test(tmp_path):
    """The harness itself: an expired window in an example stops the run with exit 1."""
    result = run_blocks(['contact-vault init --name "R"\n'
                         'P=$(contact-vault person add --name "J D" --json | jq -r .id)\n'
                         'contact-vault recipient add "B"\n'
                         'contact-vault authorise "$P" --recipient B --scope email --purpose x --method email '
                         '--obtained 2026-03-01 --valid-until 2026-06-30\n'
                         'echo not reached\n'], tmp_path)
    assert result.returncode == 1 and "not reached" not in result.stdout
    assert "the window ended on 2026-06-30" in result.stderr

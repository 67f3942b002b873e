"""Write the manual page and the shell completion scripts from the command-line definitions
(cli.main.build_parser): man/contact-vault.1 (argparse-manpage), completion/contact-vault (bash)
and completion/_contact-vault (zsh), both by shtab.

They are generated, never edited by hand; ``make man`` runs this script, the package installs
them (pyproject data-files) and tests/test_cli_manual.py fails when one is out of date with the
parser. Generating them here keeps argparse-manpage and shtab out of the app's dependencies.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MAN_PAGE = ROOT / "man" / "contact-vault.1"
COMPLETIONS = {"bash": ROOT / "completion" / "contact-vault", "zsh": ROOT / "completion" / "_contact-vault"}


def _parser():  # type: ignore[no-untyped-def]
    from cli.main import build_parser

    os.environ["COLUMNS"] = "80"  # argparse wraps usage lines to the terminal: the same page everywhere
    return build_parser()


def render_man_page() -> str:
    from argparse_manpage.manpage import Manpage

    data = {"project_name": "contact-vault", "manual_title": "Contact Vault manual", "manual_section": "1",
            "description": "offline encrypted vault for recruiters",
            "date": "2026"}  # fixed, so the page only changes when the commands do
    return str(Manpage(_parser(), _data=data))


def render_completion(shell: str) -> str:
    import shtab

    return shtab.complete(_parser(), shell=shell) + "\n"


def files() -> dict[Path, str]:
    return {MAN_PAGE: render_man_page(), **{path: render_completion(shell) for shell, path in COMPLETIONS.items()}}


def main() -> int:
    for path, text in files().items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

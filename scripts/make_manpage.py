"""Write man/contact-vault.1 from the command-line definitions (cli.main.build_parser).

The page is generated, never edited by hand; ``make man`` runs this script, the package installs
the page (pyproject data-files, share/man/man1) and tests/test_cli_manual.py fails when it is
out of date with the parser.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MAN_PAGE = ROOT / "man" / "contact-vault.1"


def render() -> str:
    from argparse_manpage.manpage import Manpage

    from cli.main import build_parser

    os.environ["COLUMNS"] = "80"  # argparse wraps usage lines to the terminal: the same page everywhere
    parser = build_parser()
    data = {"project_name": "contact-vault", "manual_title": "Contact Vault manual", "manual_section": "1",
            "description": "offline encrypted vault for recruiters",
            "date": "2026"}  # fixed, so the page only changes when the commands do
    return str(Manpage(parser, _data=data))


def main() -> int:
    MAN_PAGE.parent.mkdir(exist_ok=True)
    MAN_PAGE.write_text(render(), encoding="utf-8")
    print(f"wrote {MAN_PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

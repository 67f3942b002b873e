"""The ``contact-vault`` entry point: sub-commands run the Qt-free CLI; no command opens the app."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GuiOptions:
    """What the desktop app takes when no sub-command is given."""

    vault: Path | None = None
    demo: bool = False
    self_check: bool = False


def _gui_parser() -> argparse.ArgumentParser:
    # No help here: ``--help`` (like any sub-command) goes to the CLI parser, which lists these too.
    parser = argparse.ArgumentParser(prog="contact-vault", add_help=False, allow_abbrev=False)
    parser.add_argument("--vault", metavar="PATH", type=Path)
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--self-check", action="store_true")
    return parser


def gui_options(args: Sequence[str]) -> GuiOptions | None:
    """The app's options, or None when ``args`` hold anything else (a sub-command, ``--help``…)."""
    namespace, rest = _gui_parser().parse_known_args(list(args))
    if rest:
        return None
    vault = namespace.vault.expanduser().absolute() if namespace.vault else None
    return GuiOptions(vault=vault, demo=namespace.demo, self_check=namespace.self_check)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from vault.hardening import harden_process

    harden_process()
    if args[:1] == ["--extract-worker"]:  # the frozen bundle's text-extraction child
        from vault.extraction import child_main

        return child_main()
    if args[:1] == ["--stamp-worker"]:  # the frozen bundle's PDF-stamping child
        from vault.sharing.stamping import child_main as stamp_child_main

        return stamp_child_main()
    if args[:1] == ["--version"]:
        from importlib.metadata import version

        print(f"contact-vault {version('contact-vault')}")
        return 0
    options = gui_options(args)
    if options is not None:
        from .app import run_app

        return run_app(options)
    from cli.main import run

    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())

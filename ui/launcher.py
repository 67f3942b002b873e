"""The ``contact-vault`` entry point: sub-commands run the Qt-free CLI; no command opens the app."""

from __future__ import annotations

import sys
from collections.abc import Sequence

#: Options the desktop app understands when no sub-command is given.
GUI_FLAGS = {"--demo", "--self-check"}


def wants_gui(args: list[str]) -> bool:
    """True when there is no sub-command: only ``--vault PATH`` and GUI flags."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--vault":
            index += 2
            continue
        if arg.startswith("--vault=") or arg in GUI_FLAGS:
            index += 1
            continue
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from vault.hardening import harden_process

    harden_process()
    if args[:1] == ["--extract-worker"]:  # the frozen bundle's text-extraction child
        from vault.extraction import child_main

        return child_main()
    if args[:1] == ["--stamp-worker"]:  # the frozen bundle's PDF-stamping child
        from vault.stamping import child_main as stamp_child_main

        return stamp_child_main()
    if args[:1] == ["--version"]:
        from importlib.metadata import version

        print(f"contact-vault {version('contact-vault')}")
        return 0
    if wants_gui(args):
        from .app import run_app

        return run_app(args)
    from vault.cli.main import run

    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())

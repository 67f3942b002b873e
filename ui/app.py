"""``run_app(args)``: the desktop application (the launcher calls it when no sub-command is given)."""

from __future__ import annotations

import sys
from pathlib import Path


def vault_path_from(args: list[str]) -> Path | None:
    """``--vault PATH`` or ``--vault=PATH``; the other GUI flags are handled elsewhere."""
    for index, arg in enumerate(args):
        if arg == "--vault" and index + 1 < len(args):
            return Path(args[index + 1]).expanduser().absolute()
        if arg.startswith("--vault="):
            return Path(arg.split("=", 1)[1]).expanduser().absolute()
    return None


def run_app(args: list[str]) -> int:
    if "--self-check" in args:
        from .selfcheck import run_self_check

        return run_self_check()
    from PySide6.QtWidgets import QApplication

    from vault import paths

    from .icons import app_icon
    from .main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "contact-vault"])
    app.setApplicationName("Contact Vault")
    app.setOrganizationName("ContactVault")
    app.setDesktopFileName("contact-vault")
    app.setWindowIcon(app_icon())
    window = MainWindow(vault_path=paths.resolve_vault_path(vault_path_from(args)))
    window.show()
    if "--demo" in args:
        from .demo_mode import start_demo

        start_demo(window)  # a throw-away vault of fictional people, titled DEMO
    else:
        window.start()
    return app.exec()

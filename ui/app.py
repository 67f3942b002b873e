"""``run_app(options)``: the desktop application (the launcher calls it when no sub-command is given)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from .launcher import GuiOptions


def run_app(options: GuiOptions) -> int:
    if options.self_check:
        from .selfcheck import run_self_check

        return run_self_check()
    from PySide6.QtWidgets import QApplication

    from vault import paths

    from .icons import app_icon
    from .main_window import MainWindow

    app = cast(QApplication, QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "contact-vault"]))
    app.setApplicationName("Contact Vault")
    app.setOrganizationName("ContactVault")
    app.setDesktopFileName("contact-vault")
    app.setWindowIcon(app_icon())
    window = MainWindow(vault_path=paths.resolve_vault_path(options.vault))
    window.show()
    if options.demo:
        from .demo_mode import start_demo

        start_demo(window)  # a throw-away vault of fictional people, titled DEMO
    else:
        window.start()
    return app.exec()

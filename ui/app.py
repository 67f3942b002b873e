"""Placeholder window until the desktop issue lands, so `make run` works from day one."""

from __future__ import annotations


def run_app(args: list[str]) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(["contact-vault"])
    label = QLabel("Contact Vault — the desktop app is coming; use the contact-vault command meanwhile.")
    label.setMargin(24)
    label.setWindowTitle("Contact Vault")
    label.show()
    return app.exec()

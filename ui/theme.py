"""System, light and dark palettes (Fusion draws both faithfully on every platform)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

_system_palette: QPalette | None = None
_system_style: str | None = None


def _dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor(45, 47, 51), QColor(33, 35, 38), QColor(230, 230, 230)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor(40, 42, 46),
        QPalette.ColorRole.ToolTipBase: window,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: window,
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(255, 90, 90),
        QPalette.ColorRole.Link: QColor(110, 170, 240),
        QPalette.ColorRole.Highlight: QColor(47, 111, 181),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.PlaceholderText: QColor(140, 140, 140),
        QPalette.ColorRole.Mid: QColor(70, 72, 76),
        QPalette.ColorRole.Dark: QColor(25, 26, 28),
        QPalette.ColorRole.Light: QColor(80, 82, 86),
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(130, 130, 130))
    return p


def apply_theme(app: QApplication, theme: str) -> None:
    global _system_palette, _system_style
    if _system_palette is None:
        _system_palette = QPalette(app.palette())
        _system_style = app.style().name()
    if theme == "system":
        if _system_style:
            app.setStyle(_system_style)
        app.setPalette(_system_palette)
        return
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(_dark_palette() if theme == "dark" else app.style().standardPalette())

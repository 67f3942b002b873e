"""System, light and dark palettes (Fusion draws both faithfully on every platform)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

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


#: Widgets with this property set show warnings/errors in ``warning_colour()``; re-styled on theme change.
WARNING_PROPERTY = "cvWarningText"


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def warning_colour(palette: QPalette | None = None) -> str:
    """A red that keeps WCAG AA contrast (≥ 4.5:1) on the light and on the dark window colour."""
    return "#ff8a80" if is_dark(palette) else "#b3261e"


def mark_warning_text(widget: QWidget) -> None:
    """Show ``widget``'s text in the warning red of the current palette, now and after theme changes."""
    widget.setProperty(WARNING_PROPERTY, True)
    widget.setStyleSheet(f"color: {warning_colour()};")


def _restyle_warnings(app: QApplication) -> None:
    style = f"color: {warning_colour(app.palette())};"
    for widget in app.allWidgets():
        if widget.property(WARNING_PROPERTY):
            widget.setStyleSheet(style)


def apply_theme(app: QApplication, theme: str) -> None:
    global _system_palette, _system_style
    if _system_palette is None:
        _system_palette = QPalette(app.palette())
        _system_style = app.style().name()
    if theme == "system":
        if _system_style:
            app.setStyle(_system_style)
        app.setPalette(_system_palette)
        _restyle_warnings(app)
        return
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(_dark_palette() if theme == "dark" else _light_palette(app))
    _restyle_warnings(app)


def _light_palette(app: QApplication) -> QPalette:
    """Fusion's light palette with a deeper highlight: white on it keeps WCAG AA contrast (5:1)."""
    p = app.style().standardPalette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.Highlight, QColor(47, 111, 181))
    return p

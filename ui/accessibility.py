"""Keyboard and screen-reader fixes applied to every widget as it is polished.

One application-wide event filter, so each dialog a feature adds later gets them too:

- Tab moves focus *out of* lists, tables and trees (arrow keys move inside them) and out of
  text areas, instead of walking cells or typing a tab character; otherwise a keyboard user
  who tabs into the people list never gets out of it.
- Text areas draw a highlight-coloured frame while they have the focus (Fusion shows only a
  blinking caret, easy to miss).
- A button showing only an icon gets an accessible name (its tool tip, its action's text, or
  "Clear" for a line edit's clear button), so a screen reader says what it does.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLineEdit,
    QMenuBar,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
)

_TEXT_FOCUS_RULE = "QPlainTextEdit:focus, QTextEdit:focus { border: 2px solid palette(highlight); }"


def icon_button_name(button: QAbstractButton) -> str:
    """What a screen reader should say for a button without text ("" when nothing fits)."""
    if button.toolTip().strip():
        return button.toolTip().strip().split("\n")[0]
    if isinstance(button, QToolButton) and button.defaultAction() is not None:
        text = button.defaultAction().text().replace("&", "").strip()
        if text:
            return text
    if isinstance(button.parent(), QLineEdit):
        return "Clear"
    if isinstance(button.parent(), QMenuBar):
        return "More menus"
    return ""


def apply_to(widget: QObject) -> None:
    if isinstance(widget, QAbstractItemView):
        widget.setTabKeyNavigation(False)
    elif isinstance(widget, QPlainTextEdit | QTextEdit):
        widget.setTabChangesFocus(True)
        if _TEXT_FOCUS_RULE not in widget.styleSheet():  # Fusion shows only a blinking caret
            widget.setStyleSheet(widget.styleSheet() + _TEXT_FOCUS_RULE)
    elif isinstance(widget, QAbstractButton) and not widget.text().strip() and not widget.accessibleName():
        name = icon_button_name(widget)
        if name:
            widget.setAccessibleName(name)


class _AccessibilityFilter(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Polish, QEvent.Type.Show):
            apply_to(watched)
        return False


_installed: dict[int, _AccessibilityFilter] = {}


def install(app: QApplication | None = None) -> None:
    """Install the filter once per application (idempotent)."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    if app is None or id(app) in _installed:
        return
    event_filter = _AccessibilityFilter(app)
    app.installEventFilter(event_filter)
    _installed[id(app)] = event_filter
    for widget in app.allWidgets():  # widgets made before the filter
        apply_to(widget)

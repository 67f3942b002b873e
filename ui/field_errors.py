"""Validation messages shown beside the field that is wrong.

The core raises ``ValidationError(field, problem)``; a form registers which widget shows
which core field, and the message appears in a red label right under that widget.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from vault.errors import ValidationError, VaultError

from .theme import mark_warning_text


def error_label(wrap: bool = True) -> QLabel:
    label = QLabel()
    mark_warning_text(label)  # a red that reads on the light and the dark palette
    label.setWordWrap(wrap)
    label.hide()
    return label


class FieldErrors:
    def __init__(self, general: QLabel) -> None:
        self.general = general
        self._labels: dict[str, QLabel] = {}
        self._widgets: dict[str, QWidget] = {}

    def register(self, field: str, widget: QWidget, *aliases: str) -> QLabel:
        """The label to place under ``widget``; ``aliases`` are other core names for the field."""
        # Field messages are one short line; wrapped labels in a form get clipped when they appear.
        label = self._labels.get(field) or error_label(wrap=False)
        for name in (field, *aliases):
            self._labels[name] = label
            self._widgets[name] = widget
        return label

    def clear(self) -> None:
        for label in {*self._labels.values(), self.general}:
            label.clear()
            label.hide()

    def show(self, error: VaultError) -> None:
        """Put the message beside its field when the form has it, else in the general label."""
        self.clear()
        if isinstance(error, ValidationError) and error.field in self._labels:
            label = self._labels[error.field]
            label.setText(_sentence(error.problem))
            label.show()
            self._widgets[error.field].setFocus()
            return
        self.general.setText(str(error))
        self.general.show()

    def message_for(self, field: str) -> str:
        label = self._labels.get(field)
        return label.text() if label is not None and not label.isHidden() else ""


def _sentence(problem: str) -> str:
    text = problem.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."

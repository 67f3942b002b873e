"""Yes/no questions with a test hook: tests queue answers instead of clicking a modal box."""

from __future__ import annotations

from collections import deque

from PySide6.QtWidgets import QMessageBox, QWidget


class Prompter:
    def __init__(self) -> None:
        self._answers: deque[bool] = deque()
        #: The questions asked so far (titles), so tests can assert a warning was shown.
        self.asked: list[str] = []

    def set_next_answer(self, answer: bool) -> None:
        """Queue the answer the next question gets without showing a dialog (tests)."""
        self._answers.append(answer)

    def confirm(self, parent: QWidget | None, title: str, text: str, *, default_yes: bool = False) -> bool:
        self.asked.append(title)
        if self._answers:
            return self._answers.popleft()
        box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
        box.setDefaultButton(QMessageBox.StandardButton.Yes if default_yes else QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes


class Chooser:
    """A question with several named answers (e.g. open / merge / keep both), with the same
    test hook as ``Prompter``: tests queue the key of the answer instead of clicking."""

    def __init__(self) -> None:
        self._answers: deque[str] = deque()
        self.asked: list[str] = []

    def set_next_answer(self, key: str) -> None:
        self._answers.append(key)

    def choose(self, parent: QWidget | None, title: str, text: str, options: list[tuple[str, str]],
               cancel: str = "") -> str:
        """The key of the chosen option, or ``cancel`` when the box is closed."""
        self.asked.append(title)
        if self._answers:
            return self._answers.popleft()
        box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
        buttons = {box.addButton(label, QMessageBox.ButtonRole.ActionRole): key for key, label in options}
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return buttons.get(box.clickedButton(), cancel)


#: The app-wide prompter.
PROMPTS = Prompter()

#: The app-wide chooser.
CHOICES = Chooser()

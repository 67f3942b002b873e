"""The one way production code tells the user something or asks them a question.

Widgets never build a ``QMessageBox`` or call ``QFileDialog`` themselves: they call
``notifier()`` and use ``info``/``warning``/``error`` (non-blocking, window-modal boxes), ``about``,
``ask``/``confirm`` (a yes/no answer) or ``choose_open_file``/``choose_open_files``/
``choose_save_file`` (a path, or "" when the user cancelled). So there is a single seam to
replace: the tests install a recording notifier with scripted answers (``install``), and no
widget carries a test hook of its own.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

APP_TITLE = "Contact Vault"


class Notifier:
    """Real dialogs. Messages never block the caller (they may be shown from a worker callback)."""

    def __init__(self) -> None:
        self._open: set[QMessageBox] = set()  # parentless boxes, kept alive until closed

    # --- messages -----------------------------------------------------------------------------

    def info(self, parent: QWidget | None, text: str, *, title: str = APP_TITLE) -> None:
        self._show(QMessageBox.Icon.Information, parent, title, text)

    def warning(self, parent: QWidget | None, text: str, *, title: str = APP_TITLE) -> None:
        self._show(QMessageBox.Icon.Warning, parent, title, text)

    def error(self, parent: QWidget | None, text: str, *, title: str = APP_TITLE) -> None:
        """A failure, in one human sentence (typed errors are turned into text before this)."""
        self._show(QMessageBox.Icon.Warning, parent, title, text)

    def about(self, parent: QWidget | None, text: str, *, title: str) -> None:
        """The About box (the app's icon; rich text)."""
        QMessageBox.about(parent, title, text)

    def _show(self, kind: QMessageBox.Icon, parent: QWidget | None, title: str, text: str) -> None:
        box = QMessageBox(kind, title, text, QMessageBox.StandardButton.Ok, parent)
        # Deleted when closed: lock closes open dialogs, and a closed box must not keep the text.
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if parent is None:
            self._open.add(box)
            box.finished.connect(lambda _result, b=box: self._open.discard(b))
        box.open()

    # --- questions ----------------------------------------------------------------------------

    def ask(self, parent: QWidget | None, title: str, text: str) -> bool:
        """A plain question; No is the default."""
        return self._yes_no(QMessageBox.Icon.Question, parent, title, text, default_yes=False)

    def confirm(self, parent: QWidget | None, title: str, text: str, *, default_yes: bool = False) -> bool:
        """A warning that needs a Yes before something risky happens."""
        return self._yes_no(QMessageBox.Icon.Warning, parent, title, text, default_yes=default_yes)

    def choose_option(self, parent: QWidget | None, title: str, text: str, options: list[tuple[str, str]],
                      cancel: str = "") -> str:
        """A question with several named answers (open / merge / keep both): the chosen key, or
        ``cancel`` when the box is closed."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
        buttons = [(box.addButton(label, QMessageBox.ButtonRole.ActionRole), key) for key, label in options]
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        chosen = next((key for button, key in buttons if button is clicked), cancel)
        box.deleteLater()
        return chosen

    @staticmethod
    def _yes_no(kind: QMessageBox.Icon, parent: QWidget | None, title: str, text: str, *,
                default_yes: bool) -> bool:
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        box = QMessageBox(kind, title, text, buttons, parent)
        box.setDefaultButton(QMessageBox.StandardButton.Yes if default_yes else QMessageBox.StandardButton.No)
        answer = box.exec()
        box.deleteLater()
        return answer == QMessageBox.StandardButton.Yes

    # --- files --------------------------------------------------------------------------------

    def choose_open_file(self, parent: QWidget | None, caption: str, directory: str = "",
                         file_filter: str = "") -> str:
        return QFileDialog.getOpenFileName(parent, caption, directory, file_filter)[0]

    def choose_open_files(self, parent: QWidget | None, caption: str, directory: str = "",
                          file_filter: str = "") -> list[str]:
        return QFileDialog.getOpenFileNames(parent, caption, directory, file_filter)[0]

    def choose_save_file(self, parent: QWidget | None, caption: str, directory: str = "",
                         file_filter: str = "") -> str:
        return QFileDialog.getSaveFileName(parent, caption, directory, file_filter)[0]


_current: Notifier = Notifier()


def notifier() -> Notifier:
    """The app's notifier."""
    return _current


def install(replacement: Notifier) -> Notifier:
    """Use ``replacement`` from now on (tests: a recording one); returns the one it replaces."""
    global _current
    previous, _current = _current, replacement
    return previous

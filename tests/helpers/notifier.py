"""The notifier the GUI tests install: it records every message and question and answers from a
script, so no test ever shows (or fakes) a real modal dialog."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from ui.notifier import Notifier


@dataclass(frozen=True)
class Shown:
    kind: str  # info, warning, error, about, ask, confirm, open-file, open-files, save-file
    title: str
    text: str


class UnscriptedQuestion(AssertionError):
    """The code asked something the test did not expect (no answer was scripted)."""


class RecordingNotifier(Notifier):
    """Records what the user would have seen; questions and file choices take scripted answers."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Shown] = []
        self._answers: deque[bool] = deque()
        self._files: deque[str | list[str]] = deque()
        self._options: deque[str] = deque()

    # --- scripting ----------------------------------------------------------------------------

    def answer(self, *answers: bool) -> None:
        """The next yes/no questions (``ask`` or ``confirm``) get these answers, in order."""
        self._answers.extend(answers)

    def pick(self, *keys: str) -> None:
        """The next several-answer questions (``choose_option``) get these keys, in order."""
        self._options.extend(keys)

    def choose(self, *paths: str | list[str]) -> None:
        """The next file choices get these paths ("" = cancelled; a list for several files)."""
        self._files.extend(paths)

    # --- reading back -------------------------------------------------------------------------

    def texts(self, *kinds: str) -> list[str]:
        return [s.text for s in self.shown if not kinds or s.kind in kinds]

    def messages(self) -> list[str]:
        """The texts of info, warning and error messages, oldest first."""
        return self.texts("info", "warning", "error")

    @property
    def last_message(self) -> str:
        found = self.messages()
        return found[-1] if found else ""

    @property
    def last_error(self) -> str:
        found = self.texts("error")
        return found[-1] if found else ""

    @property
    def questions(self) -> list[str]:
        """Titles of the yes/no questions asked."""
        return [s.title for s in self.shown if s.kind in ("ask", "confirm", "choice")]

    def clear(self) -> None:
        self.shown.clear()

    # --- the Notifier interface ---------------------------------------------------------------

    def info(self, parent: QWidget | None, text: str, *, title: str = "") -> None:
        self.shown.append(Shown("info", title, text))

    def warning(self, parent: QWidget | None, text: str, *, title: str = "") -> None:
        self.shown.append(Shown("warning", title, text))

    def error(self, parent: QWidget | None, text: str, *, title: str = "") -> None:
        self.shown.append(Shown("error", title, text))

    def about(self, parent: QWidget | None, text: str, *, title: str) -> None:
        self.shown.append(Shown("about", title, text))

    def ask(self, parent: QWidget | None, title: str, text: str) -> bool:
        return self._answer("ask", title, text)

    def confirm(self, parent: QWidget | None, title: str, text: str, *, default_yes: bool = False) -> bool:
        return self._answer("confirm", title, text)

    def choose_option(self, parent: QWidget | None, title: str, text: str, options: list[tuple[str, str]],
                      cancel: str = "") -> str:
        self.shown.append(Shown("choice", title, text))
        if not self._options:
            raise UnscriptedQuestion(f"unexpected choice {title!r}: {text}")
        key = self._options.popleft()
        assert key in {k for k, _ in options} or key == cancel, f"{key!r} is not one of the options of {title!r}"
        return key

    def _answer(self, kind: str, title: str, text: str) -> bool:
        self.shown.append(Shown(kind, title, text))
        if not self._answers:
            raise UnscriptedQuestion(f"unexpected question {title!r}: {text}")
        return self._answers.popleft()

    def _file(self, kind: str, caption: str) -> str | list[str]:
        self.shown.append(Shown(kind, caption, ""))
        if not self._files:
            raise UnscriptedQuestion(f"unexpected file choice {caption!r}")
        return self._files.popleft()

    def choose_open_file(self, parent: QWidget | None, caption: str, directory: str = "",
                         file_filter: str = "") -> str:
        return str(self._file("open-file", caption))

    def choose_open_files(self, parent: QWidget | None, caption: str, directory: str = "",
                          file_filter: str = "") -> list[str]:
        chosen = self._file("open-files", caption)
        return list(chosen) if isinstance(chosen, list) else ([chosen] if chosen else [])

    def choose_save_file(self, parent: QWidget | None, caption: str, directory: str = "",
                         file_filter: str = "") -> str:
        return str(self._file("save-file", caption))

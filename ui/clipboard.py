"""Copying e-mails and phones: concealed from clipboard managers and cleared after a while.

KDE Klipper and most Linux clipboard managers skip entries that carry the
``x-kde-passwordManagerHint`` = ``secret`` mime type (KeePassXC does the same). The clipboard
is cleared after the configured seconds, and on lock, but only if it still holds what the app
put there: something the user copied elsewhere since is never touched.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QObject, QTimer
from PySide6.QtGui import QGuiApplication

CONCEAL_MIME = "x-kde-passwordManagerHint"


class SecureClipboard(QObject):
    def __init__(self, parent: QObject | None = None, clear_after_seconds: int = 30) -> None:
        super().__init__(parent)
        self.clear_after_seconds = clear_after_seconds
        self._ours: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_if_ours)

    def copy(self, text: str) -> None:
        mime = QMimeData()
        mime.setText(text)
        mime.setData(CONCEAL_MIME, b"secret")
        QGuiApplication.clipboard().setMimeData(mime)
        self._ours = text
        self._timer.start(max(1, self.clear_after_seconds) * 1000)

    def holds_ours(self) -> bool:
        return self._ours is not None and QGuiApplication.clipboard().text() == self._ours

    def clear_if_ours(self) -> None:
        """Clear the clipboard when it still holds our copy; leave the user's own copies alone."""
        self._timer.stop()
        if self.holds_ours():
            QGuiApplication.clipboard().clear()
        self._ours = None

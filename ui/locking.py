"""When to lock: idle time (an application-wide event filter) and the desktop's screen lock."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot

_ACTIVITY = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.TabletPress, QEvent.Type.Shortcut,
}


class IdleWatcher(QObject):
    """Emits ``idle`` after ``interval_ms`` without keyboard or mouse input anywhere in the app."""

    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self._interval_ms = 0

    def set_minutes(self, minutes: int) -> None:
        self.set_interval_ms(minutes * 60_000)

    def set_interval_ms(self, interval_ms: int) -> None:
        """0 turns idle locking off. Tests shorten it to milliseconds."""
        self._interval_ms = max(0, interval_ms)
        if self._interval_ms and self._timer.isActive():
            self._timer.start(self._interval_ms)
        elif not self._interval_ms:
            self._timer.stop()

    def start(self) -> None:
        if self._interval_ms:
            self._timer.start(self._interval_ms)

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._timer.isActive() and event.type() in _ACTIVITY:
            self._timer.start(self._interval_ms)
        return False


class ScreenLockWatcher(QObject):
    """Emits ``screen_locked`` when the desktop says so (freedesktop ScreenSaver, logind).

    Best effort: without QtDBus or a session bus nothing happens, and the idle timer still
    locks the app.
    """

    screen_locked = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.connected: list[str] = []
        with contextlib.suppress(Exception):
            self._connect()

    def _connect(self) -> None:
        import os

        from PySide6.QtDBus import QDBusConnection

        session = QDBusConnection.sessionBus()
        if session.isConnected():
            for iface, path in (("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
                                ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver")):
                # Any sender: the name's owner varies by desktop, and a spurious lock is harmless.
                if session.connect("", path, iface, "ActiveChanged", self, "1on_active_changed(bool)"):  # type: ignore[call-overload]  # PySide6 takes the SLOT() string as str too; its stub says bytes
                    self.connected.append(iface)
        system = QDBusConnection.systemBus()
        session_id = os.environ.get("XDG_SESSION_ID")
        if system.isConnected() and session_id:
            path = f"/org/freedesktop/login1/session/{session_id}"
            if system.connect("org.freedesktop.login1", path, "org.freedesktop.login1.Session", "Lock",  # type: ignore[call-overload]  # PySide6 takes the SLOT() string as str too; its stub says bytes
                              self, "1on_lock()"):
                self.connected.append("login1")

    @Slot(bool)
    def on_active_changed(self, active: bool) -> None:
        if active:
            self.screen_locked.emit()

    @Slot()
    def on_lock(self) -> None:
        self.screen_locked.emit()

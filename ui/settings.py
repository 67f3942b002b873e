"""UI preferences (never a secret, never personal data) in an INI file in the config folder.

The folder comes from ``vault.paths.config_dir()``, so tests stay isolated through
``CONTACT_VAULT_CONFIG_DIR``. Whether the vault key is remembered is not stored here: that
is the keyring's business (``vault.remember``).
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QSettings

from vault import paths

THEMES = ("system", "light", "dark")
DEFAULT_AUTO_LOCK_MINUTES = 5
DEFAULT_CLIPBOARD_SECONDS = 30


class UiSettings:
    def __init__(self) -> None:
        folder = paths.config_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self._qs = QSettings(str(folder / "ui.ini"), QSettings.Format.IniFormat)

    def _int(self, key: str, default: int, low: int, high: int) -> int:
        try:
            value = int(cast("str | int", self._qs.value(key, default)))  # an ini file stores text
        except (TypeError, ValueError):
            return default
        return max(low, min(high, value))

    @property
    def auto_lock_minutes(self) -> int:
        """0 means never lock on idle."""
        return self._int("lock/auto_lock_minutes", DEFAULT_AUTO_LOCK_MINUTES, 0, 24 * 60)

    @auto_lock_minutes.setter
    def auto_lock_minutes(self, value: int) -> None:
        self._qs.setValue("lock/auto_lock_minutes", int(value))

    @property
    def clipboard_seconds(self) -> int:
        return self._int("clipboard/clear_after_seconds", DEFAULT_CLIPBOARD_SECONDS, 5, 600)

    @clipboard_seconds.setter
    def clipboard_seconds(self, value: int) -> None:
        self._qs.setValue("clipboard/clear_after_seconds", int(value))

    @property
    def theme(self) -> str:
        value = str(self._qs.value("appearance/theme", "system"))
        return value if value in THEMES else "system"

    @theme.setter
    def theme(self, value: str) -> None:
        self._qs.setValue("appearance/theme", value if value in THEMES else "system")

    def sync(self) -> None:
        self._qs.sync()

"""One app instance per vault: an advisory lock on a file beside the vault."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from .errors import VaultInUse


class VaultLock:
    """Held for as long as a vault is open; the OS releases it if the process dies."""

    def __init__(self, vault_path: Path) -> None:
        self.path = Path(str(vault_path) + ".lock")
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock. Returns False when the folder is read-only (no lock possible)."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise VaultInUse(str(self.path)[: -len(".lock")]) from exc
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

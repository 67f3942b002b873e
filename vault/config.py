"""The app's non-secret memory of vaults: recent paths, their UUIDs, failed unlock counts.

Nothing here names a person or unlocks anything; it lets the app find a remembered key in
the keyring before the vault is open, and report failed unlocks once the right key arrives.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, cast

from . import paths
from .atomic import write_atomic
from .errors import DiskFull, WriteFailed

CONFIG_FILE = "vaults.json"
MAX_RECENT = 8


class AppConfig:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or paths.config_dir()
        self.file = self.folder / CONFIG_FILE

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.file.read_text("utf-8"))
        except (OSError, ValueError):
            return {"vaults": {}, "recent": []}
        if not isinstance(data, dict):
            return {"vaults": {}, "recent": []}
        data.setdefault("vaults", {})
        data.setdefault("recent", [])
        return data

    def _save(self, data: dict[str, Any]) -> None:
        # Recent vaults and unlock counts are a convenience: a full disk or a read-only config
        # folder must not fail the unlock, create or backup that wanted to note them.
        with contextlib.suppress(OSError, DiskFull, WriteFailed):
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.file, json.dumps(data, indent=2).encode("utf-8"))

    def vault_entry(self, path: Path) -> dict[str, Any]:
        return dict(self._load()["vaults"].get(str(path), {}))

    def vault_uuid(self, path: Path) -> str | None:
        return self.vault_entry(path).get("uuid")

    def note_opened(self, path: Path, uuid: str) -> None:
        data = self._load()
        data["vaults"].setdefault(str(path), {})["uuid"] = uuid
        recent = [p for p in data["recent"] if p != str(path)]
        data["recent"] = [str(path), *recent][:MAX_RECENT]
        self._save(data)

    def recent(self) -> list[Path]:
        return [Path(p) for p in self._load()["recent"]]

    def note_backup(self, vault_path: Path, backup_path: Path, at: str) -> None:
        """Where verified backups of this vault were written, so a damaged vault can offer them."""
        data = self._load()
        entry = data["vaults"].setdefault(str(vault_path), {})
        backups = [b for b in entry.get("backups", []) if b.get("path") != str(backup_path)]
        backups.append({"path": str(backup_path), "at": at})
        entry["backups"] = backups[-MAX_RECENT:]
        self._save(data)

    def latest_backup(self, vault_path: Path) -> Path | None:
        """The most recent backup of this vault that still exists."""
        for backup in reversed(self.vault_entry(vault_path).get("backups", [])):
            candidate = Path(backup.get("path", ""))
            if candidate.is_file():
                return candidate
        return None

    def set_remembered(self, vault_uuid: str, remembered: bool) -> None:
        """Note (not the key!) that this vault's key was put in the keyring, so a key that later
        vanishes from the keyring can be explained instead of silently ignored."""
        data = self._load()
        marks = set(data.get("remembered", []))
        if remembered:
            marks.add(vault_uuid)
        else:
            marks.discard(vault_uuid)
        data["remembered"] = sorted(marks)
        self._save(data)

    def is_remembered(self, vault_uuid: str | None) -> bool:
        return bool(vault_uuid) and vault_uuid in self._load().get("remembered", [])

    def record_failed_unlock(self, path: Path) -> int:
        data = self._load()
        entry = data["vaults"].setdefault(str(path), {})
        entry["failed_unlocks"] = int(entry.get("failed_unlocks", 0)) + 1
        self._save(data)
        return cast(int, entry["failed_unlocks"])

    def take_failed_unlocks(self, path: Path) -> int:
        """Read and reset the count, to be written into the unlock audit event."""
        data = self._load()
        entry = data["vaults"].get(str(path), {})
        count = int(entry.get("failed_unlocks", 0))
        if count:
            entry["failed_unlocks"] = 0
            self._save(data)
        return count

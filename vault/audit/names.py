"""Display names for audit subjects, looked up at export time: annotations that never enter the chain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .export_format import ERASED, REMOVED

if TYPE_CHECKING:
    from vault.connection import Connection


class NameBook:
    """Looks up display names for subjects at export time, with a small cache."""

    _TABLES = {"person": ("people", "full_name", ERASED),
               "recipient": ("recipients", "name", REMOVED),
               "organisation": ("organisations", "name", REMOVED)}

    def __init__(self, conn: Connection, limit: int = 50_000) -> None:
        self._conn = conn
        self._cache: dict[tuple[str, str], str] = {}
        self._limit = limit

    def name(self, subject_type: str, subject_id: str) -> str | None:
        spec = self._TABLES.get(subject_type)
        if spec is None:
            return None
        key = (subject_type, subject_id)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        table, column, missing = spec
        row = self._conn.execute(f"SELECT {column} FROM {table} WHERE uuid = ?", (subject_id,)).fetchone()
        value = row[0] if row else missing
        if len(self._cache) >= self._limit:
            self._cache.clear()
        self._cache[key] = value
        return value

    def annotations(self, subject_type: str, subject_id: str) -> dict[str, str]:
        name = self.name(subject_type, subject_id)
        return {"subject_name": name} if name is not None else {}

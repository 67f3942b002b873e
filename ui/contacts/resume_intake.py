"""New person from a resume: read it locally, prefill the new-person form, attach it on save.

The form shows the suggested name, first e-mail and first phone for review; whatever else was
found (further e-mails and phones, profile links) is listed above the form and added with the
resume once the person is saved.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel

from ui.person_dialog import PersonDialog
from ui.worker import VaultWorker
from vault import contact_points as cp
from vault.errors import ValidationError
from vault.intake import IntakeSuggestion, suggest_from_resume
from vault.people import NewContactPoint


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ValidationError("file", f"{path} cannot be read ({exc.strerror})") from exc


class ResumeIntake:
    """One intake: reading on the worker, then a prefilled ``PersonDialog``."""

    def __init__(self, worker: VaultWorker, path: str, parent: Any) -> None:
        self.worker = worker
        self.path = path
        self.parent = parent
        self.dialog: PersonDialog | None = None
        self.suggestion: IntakeSuggestion | None = None
        self.person_uuid: str | None = None
        self._data = b""
        self._prepared: Any = None

    def start(self) -> None:
        path, name = self.path, Path(self.path).name

        def read(_vault: Any) -> tuple[bytes, IntakeSuggestion, Any]:
            data = _read(path)
            suggestion, prepared = suggest_from_resume(data, name)
            return data, suggestion, prepared

        self.worker.call(read, self._show, context=self.parent)

    def _show(self, result: tuple[bytes, IntakeSuggestion, Any]) -> None:
        self._data, self.suggestion, self._prepared = result
        s = self.suggestion
        dialog = PersonDialog(self.worker, parent=self.parent)
        dialog.setWindowTitle(f"New person from {Path(self.path).name}")
        dialog.full_name.setText(s.full_name)
        if s.emails:
            dialog.email.setText(s.emails[0])
        if s.phones:
            dialog.phone.setText(s.phones[0])
        dialog.point_source.setCurrentIndex(max(0, dialog.point_source.findData("given")))
        extra = [*s.emails[1:], *s.phones[1:], *s.links]
        lines = [f"Prefilled from <b>{Path(self.path).name}</b> (read on this computer): check before saving."]
        if extra:
            lines.append("Also found, added on save: " + ", ".join(extra))
        lines.extend(s.warnings)
        note = QLabel("<br>".join(lines))
        note.setWordWrap(True)
        dialog.layout().insertWidget(0, note)  # type: ignore[union-attr]  # the dialog's layout is a QVBoxLayout
        dialog.saved.connect(self._attach)
        self.dialog = dialog
        dialog.open()

    def _attach(self, person_uuid: str) -> None:
        self.person_uuid = person_uuid
        s = self.suggestion
        assert s is not None
        data, prepared, name = self._data, self._prepared, Path(self.path).name
        # The user confirmed adding someone erased on request: the resume's other points too.
        despite = self.dialog.despite_erasure if self.dialog is not None else False
        extra = [("email", e) for e in s.emails[1:]] + [("phone", p) for p in s.phones[1:]]
        extra += [("link", u) for u in s.links]

        def write(vault: Any) -> str:
            with vault.transaction():
                for kind, value in extra:
                    try:
                        cp.normalise(kind, value)
                    except ValidationError:
                        continue
                    vault.people.add_contact_point(person_uuid, NewContactPoint(kind, value),
                                                   despite_erasure=despite)
                vault.documents.add_bytes(person_uuid, data, name, prepared=prepared)
            return person_uuid

        self.worker.call(write, lambda uuid: self.worker.notify_changed(uuid), context=self.parent)

    def clear(self) -> None:
        self._data = b""
        self.suggestion = None
        if self.dialog is not None:
            with contextlib.suppress(RuntimeError):  # already closed and deleted after Save
                self.dialog.close()
            self.dialog = None

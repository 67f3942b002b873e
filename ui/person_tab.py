"""What the tabs of a person's detail pane have in common.

Each tab follows the person-tab protocol of ``PersonDetail``: ``set_person(uuid | None)`` shows
(or forgets) a person and ``clear()`` drops every piece of personal data it holds (on lock).
``PersonTab`` adds the rest they all need: reloading when the worker says that person's data
changed, and ignoring an answer that arrives after the user has moved on to someone else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtWidgets import QWidget

from .worker import VaultWorker

T = TypeVar("T")


class PersonTab(QWidget):
    """Subclasses fill ``reload()`` (usually one ``load`` call) and may extend ``clear()``."""

    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.person_uuid: str | None = None
        # Bumped on every change of person: an answer for an older generation is dropped.
        self._generation = 0
        worker.data_changed.connect(self._changed)

    def set_person(self, person_uuid: str | None) -> None:
        if person_uuid is None:
            self.clear()
            return
        self.person_uuid = person_uuid
        self._generation += 1
        self.reload()

    def clear(self) -> None:
        self.person_uuid = None
        self._generation += 1

    def reload(self) -> None:
        raise NotImplementedError

    def load(self, fetch: Callable[[Any], T], show: Callable[[T], None]) -> None:
        """Run ``fetch(vault)`` on the worker and ``show`` its answer, unless the person changed
        (or the tab was cleared) in the meantime. A failed read shows nothing new."""
        generation = self._generation

        def shown(result: T) -> None:
            if generation == self._generation:
                show(result)

        self.worker.call(fetch, shown, lambda _error: None, context=self)

    def _changed(self, person_uuid: str) -> None:
        if self.person_uuid and person_uuid in ("", self.person_uuid):
            self.reload()

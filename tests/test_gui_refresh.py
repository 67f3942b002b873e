"""The refresh after an edit: every view shows the change, and nothing is read twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ui.main_window import MainWindow
from ui.settings import UiSettings
from ui.worker import VaultWorker
from vault.config import AppConfig
from vault.people import PersonFields

pytestmark = pytest.mark.gui
WAIT_MS = 20_000


@pytest.fixture
def window(qtbot, clock, tmp_path: Path, monkeypatch, vault_path: Path, template_vault) -> Iterator[MainWindow]:
    monkeypatch.setenv("CONTACT_VAULT_CONFIG_DIR", str(tmp_path / "ui-config"))
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    main = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
    qtbot.addWidget(main)
    main.show()
    main.start()
    main.unlock_page.unlock_with_key(template_vault[1])
    qtbot.waitUntil(lambda: main.is_unlocked and not main.workspace.model.loading, timeout=WAIT_MS)
    yield main
    main.close()


def run(qtbot, worker: VaultWorker, fn):
    box: list = []
    worker.call(fn, box.append, context=worker)
    qtbot.waitUntil(lambda: bool(box) and not worker.busy, timeout=WAIT_MS)
    return box[0]


def test_an_edit_refreshes_list_header_tabs_and_counts_once_each(qtbot, window, monkeypatch):
    worker, workspace = window.worker, window.workspace
    run(qtbot, worker, lambda v: [v.people.add(PersonFields(full_name=f"Person {n}", title="Old title"), [], ["rust"])
                                  for n in range(3)])
    worker.notify_changed("")
    qtbot.waitUntil(lambda: workspace.model.rowCount() == 3 and not worker.busy, timeout=WAIT_MS)
    workspace.table.selectRow(0)
    qtbot.waitUntil(lambda: workspace.selected_uuid is not None and not worker.busy, timeout=WAIT_MS)
    person_uuid = workspace.selected_uuid
    detail = workspace.detail
    qtbot.waitUntil(lambda: "Old title" in detail.subtitle_label.text(), timeout=WAIT_MS)

    run(qtbot, worker, lambda v: v.people.update(person_uuid, PersonFields(title="New title")))
    calls: list[str] = []
    submit = worker.call
    monkeypatch.setattr(worker, "call", lambda fn, *a, **k: (calls.append(getattr(fn, "__qualname__", "")),
                                                            submit(fn, *a, **k))[1])
    worker.notify_changed(person_uuid)
    qtbot.waitUntil(lambda: not worker.busy and not workspace.model.loading and bool(calls), timeout=WAIT_MS)
    assert "New title" in detail.subtitle_label.text()  # the header re-read
    assert workspace.selected_uuid == person_uuid and workspace.table.currentIndex().row() >= 0
    assert workspace._view_items["all"].text(0).endswith("(3)")
    # Each reader once: the list, the sidebar, the header and each visible tab (not every tab twice).
    assert len(calls) == len(set(calls)), calls


def test_the_sidebar_is_rebuilt_only_when_its_counts_change(qtbot, window):
    worker, workspace = window.worker, window.workspace
    people = run(qtbot, worker, lambda v: [v.people.add(PersonFields(full_name=f"Person {n}"), [], ["rust"]).uuid
                                           for n in range(2)])
    worker.notify_changed("")

    def tags() -> list[str]:
        return [workspace.tags_item.child(i).text(0) for i in range(workspace.tags_item.childCount())]

    qtbot.waitUntil(lambda: tags() == ["rust  (2)"] and not worker.busy, timeout=WAIT_MS)
    child = workspace.tags_item.child(0)
    run(qtbot, worker, lambda v: v.people.update(people[0], PersonFields(title="Another title")))
    worker.notify_changed(people[0])
    qtbot.waitUntil(lambda: not worker.busy and not workspace.model.loading, timeout=WAIT_MS)
    assert workspace.tags_item.child(0) is child  # nothing changed: the same item, not rebuilt
    run(qtbot, worker, lambda v: (v.people.add_tag(people[0], "kotlin"), v.people.remove_tag(people[1], "rust")))
    worker.notify_changed("")
    qtbot.waitUntil(lambda: tags() == ["kotlin  (1)", "rust  (1)"] and not worker.busy, timeout=WAIT_MS)
    assert workspace._view_items["all"].text(0).endswith("(2)")

"""The audit viewer and its lazy model, with real widgets, a real worker thread and a real vault."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from ui.audit_model import PERSON_COLUMNS, AuditModel
from ui.audit_viewer import AuditViewer, install
from ui.main_window import MainWindow
from ui.settings import UiSettings
from ui.worker import VaultWorker
from vault.audit.scope import ExportScope
from vault.audit.verify import verify_export
from vault.config import AppConfig
from vault.connection import connect
from vault.people import PersonFields
from vault.store import Vault

pytestmark = pytest.mark.gui
WAIT_MS = 20_000
SCREENSHOTS = Path(os.environ.get("CV_SCREENSHOT_DIR", "")) if os.environ.get("CV_SCREENSHOT_DIR") else None


def seed(vault_path: Path, key: bytes, clock, tmp_path: Path, extra_events: int = 0) -> dict[str, str]:
    vault = Vault.open(vault_path, raw_key=key, clock=clock, config=AppConfig(tmp_path / "seed-config"))
    try:
        ada = vault.people.add(PersonFields(full_name="Ada Lovelace", organisation="Analytical Engines"))
        clock.advance(days=2)
        bob = vault.people.add(PersonFields(full_name="Bob Babbage"))
        vault.people.update(ada.uuid, PersonFields(title="Chief Engineer"))
        vault.people.add_tag(bob.uuid, "python")
        if extra_events:
            subject = str(uuid.uuid4())
            with vault.transaction():
                for i in range(extra_events):
                    vault.record("settings.changed", "vault", subject, {"setting": f"s{i}"})
        return {"ada": ada.uuid, "bob": bob.uuid}
    finally:
        vault.close()


@pytest.fixture
def worker(qtbot, clock, tmp_path):
    made = VaultWorker(clock=clock, config=AppConfig(tmp_path / "worker-config"))
    yield made
    made.shutdown()


def open_worker(qtbot, worker: VaultWorker, path: Path, key: bytes) -> None:
    with qtbot.waitSignal(worker.opened, timeout=WAIT_MS):
        worker.open(path, raw_key=key)


def idle(qtbot, worker: VaultWorker) -> None:
    qtbot.waitUntil(lambda: not worker.busy, timeout=WAIT_MS)


def test_model_is_lazy_and_passes_the_model_tester(qtbot, qtmodeltester, worker, vault_path, template_vault,
                                                   clock, tmp_path):
    seed(vault_path, template_vault[1], clock, tmp_path, extra_events=120)
    open_worker(qtbot, worker, vault_path, template_vault[1])
    model = AuditModel(worker, page_size=50)
    model.set_scope(ExportScope())
    idle(qtbot, worker)
    assert model.rowCount() == 50 and model.total > 120
    assert model.canFetchMore(QModelIndex())
    first = model.event_at(0)
    assert first is not None and first.seq == model.total  # newest first
    model.fetchMore(QModelIndex())
    idle(qtbot, worker)
    assert model.rowCount() == 100
    seqs = [model.event_at(r).seq for r in range(model.rowCount())]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == 100
    qtmodeltester.check(model)
    idle(qtbot, worker)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        idle(qtbot, worker)
    assert model.rowCount() == model.total
    assert model.data(model.index(model.total - 1, 0)) == "1"
    model.clear()
    assert model.rowCount() == 0 and not model.canFetchMore(QModelIndex())


def test_model_drops_pages_for_an_old_scope_and_shows_erased_people(qtbot, worker, vault_path, template_vault,
                                                                    clock, tmp_path):
    ids = seed(vault_path, template_vault[1], clock, tmp_path)
    open_worker(qtbot, worker, vault_path, template_vault[1])
    model = AuditModel(worker, columns=PERSON_COLUMNS)
    model.set_scope(ExportScope())
    model.set_scope(ExportScope(person=ids["ada"]))  # the first scope's page must not land
    idle(qtbot, worker)
    assert [model.event_at(r).action for r in range(model.rowCount())] == ["person.updated", "person.created"]
    assert model.headerData(1, Qt.Orientation.Horizontal) == "What"
    assert model.data(model.index(1, 1)) == "Added"
    box: dict[str, object] = {}
    worker.call(lambda v: v.people.delete(ids["ada"]), lambda r: box.setdefault("done", True), context=None)
    qtbot.waitUntil(lambda: "done" in box, timeout=WAIT_MS)
    viewer_model = AuditModel(worker)
    viewer_model.set_scope(ExportScope(person=ids["ada"]))
    idle(qtbot, worker)
    assert {viewer_model.data(viewer_model.index(r, 3)) for r in range(viewer_model.rowCount())} == {"[erased]"}


@pytest.fixture
def window(qtbot, clock, tmp_path):
    made: list[MainWindow] = []

    def make(vault_path: Path, key: bytes) -> MainWindow:
        worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
        win = MainWindow(worker, settings=UiSettings(), vault_path=vault_path)
        qtbot.addWidget(win)
        if not hasattr(win, "audit_viewer_action"):
            install(win)
        win.show()
        win.start()
        win.unlock_page.unlock_with_key(key)
        qtbot.waitUntil(lambda: win.is_unlocked, timeout=WAIT_MS)
        idle(qtbot, win.worker)
        made.append(win)
        return win

    yield make
    for win in made:
        win.close()


def open_viewer(qtbot, win: MainWindow) -> AuditViewer:
    assert win.audit_viewer_action.isEnabled()
    assert win.audit_viewer_action in win.menu("Tools").actions()
    win.audit_viewer_action.trigger()
    viewer = win.audit_viewer
    qtbot.waitUntil(lambda: viewer.isVisible() and viewer.status is not None and viewer.model.rowCount() > 0,
                    timeout=WAIT_MS)
    idle(qtbot, win.worker)
    return viewer


def test_viewer_filters_badge_export_and_lock(qtbot, window, vault_path, template_vault, clock, tmp_path):
    ids = seed(vault_path, template_vault[1], clock, tmp_path)
    win = window(vault_path, template_vault[1])
    viewer = open_viewer(qtbot, win)
    assert viewer.badge.text() == f"✔ Verified up to #{viewer.status.verified_up_to}"
    assert viewer.model.rowCount() == viewer.model.total

    # Person by (part of) their name.
    viewer.person.setText("lovelace")
    viewer.apply_filters()
    idle(qtbot, win.worker)
    assert viewer.model.scope.person == ids["ada"]
    assert {viewer.model.event_at(r).subject_id for r in range(viewer.model.rowCount())} == {ids["ada"]}
    assert "Ada Lovelace" in viewer.message.text()

    # Action and date range.
    viewer.reset_filters()
    viewer.action.setCurrentIndex(viewer.action.findData("person.created"))
    viewer.since_on.setChecked(True)
    viewer.since.setDate(viewer.since.date().fromString("2026-03-03", "yyyy-MM-dd"))
    viewer.apply_filters()
    idle(qtbot, win.worker)
    names = [viewer.model.data(viewer.model.index(r, 3)) for r in range(viewer.model.rowCount())]
    assert names == ["Bob Babbage"]

    # Export what the filters show, with progress, and check it verifies.
    out = tmp_path / "filtered.jsonl"
    with qtbot.waitSignal(viewer.exported, timeout=WAIT_MS):
        viewer.export_to(out, "jsonl")
        assert viewer.progress.isVisible() and viewer.cancel_button.isVisible()
    idle(qtbot, win.worker)
    assert not viewer.progress.isVisible()
    assert "Exported 1 events" in viewer.message.text()
    header = json.loads(out.read_text().splitlines()[0])
    assert header["scope"]["actions"] == ["person.created"] and header["scope"]["since"].startswith("2026-03-03")
    assert verify_export(out).ok

    if SCREENSHOTS:
        viewer.reset_filters()
        idle(qtbot, win.worker)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        QApplication.processEvents()
        viewer.grab().save(str(SCREENSHOTS / "audit-viewer.png"))

    # Lock: the viewer is hidden and holds nothing.
    with qtbot.waitSignal(win.locked, timeout=WAIT_MS):
        win.lock()
    QApplication.processEvents()
    assert not viewer.isVisible()
    assert viewer.model.rowCount() == 0 and viewer.person.text() == "" and viewer.message.text() == ""
    assert not win.audit_viewer_action.isEnabled()


def test_export_progress_and_cancel_leave_no_file(qtbot, window, vault_path, template_vault, clock, tmp_path):
    seed(vault_path, template_vault[1], clock, tmp_path, extra_events=30_000)
    win = window(vault_path, template_vault[1])
    viewer = open_viewer(qtbot, win)
    steps: list[tuple[int, int]] = []
    viewer.export_progressed.connect(lambda done, total: steps.append((done, total)))

    out = tmp_path / "all.csv"
    with qtbot.waitSignal(viewer.exported, timeout=60_000):
        viewer.export_to(out, "csv")
    assert steps and steps[-1][0] == steps[-1][1] > 30_000
    assert viewer.progress.maximum() == steps[-1][1]

    steps.clear()
    cancelled = tmp_path / "cancelled.jsonl"
    viewer.export_to(cancelled, "jsonl")
    qtbot.waitUntil(lambda: bool(steps), timeout=WAIT_MS)
    viewer.cancel_button.click()
    idle(qtbot, win.worker)
    assert "Cancelled" in viewer.message.text()
    assert not cancelled.exists()
    assert not any(p.name.startswith(".cancelled.jsonl") for p in tmp_path.iterdir())
    assert all(b.isEnabled() for b in viewer.export_buttons.values())


def test_badge_shows_where_the_chain_is_broken(qtbot, window, vault_path, template_vault, clock, tmp_path):
    seed(vault_path, template_vault[1], clock, tmp_path)
    conn = connect(vault_path, template_vault[1])
    try:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET action = 'person.deleted' WHERE seq = 3")
    finally:
        conn.close()
    win = window(vault_path, template_vault[1])
    viewer = open_viewer(qtbot, win)
    assert viewer.badge.text() == "✖ Broken at #3"
    assert "does not match its hash" in viewer.badge.toolTip()


def test_gui_unlock_event_counts_failed_attempts(qtbot, worker, vault_path, template_vault):
    """The GUI unlocks through the same worker call: failures are counted into the next unlock event."""
    errors: list[str] = []
    for _ in range(3):
        worker.open(vault_path, raw_key=bytes(32), on_error=lambda e: errors.append(str(e)))
        idle(qtbot, worker)
    assert len(errors) == 3 and all("passphrase" in e.lower() for e in errors)
    open_worker(qtbot, worker, vault_path, template_vault[1])
    model = AuditModel(worker)
    model.set_scope(ExportScope(actions=("vault.unlocked",)))
    idle(qtbot, worker)
    assert model.event_at(0).details == {"failed_attempts": 3}
    assert model.data(model.index(0, 4)) == "failed attempts: 3"


def test_person_activity_tab_uses_the_lazy_audit_model(qtbot, window, vault_path, template_vault, clock,
                                                       tmp_path):
    ids = seed(vault_path, template_vault[1], clock, tmp_path)
    vault = Vault.open(vault_path, raw_key=template_vault[1], clock=clock, config=AppConfig(tmp_path / "c2"))
    try:
        for number in range(260):  # more than one page
            vault.people.update(ids["ada"], PersonFields(title=f"Title {number}"))
    finally:
        vault.close()
    win = window(vault_path, template_vault[1])
    tab = next(t for t in win.workspace.detail._tabs if type(t).__name__ == "ActivityTab")
    assert isinstance(tab.model, AuditModel)
    win.workspace.show_person(ids["ada"])
    idle(qtbot, win.worker)
    assert tab.model.rowCount() == tab.model.page_size and tab.model.total == 262
    assert tab.model.data(tab.model.index(0, 1)) == "Edited"
    tab.table.scrollToBottom()
    qtbot.waitUntil(lambda: tab.model.rowCount() > tab.model.page_size, timeout=WAIT_MS)
    idle(qtbot, win.worker)
    win.workspace.show_person(ids["bob"])
    idle(qtbot, win.worker)
    assert {tab.model.event_at(r).subject_id for r in range(tab.model.rowCount())} == {ids["bob"]}
    with qtbot.waitSignal(win.locked, timeout=WAIT_MS):
        win.lock()
    assert tab.model.rowCount() == 0


def test_an_export_cut_short_by_a_lock_does_not_block_the_next_one(qtbot, window, vault_path, template_vault,
                                                                    clock, tmp_path):
    """Lock drops the export's result; the viewer must not wait for it after the next unlock."""
    import threading

    seed(vault_path, template_vault[1], clock, tmp_path)
    win = window(vault_path, template_vault[1])
    viewer = open_viewer(qtbot, win)
    gate, parked = threading.Event(), threading.Event()
    win.worker.call(lambda v: (parked.set(), gate.wait(WAIT_MS / 1000)), context=None)
    assert parked.wait(WAIT_MS / 1000)
    first = tmp_path / "first.jsonl"
    viewer.export_to(first, "jsonl")  # queued behind the gate
    assert viewer.cancel_button.isVisible()
    win.lock()
    gate.set()
    idle(qtbot, win.worker)
    assert not first.exists()  # cancelled before it wrote anything
    win.unlock_page.unlock_with_key(template_vault[1])
    qtbot.waitUntil(lambda: win.is_unlocked, timeout=WAIT_MS)
    viewer = open_viewer(qtbot, win)
    assert all(b.isEnabled() for b in viewer.export_buttons.values())
    second = tmp_path / "second.jsonl"
    with qtbot.waitSignal(viewer.exported, timeout=WAIT_MS):
        viewer.export_to(second, "jsonl")
    assert second.exists()

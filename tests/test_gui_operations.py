"""The GUI's operations layer on a real vault and a real worker thread: callbacks bound to the
object that owns them, progress with a cancel handle, and the one notifier.

The worker is held at a gate (a job that waits on an event) so that "while a call is in
flight" is a fact of the test, not a race.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject

from ui.person_dialog import PersonDialog
from ui.worker import VaultWorker
from vault.config import AppConfig
from vault.errors import Cancelled, VaultError
from vault.importing import apply_plan, plan_import

pytestmark = pytest.mark.gui
WAIT_MS = 20_000


@pytest.fixture
def worker(qtbot, vault_path: Path, template_vault, clock, tmp_path: Path) -> Iterator[VaultWorker]:
    made = VaultWorker(clock=clock, config=AppConfig(tmp_path / "cfg"))
    with qtbot.waitSignal(made.opened, timeout=WAIT_MS):
        made.open(vault_path, raw_key=template_vault[1])
    yield made
    made.shutdown()


def hold(worker: VaultWorker) -> threading.Event:
    """Park the worker thread until the returned event is set (the calls after it wait their turn)."""
    gate, parked = threading.Event(), threading.Event()

    def wait(_vault: object) -> None:
        parked.set()
        assert gate.wait(WAIT_MS / 1000)

    worker.call(wait, context=None)
    assert parked.wait(WAIT_MS / 1000)
    return gate


def destroy(obj: QObject) -> None:
    """What closing a dialog with WA_DeleteOnClose (or deleteLater) does, done now."""
    obj.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def run(qtbot, worker: VaultWorker, fn):
    box: dict[str, object] = {}
    worker.call(fn, lambda value: box.setdefault("value", value), lambda error: box.setdefault("error", error),
                context=None)
    qtbot.waitUntil(lambda: box != {}, timeout=WAIT_MS)
    assert "error" not in box, box.get("error")
    return box["value"]


def count_people(qtbot, worker: VaultWorker) -> int:
    return run(qtbot, worker, lambda v: v.conn.execute("SELECT count(*) FROM people").fetchone()[0])


# --- callbacks bound to a context ------------------------------------------------------------


def refuse(_vault: object) -> None:
    raise Cancelled()


def test_callbacks_run_only_while_their_context_lives(qtbot, worker):
    gone, alive = QObject(), QObject()
    calls: list[str] = []
    gate = hold(worker)
    worker.call(lambda v: 1, lambda _r: calls.append("gone: result"), context=gone)
    worker.call(refuse, on_error=lambda _e: calls.append("gone: error"), context=gone)
    worker.call(lambda v: 1, lambda _r: calls.append("alive: result"), context=alive)
    destroy(gone)
    gate.set()
    qtbot.waitUntil(lambda: not worker.busy, timeout=WAIT_MS)
    assert calls == ["alive: result"]


def test_a_dialog_closed_while_its_save_is_in_flight_gets_no_callback(qtbot, worker):
    """The save still happens (it was asked for); only the deleted dialog is left alone."""
    dialog = PersonDialog(worker)
    dialog.full_name.setText("Ada Lovelace")
    dialog.show()
    saved: list[str] = []
    dialog.saved.connect(saved.append)
    changed: list[str] = []
    worker.data_changed.connect(changed.append)
    gate = hold(worker)
    dialog.save()  # queued behind the gate: in flight
    dialog.close()
    destroy(dialog)
    # Had the result been delivered, the dialog's own callback would have crashed the slot:
    with pytest.raises(RuntimeError, match="already deleted"):
        dialog._saved("any")
    gate.set()
    qtbot.waitUntil(lambda: not worker.busy, timeout=WAIT_MS)
    QCoreApplication.processEvents()
    assert saved == [] and changed == []  # no callback ran (it would have emitted both)
    assert count_people(qtbot, worker) == 1


def test_opening_reports_to_a_live_page_only(qtbot, worker, vault_path, template_vault):
    owner = QObject()
    results: list[object] = []
    opened: list[object] = []
    worker.opened.connect(opened.append)
    gate = hold(worker)
    worker.open(vault_path, raw_key=template_vault[1], on_result=results.append, context=owner)
    destroy(owner)
    gate.set()
    qtbot.waitUntil(lambda: not worker.busy, timeout=WAIT_MS)
    assert results == [] and len(opened) == 1  # the worker itself still knows the vault is open
    assert worker.is_open


# --- progress and cancellation -----------------------------------------------------------------


def people_csv(rows: int) -> bytes:
    lines = ["Name,Email"] + [f"Person {i:05d},person{i}@example.com" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_cancel_handle_stops_an_import_in_progress_and_nothing_is_written(qtbot, worker):
    rows = 2_500
    plan = run(qtbot, worker, lambda v: plan_import(v, people_csv(rows), "people.csv", fmt="csv",
                                                    mapping={"1": "full_name", "2": "email"}))
    assert sum(r.outcome == "new" for r in plan.rows) == rows
    reached, go_on = threading.Event(), threading.Event()
    written_midway: list[int] = []

    def apply(vault, report):  # runs on the worker thread
        def watched(done: int, total: int) -> bool:
            if done == 1_500:  # past the first batch of 1,000: rows are written, not yet committed
                written_midway.append(vault.conn.execute("SELECT count(*) FROM people").fetchone()[0])
                reached.set()
                assert go_on.wait(WAIT_MS / 1000)
            return report(done, total)

        return apply_plan(vault, plan, watched)

    progress: list[tuple[int, int]] = []
    outcome: list[object] = []
    owner = QObject()
    handle = worker.call_with_progress(apply, context=owner, on_progress=lambda d, t: progress.append((d, t)),
                                       on_result=outcome.append, on_error=outcome.append)
    assert reached.wait(WAIT_MS / 1000)
    handle.cancel()
    go_on.set()
    qtbot.waitUntil(lambda: bool(outcome), timeout=WAIT_MS)
    assert isinstance(outcome[0], Cancelled)
    assert handle.cancelled
    assert written_midway and written_midway[0] >= 1_000  # it really was half-way through
    assert progress and progress[0][1] == rows and progress[-1][0] < rows
    assert count_people(qtbot, worker) == 0  # rolled back: not one row of the import remains
    events = run(qtbot, worker, lambda v: v.conn.execute(
        "SELECT count(*) FROM audit WHERE action = 'person.created'").fetchone()[0])
    assert events == 0
    assert not plan.applied


def test_progress_reaches_the_gui_and_the_result_arrives(qtbot, worker):
    plan = run(qtbot, worker, lambda v: plan_import(v, people_csv(300), "people.csv", fmt="csv",
                                                    mapping={"1": "full_name", "2": "email"}))
    progress: list[tuple[int, int]] = []
    outcome: list[object] = []
    owner = QObject()
    handle = worker.call_with_progress(lambda v, report: apply_plan(v, plan, report), context=owner,
                                       on_progress=lambda d, t: progress.append((d, t)),
                                       on_result=outcome.append, on_error=outcome.append)
    qtbot.waitUntil(lambda: bool(outcome), timeout=WAIT_MS)
    assert not isinstance(outcome[0], VaultError), outcome[0]
    assert progress[-1] == (300, 300)  # the last report always goes through
    assert len(progress) <= 300
    assert not handle.cancelled
    assert count_people(qtbot, worker) == 300


def test_stop_in_the_import_wizard_uses_the_cancel_handle(qtbot, worker, tmp_path):
    from ui.contacts.import_wizard import ImportWizard

    source = tmp_path / "people.csv"
    source.write_bytes(people_csv(20))
    wizard = ImportWizard(worker, None, str(source))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.format.setCurrentIndex(wizard.file_page.format.findData("csv"))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=WAIT_MS)
    wizard.mapping_page.set_field("Name", "full_name")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.plan is not None and wizard.preview_page.isComplete(), timeout=WAIT_MS)
    gate = hold(worker)
    wizard.next()  # the import is queued behind the gate
    page = wizard.report_page
    assert page.running is not None and page.stop.isEnabled()
    page.stop.click()
    assert page.running.cancelled and not page.stop.isEnabled()
    gate.set()
    qtbot.waitUntil(lambda: page.done, timeout=WAIT_MS)
    assert "Nothing was imported" in page.summary.text()
    assert page.running is None
    assert count_people(qtbot, worker) == 0


# --- the notifier ------------------------------------------------------------------------------


def test_the_gui_tests_get_the_recording_notifier(qtbot, notifier):
    from tests.helpers.notifier import RecordingNotifier, UnscriptedQuestion
    from ui.notifier import notifier as current

    assert isinstance(notifier, RecordingNotifier) and current() is notifier
    current().info(None, "Saved.")
    current().error(None, "That did not work.")
    assert notifier.messages() == ["Saved.", "That did not work."]
    assert notifier.last_error == "That did not work."
    notifier.answer(True)
    assert current().confirm(None, "Remove", "Remove it?")
    with pytest.raises(UnscriptedQuestion):
        current().ask(None, "Again?", "Unscripted")
    notifier.choose("/tmp/x.zip", "")
    assert current().choose_save_file(None, "Save") == "/tmp/x.zip"
    assert current().choose_open_files(None, "Add") == []


def test_the_real_notifier_does_not_block_and_its_boxes_go_away_when_closed(qtbot):
    from PySide6.QtWidgets import QMessageBox, QWidget

    from ui.notifier import Notifier

    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    real = Notifier()
    real.warning(parent, "The check found problems.")  # returns at once: safe inside a worker callback
    real.info(None, "No parent.")
    boxes = [b for b in parent.findChildren(QMessageBox) if b.isVisible()]
    assert [b.text() for b in boxes] == ["The check found problems."]
    assert boxes[0].icon() == QMessageBox.Icon.Warning
    boxes[0].close()
    for box in list(real._open):
        box.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert parent.findChildren(QMessageBox) == [] and real._open == set()


# --- the layer stays the only way --------------------------------------------------------------

UI = Path(__file__).resolve().parent.parent / "ui"


def ui_sources() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(UI.rglob("*.py")):
        yield str(path.relative_to(UI.parent)), ast.parse(path.read_text(encoding="utf-8"))


def test_every_worker_call_in_ui_names_a_living_context():
    """``context=None`` would let a callback outlive its widget; only the worker itself may omit it."""
    unbound = []
    for name, tree in ui_sources():
        if name == "ui/worker.py":
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("call", "call_with_progress")
                    and "worker" in ast.unparse(node.func.value)):
                context = next((k.value for k in node.keywords if k.arg == "context"), None)
                if context is None or (isinstance(context, ast.Constant) and context.value is None):
                    unbound.append(f"{name}:{node.lineno}")
    assert unbound == []


def test_only_the_notifier_builds_message_boxes_and_file_dialogs():
    direct = [f"{name}:{node.lineno}" for name, tree in ui_sources() if name != "ui/notifier.py"
              for node in ast.walk(tree)
              if isinstance(node, ast.Name | ast.alias) and getattr(node, "id", getattr(node, "name", ""))
              in ("QMessageBox", "QFileDialog")]
    assert direct == []

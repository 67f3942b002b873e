"""The desktop app at scale: the real window on the benchmark vault (a script, not a timed test).

    python tests/benchmarks/gui_at_scale.py --vault bench-out/full/bench.cvault --passphrase '…'

1. Launch: starts ``contact-vault``'s GUI path (``ui.app.run_app``) in a fresh interpreter and
   times process start to the unlock page being shown (interpreter start-up and imports included).
2. In this process, a real ``MainWindow``: types the passphrase on the unlock page and presses
   Enter (the real key derivation), waits for the first page of the people list, types a query
   into the search box key by key and records the time to the first results (from the last
   keystroke, debounce included, and from the search itself), then scrolls the list:
   a thumb drag from top to bottom (each step painted, as a user sees it), then jumping to the
   end until every id is paged in (or a time cap), recording how many rows of person data the
   model actually fetched (``PeopleModel.rows_fetched``: the model pages in ids only and fetches
   row data in small blocks for the rows the view shows) and the process RSS.

Prints one JSON object. Runs offscreen unless ``QT_QPA_PLATFORM`` says otherwise (Xvfb works too).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch a real keyring from a benchmark; the app hides "remember" with this backend.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

PROBE = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([sys.argv[0]])
def check():
    for widget in QApplication.topLevelWidgets():
        page = getattr(widget, "unlock_page", None)
        if page is not None and widget.isVisible() and widget.stack.currentWidget() is page and page.isVisible():
            print("UNLOCK_PAGE_SHOWN", flush=True)
            app.exit(0)
            return
    QTimer.singleShot(5, check)
QTimer.singleShot(0, check)
from ui.app import run_app
from ui.launcher import gui_options
sys.exit(run_app(gui_options(["--vault", sys.argv[1]])))
"""


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def launch_to_unlock_page(vault: Path, runs: int = 3) -> dict[str, Any]:
    """Process start to the unlock page on screen, in a fresh interpreter each time."""
    times: list[float] = []
    env = dict(os.environ)
    env["CONTACT_VAULT_CONFIG_DIR"] = tempfile.mkdtemp(prefix="cv-bench-launch-")
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", PROBE, str(vault)], cwd=REPO, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - start
        proc.wait(timeout=60)
        if "UNLOCK_PAGE_SHOWN" not in line:
            raise RuntimeError(f"the unlock page never showed: {proc.stderr.read() if proc.stderr else ''}")
        times.append(elapsed)
    return {"launch_to_unlock_page_s": round(sorted(times)[len(times) // 2], 3),
            "launch_runs_s": [round(t, 3) for t in times]}


def in_window(vault: Path, passphrase: str, query: str, scroll_cap_s: float) -> dict[str, Any]:
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    os.environ.setdefault("CONTACT_VAULT_CONFIG_DIR", tempfile.mkdtemp(prefix="cv-bench-gui-"))
    from ui.main_window import MainWindow
    from ui.people_model import PLACEHOLDER

    out: dict[str, Any] = {"rss_before_window_mb": round(rss_mb(), 1)}
    window = MainWindow(vault_path=vault)
    window.show()
    window.start()
    workspace = window.workspace
    model = workspace.model

    def wait_for(predicate: Any, timeout: float = 120.0) -> float:
        start = time.perf_counter()
        while not predicate():
            if time.perf_counter() - start > timeout:
                raise TimeoutError("the window did not get there in time")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        return time.perf_counter() - start

    wait_for(lambda: window.stack.currentWidget() is window.unlock_page)
    QTest.keyClicks(window.unlock_page.passphrase, passphrase)
    start = time.perf_counter()
    QTest.keyClick(window.unlock_page.passphrase, Qt.Key.Key_Return)
    wait_for(lambda: window.stack.currentWidget() is workspace)
    out["unlock_with_kdf_s"] = round(time.perf_counter() - start, 3)
    wait_for(lambda: model.rowCount() > 0 and not model.loading and not window.worker.busy)
    out["unlock_to_first_page_s"] = round(time.perf_counter() - start, 3)
    out["total_people"] = model.total
    out["rows_after_first_page"] = model.rows_fetched  # rows of data, not ids
    out["ids_after_first_page"] = model.rowCount()
    out["rss_after_unlock_mb"] = round(rss_mb(), 1)

    # Search as you type: keystrokes into the real search box.
    loaded: list[tuple[float, int, bool]] = []
    model.loaded.connect(lambda total, is_search: loaded.append((time.perf_counter(), total, is_search)))
    workspace.search.setFocus()
    QTest.keyClicks(workspace.search, query, delay=40)
    typed = time.perf_counter()
    wait_for(lambda: any(is_search for _, _, is_search in loaded) and not model.loading and not window.worker.busy)
    when, total, _ = next(item for item in loaded if item[2])
    out["search_query"] = query
    out["search_matches"] = total
    out["search_first_results_after_last_key_s"] = round(when - typed, 3)
    out["search_debounce_ms"] = workspace._debounce.interval()
    loaded.clear()
    start = time.perf_counter()
    workspace.search_now()
    wait_for(lambda: bool(loaded) and not model.loading)
    out["search_first_results_without_debounce_s"] = round(loaded[0][0] - start, 3)

    # Back to everybody, then scroll like a user dragging the scrollbar thumb top to bottom.
    loaded.clear()
    workspace.search.clear()
    fetched_before = model.rows_fetched  # count row data from the reload of the whole list on

    def fetched() -> int:
        return model.rows_fetched - fetched_before

    def painted_and_idle() -> None:
        app.processEvents()  # let the view paint (and so ask for the rows on screen)
        wait_for(lambda: not window.worker.busy)

    workspace.search_now()
    wait_for(lambda: bool(loaded) and not model.loading and not window.worker.busy)
    table = workspace.table
    bar = table.verticalScrollBar()
    out["visible_rows"] = table.rowAt(table.viewport().height() - 1) - table.rowAt(0) + 1
    steps = 60
    start = time.perf_counter()
    for step in range(steps + 1):
        bar.setValue(round(bar.maximum() * step / steps))
        painted_and_idle()
    out["thumb_drag_s"] = round(time.perf_counter() - start, 3)
    out["rows_fetched_after_thumb_drag"] = fetched()
    out["ids_after_thumb_drag"] = model.rowCount()

    # Then keep jumping to the end until the list is exhausted (the worst case for memory).
    start = time.perf_counter()
    jumps = 0
    while model.canFetchMore() or window.worker.busy:
        if time.perf_counter() - start > scroll_cap_s:
            break
        table.scrollToBottom()
        jumps += 1
        painted_and_idle()
        QTimer.singleShot(0, lambda: None)
    table.scrollToBottom()  # the last page of ids went in after the last jump: show the very end
    painted_and_idle()
    last = model.index(model.rowCount() - 1, 0)
    out["scroll_to_end_s"] = round(time.perf_counter() - start, 2)
    out["scroll_to_end_jumps"] = jumps
    out["reached_end"] = not model.canFetchMore()
    out["last_row_shown"] = model.row_loaded(model.rowCount() - 1) and model.data(last) not in (None, PLACEHOLDER)
    out["ids_at_end"] = model.rowCount()
    out["rows_fetched_at_end"] = fetched()
    out["rows_fetched_fraction"] = round(fetched() / max(model.total, 1), 4)
    out["rows_cached_at_end"] = model.cached_rows
    out["rss_after_scroll_mb"] = round(rss_mb(), 1)
    import psutil

    mem = psutil.Process().memory_full_info()
    out["uss_after_scroll_mb"] = round(mem.uss / 2**20, 1)
    out["gui_rss_mb"] = out["rss_after_scroll_mb"]
    window.worker.shutdown()
    window.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vault", type=Path, required=True)
    parser.add_argument("--passphrase", required=True)
    parser.add_argument("--query", default="python kubernetes")
    parser.add_argument("--scroll-cap", type=float, default=300.0, help="seconds to keep scrolling at most")
    args = parser.parse_args(argv)
    vault = args.vault.absolute()
    result = {"platform": os.environ.get("QT_QPA_PLATFORM", "")}
    result.update(launch_to_unlock_page(vault))
    result.update(in_window(vault, args.passphrase, args.query, args.scroll_cap))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The package checker page (verify.html) on a 20 MB package, in headless Chromium.

Builds one real share package of about 20 MB (an incompressible one-page resume, as a scanned
resume is) in a scratch vault, opens the verify.html it carries, and drops the zip on it
several times. Prints one JSON object: the page's own time from the file being picked to the
verdict (median and worst of the runs), and the baseline: Python's verify_package on the same
file. Run by tests/benchmarks/run.py; alone: python tests/benchmarks/verify_page_at_size.py
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.helpers.packages import entries_of, make_package, noise_pdf  # noqa: E402
from vault.clock import FixedClock  # noqa: E402
from vault.config import AppConfig  # noqa: E402
from vault.sharing import verify_package  # noqa: E402
from vault.store import Vault  # noqa: E402

RUNS = 5


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        print(json.dumps({"skipped": "no chromium or Playwright"}))
        return 0
    with tempfile.TemporaryDirectory(prefix="cv-verify-bench-") as scratch:
        folder = Path(scratch)
        clock = FixedClock("2026-03-01T09:30:00.000Z")
        vault = Vault.create(folder / "bench.cvault", "benchmark passphrase for the page", owner_name="Bench",
                             organisation="Bench Ltd", email="bench@example.com", clock=clock,
                             config=AppConfig(folder / "config"))
        try:
            package = make_package(vault, folder / "package-20mb.zip", pdf=noise_pdf(19 * 1024 * 1024 + 600_000))
            started = time.perf_counter()
            report = verify_package(package, now=vault.now())
            python_s = time.perf_counter() - started
            assert report.ok, report.problems
        finally:
            vault.close()
        page_file = folder / "verify.html"
        page_file.write_bytes(entries_of(package)["verify.html"])
        times, walls, verdicts = [], [], []
        with sync_playwright() as play:
            browser = play.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            for _ in range(RUNS):
                page = browser.new_page()
                page.goto(page_file.as_uri())
                started = time.perf_counter()
                page.set_input_files("#package", str(package))
                page.wait_for_function(
                    "() => /^(NOT VALID|VALID)/.test(document.getElementById('verdict').textContent)", timeout=60_000)
                walls.append(time.perf_counter() - started)
                times.append(int(page.evaluate("document.documentElement.dataset.checkedInMs")) / 1000)
                verdicts.append(page.inner_text("#verdict")[:5])
                page.close()
            browser.close()
        print(json.dumps({
            "verify_page_package_mb": round(package.stat().st_size / 2**20, 1),
            "verify_page_20mb_s": round(statistics.median(times), 3),
            "verify_page_20mb_worst_s": round(max(times), 3),
            "verify_page_20mb_wall_s": round(statistics.median(walls), 3),
            "verify_page_python_baseline_s": round(python_s, 3),
            "verify_page_all_valid": all(v == "VALID" for v in verdicts),
            "chromium": chromium,
        }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

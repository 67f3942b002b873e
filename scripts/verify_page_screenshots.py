"""docs/verify-valid.png and docs/verify-altered.png: the package checker page in headless Chromium,
on a package made by the app and on the same package with one byte of its resume changed."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.packages import entries_of, make_package, write_zip  # noqa: E402
from vault.clock import FixedClock  # noqa: E402
from vault.config import AppConfig  # noqa: E402
from vault.store import Vault  # noqa: E402


def main(out: Path) -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("no chromium installed: skipped the verify.html screenshots", file=sys.stderr)
        return 0
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="cv-verify-shots-") as scratch:
        folder = Path(scratch)
        vault = Vault.create(folder / "shots.cvault", "screenshots passphrase, throw-away", owner_name="Morgan Ellis",
                             organisation="Ellis Talent Partners", email="morgan@ellis-talent.example",
                             clock=FixedClock("2026-11-20T10:00:00.000Z"), config=AppConfig(folder / "config"))
        try:
            package = make_package(vault, folder / "jane-doe-to-acme.zip", valid_until="2027-05-20")
        finally:
            vault.close()
        entries = entries_of(package)
        pdf = entries["jane-doe-resume.pdf"]
        entries["jane-doe-resume.pdf"] = pdf[:900] + bytes([pdf[900] ^ 0x01]) + pdf[901:]
        altered = write_zip(folder / "jane-doe-to-acme-altered.zip", entries)
        page_file = folder / "verify.html"
        page_file.write_bytes(entries_of(package)["verify.html"])
        with sync_playwright() as play:
            browser = play.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            for name, zip_file in (("verify-valid.png", package), ("verify-altered.png", altered)):
                page = browser.new_page(viewport={"width": 960, "height": 1000})
                page.goto(page_file.as_uri())
                page.set_input_files("#package", str(zip_file))
                page.wait_for_function(
                    "() => /^(NOT VALID|VALID)/.test(document.getElementById('verdict').textContent)")
                page.screenshot(path=str(out / name), full_page=True)
                page.close()
            browser.close()
    print(f"wrote {out / 'verify-valid.png'} and {out / 'verify-altered.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs"))

"""verify.html, the checker inside every package, in a real headless Chromium.

Real packages made by the app are dropped on the page (through its file input): a valid one, one
with a byte of the PDF changed, one with the manifest changed, one signed by another key, one with
a file added and one removed, and one whose consent has since expired. Each gets the right verdict.
Both signature engines run: the browser's WebCrypto Ed25519 and the vendored noble-ed25519.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.packages import entries_of, make_package, noise_pdf, write_zip
from vault.identity import OwnerKey
from vault.sharing.verify_page import VENDOR_SHA256, verify_page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium browser installed (scripts/system-deps.sh)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as play:
        launched = play.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def page_for(browser, tmp_path):
    """Open the verify.html a package carries, straight from the file the recipient would open."""
    opened = []

    def open_page(package: Path, engine: str = "") -> object:
        html = tmp_path / "verify.html"
        html.write_bytes(entries_of(package)["verify.html"])
        context = browser.new_context()
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(html.as_uri())
        if engine:
            page.evaluate(f"document.documentElement.dataset.engine = '{engine}'")
        page.set_input_files("#package", str(package))
        page.wait_for_function(
            "() => /^(NOT VALID|VALID)/.test(document.getElementById('verdict').textContent)", timeout=20_000)
        page.requests = requests  # type: ignore[attr-defined]
        opened.append(context)
        return page

    yield open_page
    for context in opened:
        context.close()


def verdict(page) -> str:
    return page.inner_text("#verdict")


def test_the_page_is_self_contained_pinned_and_locked_down(vault, tmp_path):
    package = make_package(vault, tmp_path / "package.zip")
    html = entries_of(package)["verify.html"].decode("utf-8")
    assert html.encode("utf-8") == verify_page()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html and "connect-src 'none'" in html
    assert "unsafe-inline" not in html and "<script src" not in html and "<link" not in html
    bundle = (Path(__file__).resolve().parent.parent / "resources/verify/vendor/noble-bundle.js").read_bytes()
    assert hashlib.sha256(bundle).hexdigest() == VENDOR_SHA256
    manifest = json.loads(entries_of(package)["manifest.json"])
    assert any(f["name"] == "verify.html" and f["role"] == "verify-page" for f in manifest["files"])
    readme = entries_of(package)["README.txt"].decode()
    assert readme.index("verify.html") < readme.index("minisign -Vm")


@pytest.mark.parametrize("engine", ["webcrypto", "vendored"])
def test_a_genuine_package_is_valid_and_says_what_was_agreed(vault, tmp_path, page_for, engine):
    package = make_package(vault, tmp_path / "package.zip")
    page = page_for(package, engine)
    text = verdict(page)
    assert text.startswith("VALID"), text
    assert "valid until 2099-12-31" in text
    assert page.inner_text("#person") == "Jane Q. Doe"
    assert page.inner_text("#recipient").startswith("Bob Client (Acme)")
    assert page.inner_text("#purpose") == "Staff Engineer at Acme"
    fingerprint = page.inner_text("#fingerprint").replace(" ", "")
    assert fingerprint == vault.owner.identity.fingerprint
    assert "jane-doe-resume.pdf" in page.inner_text("#files")
    assert page.evaluate("document.documentElement.dataset.engineUsed") == (
        "WebCrypto" if engine == "webcrypto" else "noble-ed25519")
    assert page.requests == [page.url]  # nothing but the page itself: no network at all


@pytest.mark.parametrize("engine", ["webcrypto", "vendored"])
def test_one_byte_of_the_pdf_changed_is_not_valid(vault, tmp_path, page_for, engine):
    package = make_package(vault, tmp_path / "package.zip")
    entries = entries_of(package)
    pdf = entries["jane-doe-resume.pdf"]
    entries["jane-doe-resume.pdf"] = pdf[:500] + bytes([pdf[500] ^ 0x01]) + pdf[501:]
    text = verdict(page_for(write_zip(tmp_path / "altered.zip", entries), engine))
    assert text.startswith("NOT VALID"), text
    assert "jane-doe-resume.pdf was changed" in text


def test_a_changed_manifest_is_not_valid(vault, tmp_path, page_for):
    package = make_package(vault, tmp_path / "package.zip")
    entries = entries_of(package)
    entries["manifest.json"] = entries["manifest.json"].replace(b"Staff Engineer at Acme", b"Staff Engineer at Evil")
    text = verdict(page_for(write_zip(tmp_path / "altered.zip", entries)))
    assert text.startswith("NOT VALID"), text
    assert "signature does not match manifest.json" in text


def test_a_signature_from_another_key_is_not_valid(vault, tmp_path, page_for):
    package = make_package(vault, tmp_path / "package.zip")
    entries = entries_of(package)
    other = OwnerKey(OwnerKey.generate()[0])
    entries["manifest.json.minisig"] = other.minisign(entries["manifest.json"], "package:x").encode()
    text = verdict(page_for(write_zip(tmp_path / "resigned.zip", entries)))
    assert text.startswith("NOT VALID"), text
    assert "different key" in text


def test_a_package_re_signed_with_the_attackers_key_shows_the_attackers_fingerprint(vault, tmp_path, page_for):
    """The page cannot vouch for itself or the sender: it shows whose key signed, to compare by eye."""
    package = make_package(vault, tmp_path / "package.zip")
    entries = entries_of(package)
    other = OwnerKey(OwnerKey.generate()[0])
    manifest = json.loads(entries["manifest.json"])
    manifest["sender"]["public_key"] = other.public.minisign_base64()
    manifest["sender"]["fingerprint"] = other.public.fingerprint
    import rfc8785
    entries["manifest.json"] = rfc8785.dumps(manifest)
    entries["manifest.json.minisig"] = other.minisign(entries["manifest.json"], "package:x").encode()
    entries["SHA256SUMS"] = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in entries.items()
                                    if name != "SHA256SUMS").encode()
    page = page_for(write_zip(tmp_path / "forged.zip", entries))
    assert verdict(page).startswith("VALID")  # a complete forgery verifies: only the fingerprint tells
    assert page.inner_text("#fingerprint").replace(" ", "") == other.public.fingerprint
    assert page.inner_text("#fingerprint").replace(" ", "") != vault.owner.identity.fingerprint
    assert "Compare the full fingerprint" in verdict(page)


def test_a_file_added_and_one_removed_are_not_valid(vault, tmp_path, page_for):
    package = make_package(vault, tmp_path / "package.zip")
    entries = entries_of(package)
    del entries["contact.vcf"]
    entries["salary-history.pdf"] = b"%PDF-1.4 smuggled"
    text = verdict(page_for(write_zip(tmp_path / "altered.zip", entries)))
    assert text.startswith("NOT VALID"), text
    assert "contact.vcf is listed in the manifest but missing" in text
    assert "salary-history.pdf is in the package but not in the manifest" in text


def test_an_expired_consent_is_valid_with_the_expiry_shown(vault, tmp_path, page_for):
    # The vault's clock is 2026-03-01: the share was allowed then; today the consent has ended.
    package = make_package(vault, tmp_path / "package.zip", valid_until="2026-04-30")
    page = page_for(package)
    text = verdict(page)
    assert text.startswith("VALID"), text
    assert "expired on 2026-04-30" in text
    assert page.inner_text("#valid-until") == "2026-04-30 (EXPIRED)"


def test_not_a_zip_is_not_valid(vault, tmp_path, page_for):
    package = make_package(vault, tmp_path / "package.zip")
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"this is not a zip at all" * 10)
    text = verdict(page_for_file(page_for, package, junk))
    assert text.startswith("NOT VALID") and "not a zip" in text


def page_for_file(page_for, package: Path, dropped: Path):
    """Open the page of ``package`` and check another file with it."""
    page = page_for(package)
    page.set_input_files("#package", str(dropped))
    page.wait_for_function(
        f"() => document.getElementById('file-name').textContent === {json.dumps(dropped.name)} && "
        "/^(NOT VALID|VALID)/.test(document.getElementById('verdict').textContent)", timeout=20_000)
    return page


def test_a_large_package_verifies(vault, tmp_path, page_for):
    """The 20 MB case of the benchmark (timed there, not here), checked for its verdict."""
    package = make_package(vault, tmp_path / "large.zip", pdf=noise_pdf(19 * 1024 * 1024))
    assert package.stat().st_size > 19 * 1024 * 1024
    page = page_for(package)
    assert verdict(page).startswith("VALID"), verdict(page)

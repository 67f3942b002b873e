"""The canary check, end to end, for PDF and Word resumes: a person agreed to share their resume
only (no e-mail, no phone). Through the real CLI (subprocesses) and the real share wizard (qtbot),
the package's resume holds none of their contact details in any form, nor anyone else's, keeps
its experience and page count, and the package still passes `verify`, stock `minisign -V` and
`sha256sum -c`."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from tests.conftest import CLI, cli_env
from tests.helpers.leaks import texts_of, where_found
from tests.helpers.resumes import (
    EMAIL,
    KEPT,
    OTHER_EMAIL,
    OTHER_PHONE,
    PHONE,
    PHONE_FORMS,
    PROFILE,
    contact_resume_docx,
    contact_resume_pdf,
)
from tests.test_share_content import canary_world
from vault import sharing
from vault.config import AppConfig
from vault.sharing.convert import find_converter
from vault.store import Vault

MINISIGN = shutil.which("minisign")
SHA256SUM = shutil.which("sha256sum")
WAIT_MS = 60_000
KINDS = ["pdf", pytest.param("docx", marks=pytest.mark.skipif(find_converter() is None,
                                                               reason="LibreOffice is not installed"))]


def resume_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"jane-harrow-cv.{kind}"
    path.write_bytes(contact_resume_pdf() if kind == "pdf" else contact_resume_docx())
    return path


def assert_canary(pdf: bytes, *, pages: int | None = 3) -> None:
    for kind, value in [("email", EMAIL), ("phone", PHONE), ("email", OTHER_EMAIL), ("phone", OTHER_PHONE),
                        ("link", PROFILE)]:
        assert where_found(pdf, kind, value) == [], value
    for form in PHONE_FORMS:
        assert where_found(pdf, "phone", form) == [], form
    for name, text in texts_of(pdf).items():
        flat = " ".join(text.split())
        assert all(k in flat for k in KEPT), name
    if pages is not None:
        assert len(PdfReader(io.BytesIO(pdf)).pages) == pages


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return done


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_cli_canary(tmp_path, kind):
    env = cli_env(tmp_path / "v.cvault", tmp_path / "config")
    run(env, "init", "--name", "Rita", "--org", "Rita Recruiting")
    person = json.loads(run(env, "person", "add", "--name", "Jane Harrow", "--email", EMAIL, "--phone", PHONE,
                            "--json").stdout)
    pid = person["id"][:8]
    run(env, "resume", "add", pid, str(resume_file(tmp_path, kind)))
    run(env, "recipient", "add", "Bob Client", "--email", "bob@acme.example", "--organisation", "Acme")
    run(env, "authorise", pid, "--recipient", "Bob Client", "--scope", "resume", "--purpose", "Staff Engineer",
        "--method", "email", "--obtained", "2020-01-01", "--valid-until", "2099-12-31")
    out = tmp_path / "share.zip"
    made = run(env, "share", pid, "--recipient", "Bob Client", "--out", str(out), "--redact", "95000 GBP")
    assert "removed:" in made.stdout and "phone" in made.stdout
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(unpacked)
    assert not list(unpacked.glob("*.docx"))
    pdf = (unpacked / "jane-harrow-cv.pdf").read_bytes()
    assert_canary(pdf, pages=None if kind == "docx" else 3)
    assert where_found(pdf, "manual", "95000") == []
    manifest = json.loads((unpacked / "manifest.json").read_text())
    entry = next(f for f in manifest["files"] if f["role"] == "resume")
    assert entry["redactions"]["phone"] >= 6 and entry["redactions"]["manual"] == 1
    assert (entry["converter"] is not None) == (kind == "docx")
    assert "7946" not in json.dumps(manifest)
    assert run(env, "verify", str(out), "--sender-key", str(unpacked / "sender.pub")).stdout.count("VALID")
    if MINISIGN and SHA256SUM:
        pub = (unpacked / "sender.pub").read_text().splitlines()[1]
        signed = subprocess.run([MINISIGN, "-Vm", "manifest.json", "-P", pub], cwd=unpacked, capture_output=True)
        assert signed.returncode == 0, signed.stderr
        sums = subprocess.run([SHA256SUM, "-c", "SHA256SUMS"], cwd=unpacked, capture_output=True, text=True)
        assert sums.returncode == 0, sums.stdout


@pytest.mark.gui
@pytest.mark.parametrize("kind", KINDS)
def test_gui_canary(qtbot, vault_path, template_vault, clock, tmp_path, kind):
    from ui.sharing.share_wizard import ShareWizard
    from ui.worker import VaultWorker

    data = resume_file(tmp_path, kind).read_bytes()
    with Vault.open(vault_path, raw_key=template_vault[1], clock=clock, config=AppConfig(tmp_path / "seed")) as v:
        person, _ = canary_world(v, data, f"jane-harrow-cv.{kind}")
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "app-config"))
    try:
        opened: list[object] = []
        worker.open(vault_path, raw_key=template_vault[1], on_result=opened.append)
        qtbot.waitUntil(lambda: bool(opened), timeout=WAIT_MS)
        wizard = ShareWizard(worker, person)
        qtbot.addWidget(wizard)
        wizard.show()
        qtbot.waitUntil(lambda: wizard.loaded, timeout=WAIT_MS)
        next_button = wizard.button(QWizard.WizardButton.NextButton)
        qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
        wizard.recipient_page.combo.setCurrentIndex(wizard.recipient_page.combo.findText("Bob Client (Acme)"))
        qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: wizard.auth_page.isComplete(), timeout=WAIT_MS)
        qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
        preview = wizard.preview_page
        qtbot.waitUntil(lambda: preview.loaded, timeout=WAIT_MS)
        # The preview shows the redacted, stamped pages and lists what was removed.
        assert "phone: +44 20 7946 0958" in preview.removed.text()
        assert "e-mail: " + OTHER_EMAIL in preview.removed.text()
        pixmap = preview.image.pixmap()
        assert not pixmap.isNull() and pixmap.height() > 2 * pixmap.width()  # several pages, one below the other
        if kind == "docx":
            assert "converted to PDF by LibreOffice" in preview.note.text()
        # Manual marks, then a blind CV: each re-plans the preview.
        preview.words.setText("95000 GBP")
        qtbot.mouseClick(preview.apply, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: preview.loaded and "marked: 95000 GBP" in preview.removed.text(), timeout=WAIT_MS)
        preview.anonymise.setChecked(True)
        qtbot.waitUntil(lambda: preview.loaded and "name: Jane Harrow" in preview.removed.text(), timeout=WAIT_MS)
        assert "Candidate " in preview.note.text()
        qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
        out = tmp_path / "for-bob.zip"
        wizard.save_page.path.setText(str(out))
        with qtbot.waitSignal(wizard.saved, timeout=WAIT_MS):
            qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    finally:
        worker.shutdown()
    assert sharing.verify_package(out, now=clock.now_iso()).ok
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        pdf = archive.read("resume.pdf")
    assert_canary(pdf, pages=None if kind == "docx" else 3)
    assert where_found(pdf, "name", "Harrow") == [] and where_found(pdf, "manual", "95000") == []
    assert manifest["person"]["full_name"].startswith("Candidate ")
    assert manifest["files"][0]["anonymised"] is True

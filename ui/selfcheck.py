"""``contact-vault --self-check``: does every part the app needs work on this computer?

Run first after installing (and by ``make bundle-test`` on the frozen bundle): it prints the
app version, the SQLCipher and SQLite versions, the keyring backend and whether "remember on
this computer" is available, the Qt version and platform plugin, and then exercises the real
thing end to end: an encrypted vault in a temporary folder (create, write, check, close),
an owner-key signature, the text-extraction, PDF-stamping and redaction child processes, the
document converter (LibreOffice, optional: without it only PDF resumes can be shared), the PDF
and SVG support in Qt.
Exit 0 when every required part works, 1 otherwise. The keyring is optional: the app works
without it, it only cannot remember the key.

Without a display (a server, CI, SSH) it switches Qt to the ``offscreen`` platform instead of
aborting, and says so.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

SAMPLE_PDF_TEXT = "Contact Vault self-check"


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str
    required: bool = True

    def line(self) -> str:
        mark = "ok" if self.ok else ("FAILED" if self.required else "not available")
        return f"{self.name + ':':<22} {self.detail}  [{mark}]"


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("contact-vault")
    except PackageNotFoundError:
        bundled = Path(getattr(sys, "_MEIPASS", "")) / "VERSION"  # written by build.spec
        if getattr(sys, "frozen", False) and bundled.is_file():
            return bundled.read_text("utf-8").strip()
        return "unknown (package metadata missing)"


def _has_display() -> bool:
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _probe(name: str, fn: Callable[[], str], required: bool = True) -> Finding:
    """Run one probe; any exception becomes a failed finding with one sentence."""
    try:
        return Finding(name, True, fn(), required)
    except Exception as exc:  # a self-check reports, it never crashes
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return Finding(name, False, f"{type(exc).__name__}: {text}"[:300], required)


def _sample_pdf() -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, SAMPLE_PDF_TEXT)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _libraries() -> str:
    from vault.hardening import check_libraries

    cipher, sqlite = check_libraries()
    return f"SQLCipher {cipher}, SQLite {sqlite}"


def _vault_round_trip() -> str:
    """Create, write, check and reopen a real vault in a temporary folder (then delete it)."""
    from vault.config import AppConfig
    from vault.people import NewContactPoint, PersonFields
    from vault.store import Vault

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="contact-vault-selfcheck-") as folder:
        path = Path(folder) / "selfcheck.cvault"
        config = AppConfig(Path(folder) / "config")
        passphrase = "self-check passphrase"
        vault = Vault.create(path, passphrase, owner_name="Self Check", config=config)
        try:
            person = vault.people.add(PersonFields(full_name="Test Person"),
                                      [NewContactPoint("email", "test@example.org")])
            report = vault.check()
            if not report.ok:
                raise RuntimeError("; ".join(report.problems))
            key = vault.raw_key
        finally:
            vault.close()
        if SAMPLE_PDF_TEXT.encode() in path.read_bytes() or b"Test Person" in path.read_bytes():
            raise RuntimeError("the vault file holds plaintext")
        with Vault.open(path, raw_key=key, config=config) as again:
            if again.people.get(person.uuid).full_name != "Test Person":
                raise RuntimeError("the record did not survive reopening")
            chain = again.verify_audit_chain()
            if not chain.ok:
                raise RuntimeError(chain.describe())
    return f"created, written, checked and reopened in {time.monotonic() - started:.1f} s"


def _signature() -> str:
    from vault.identity import OwnerKey, PublicIdentity, key_id_for, verify_minisign

    private, public = OwnerKey.generate()
    data = b"self-check"
    signature = OwnerKey(private).minisign(data, trusted_comment="self-check")
    result = verify_minisign(data, signature, PublicIdentity(public, key_id_for(public)))
    if not getattr(result, "ok", False):
        raise RuntimeError("a fresh Ed25519 signature did not verify")
    return "Ed25519 minisign signature made and verified"


def _extraction() -> str:
    from vault.extraction import child_command, extract_text

    result = extract_text(_sample_pdf(), "application/pdf")
    if not result.ok:
        raise RuntimeError(result.error)
    if SAMPLE_PDF_TEXT not in result.text:
        raise RuntimeError("the child process returned the wrong text")
    how = "frozen worker" if getattr(sys, "frozen", False) else "python child"
    return f"limited child process works ({how}: {Path(child_command()[0]).name})"


def _stamping() -> str:
    from vault.sharing.stamping import StampText, stamp_pdf_isolated

    stamp = StampText(sender="Self Check", recipient="Nobody", shared_on="2026-01-01", purpose="self-check",
                      authorisation_id="self-check", method="email", obtained_on="2026-01-01",
                      valid_until="2026-01-02", package_id="self-check")
    stamped = stamp_pdf_isolated(_sample_pdf(), stamp, file_name="selfcheck.pdf")
    if not stamped.startswith(b"%PDF-") or len(stamped) <= len(_sample_pdf()):
        raise RuntimeError("the stamped PDF came back empty")
    how = "frozen worker" if getattr(sys, "frozen", False) else "python child"
    return f"share packages can be stamped in a limited child process ({how})"


def _redaction() -> str:
    from vault.sharing.redaction import RedactionRules
    from vault.sharing.stamping import StampText, share_pdf_isolated

    stamp = StampText(sender="Self Check", recipient="Nobody", shared_on="2026-01-01", purpose="self-check",
                      authorisation_id="self-check", method="email", obtained_on="2026-01-01",
                      valid_until="2026-01-02", package_id="self-check")
    _, report = share_pdf_isolated(_sample_pdf(), stamp, file_name="selfcheck.pdf",
                                   rules=RedactionRules(words=["self-check"]))
    if report.counts.get("manual") != 1:
        raise RuntimeError("the marked word was not removed")
    return "details outside a share's scope are removed from PDFs (PDFium, in the limited child)"


def _converter() -> Finding:
    from vault.sharing.convert import INSTALL_HINT, find_converter

    found = find_converter()
    if found is None:
        return Finding("document converter", False, "LibreOffice not found: Word, OpenDocument, RTF and text "
                       f"resumes cannot be shared until it is installed ({INSTALL_HINT})", required=False)
    return Finding("document converter", True, f"{found.name} {found.version} ({found.path}) converts Word, "
                   "OpenDocument, RTF and text resumes to PDF for sharing", required=False)


def _qt_findings() -> list[Finding]:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QApplication

    findings: list[Finding] = []
    note = ""
    if not _has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        note = " (no display found, so the offscreen plugin was used)"
    app = cast(QApplication, QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "contact-vault"]))
    findings.append(Finding("Qt", True, f"Qt {qVersion()}, PySide6 {pyside_version}"))
    findings.append(Finding("Qt platform plugin", bool(app.platformName()), f"{app.platformName()}{note}"))

    def pdf() -> str:
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice
        from PySide6.QtPdf import QPdfDocument

        data = QByteArray(_sample_pdf())
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        document = QPdfDocument()
        document.load(buffer)
        deadline = time.monotonic() + 5
        while document.status() == QPdfDocument.Status.Loading and time.monotonic() < deadline:
            app.processEvents()
        if document.pageCount() != 1:
            raise RuntimeError(f"the sample PDF did not load ({document.status().name})")
        return "QtPdf renders previews from memory"

    def icons() -> str:
        from .icons import app_icon, resources_dir

        if app_icon().isNull() or app_icon().pixmap(32, 32).isNull():
            raise RuntimeError(f"the app icon (SVG) cannot be drawn from {resources_dir()}")
        return f"SVG icons load from {resources_dir()}"

    findings.append(_probe("PDF preview", pdf))
    findings.append(_probe("icons", icons))
    return findings


def _keyring() -> Finding:
    from vault import remember

    state = remember.status()
    detail = f"{state.backend}; remembering the key is " + (
        "available" if state.available else f"not available ({state.reason})")
    return Finding("keyring", state.available, detail, required=False)


def run_self_check(out: Callable[[str], None] = print) -> int:
    """Print one line per part and a verdict; 0 when every required part works."""
    out(f"Contact Vault {app_version()} self-check")
    out(f"{'python:':<22} {sys.version.split()[0]} on {sys.platform}"
        + (" (frozen bundle)" if getattr(sys, "frozen", False) else ""))
    findings = [
        _probe("encryption library", _libraries),
        _probe("vault", _vault_round_trip),
        _probe("signatures", _signature),
        _probe("text extraction", _extraction),
        _probe("PDF stamping", _stamping),
        _probe("PDF redaction", _redaction),
        _converter(),
        _keyring(),
    ]
    try:
        findings.extend(_qt_findings())
    except Exception as exc:  # Qt itself would not start
        findings.append(Finding("Qt", False, f"{type(exc).__name__}: {exc}"))
    for finding in findings:
        out(finding.line())
    failed = [f.name for f in findings if f.required and not f.ok]
    if failed:
        out(f"self-check FAILED: {', '.join(failed)}")
        return 1
    out("self-check passed: every required part works")
    return 0

"""Verifying share packages: a byte flipped in any file makes verify fail and name that file
(core and the real CLI); damaged zips, extra entries, wrong keys and expiry are reported."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import CLI, cli_env, corpus_file
from vault import sharing
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault

PDF = corpus_file("resumes/rendercv__John_Doe_HarvardTheme_CV.pdf")
DOCX = corpus_file("resumes/trajector__sample-resume.docx")
FAR = "2100-01-01T00:00:00.000Z"


def make_package(vault: Vault, out: Path, *, valid_until: str = "2099-12-31", resume: Path = PDF,
                 fields: tuple[str, ...] = ("email", "phone")) -> sharing.ShareResult:
    vault.recipients.add("Bob Client", email="bob@acme.example", organisation="Acme")
    person = vault.people.add(PersonFields(full_name="Jane Q. Doe", given_name="Jane", family_name="Doe"),
                              [NewContactPoint("email", "jane@example.com"),
                               NewContactPoint("phone", "+1 415 555 0100"),
                               NewContactPoint("address", "1 Main St, Springfield")])
    doc = vault.documents.add_file(person.id, resume)
    vault.authorisations.log(person.id, recipient="Bob Client", scope=["resume", *fields], purpose="Staff Engineer",
                             method="email", obtained_at="2026-01-15", valid_until=valid_until)
    return sharing.build_share(vault, person.id, "Bob Client", [f"document:{doc.uuid}", *fields], out)


def rewrite(source: Path, target: Path, change: dict[str, bytes | None] | None = None,
            extra: list[tuple[zipfile.ZipInfo | str, bytes]] = ()) -> Path:
    """Copy a zip, replacing (or dropping, with None) some entries and appending others."""
    change = change or {}
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = change.get(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info, data)
        for info, data in extra:
            dst.writestr(info, data)
    return target


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]


@pytest.fixture
def built(vault, tmp_path) -> tuple[Path, dict[str, bytes]]:
    result = make_package(vault, tmp_path / "package.zip")
    with zipfile.ZipFile(result.path) as archive:
        entries = {i.filename: archive.read(i) for i in archive.infolist()}
    return result.path, entries


def test_a_fresh_package_verifies_and_lists_every_file(built, vault):
    path, entries = built
    report = sharing.verify_package(path, now=vault.now())
    assert report.ok, report.problems
    assert set(entries) == {PDF.name, "contact.vcf", "authorisation.pdf", "sender.pub", "README.txt", "verify.html",
                            "manifest.json", "manifest.json.minisig", "SHA256SUMS"}
    assert {f["name"] for f in report.files} == set(entries) - {"manifest.json", "manifest.json.minisig",
                                                                 "SHA256SUMS"}
    manifest = json.loads(entries["manifest.json"])
    import rfc8785
    assert rfc8785.dumps(manifest) == entries["manifest.json"]  # canonical form
    assert manifest["checkpoint"]["seq"] >= 1 and manifest["sender"]["public_key"] == \
        vault.owner.identity.minisign_base64()
    assert manifest["person"]["email"] == ["jane@example.com"] and "address" not in manifest["person"]
    card = entries["contact.vcf"].decode()
    assert "jane@example.com" in card and "Springfield" not in card


def test_every_flipped_byte_of_every_file_is_caught_and_named(built, vault, tmp_path):
    path, entries = built
    for name, data in entries.items():
        for index in sorted({0, len(data) // 2, len(data) - 1}):
            bad = rewrite(path, tmp_path / "bad.zip", {name: flip(data, index)})
            report = sharing.verify_package(bad, now=vault.now())
            assert not report.ok, (name, index)
            assert any(name in problem for problem in report.problems), (name, index, report.problems)


def test_cli_verify_names_the_flipped_file(built, vault, tmp_path):
    path, entries = built
    env = cli_env(tmp_path / "unused.cvault", tmp_path / "config")
    key = vault.owner.identity.minisign_base64()
    good = subprocess.run([*CLI, "verify", str(path), "--sender-key", key], env=env, capture_output=True, text=True,
                          timeout=60)
    assert good.returncode == 0, good.stderr
    assert "VALID" in good.stdout and "Jane Q. Doe" in good.stdout
    for name, data in entries.items():
        bad = rewrite(path, tmp_path / f"bad-{name}.zip", {name: flip(data, len(data) // 2)})
        done = subprocess.run([*CLI, "verify", str(bad), "--sender-key", key], env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 1, name
        assert name in done.stderr and done.stderr.startswith("contact-vault: The package is not valid: "), \
            done.stderr
        assert "Traceback" not in done.stderr


def test_a_damaged_zip_entry_is_named(built, vault, tmp_path):
    path, _ = built
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("authorisation.pdf")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    report = sharing.verify_package(damaged, now=vault.now())
    assert not report.ok and "authorisation.pdf" in report.problems[0]


def test_extra_missing_wrong_key_and_expired(built, vault, tmp_path):
    path, entries = built
    extra = rewrite(path, tmp_path / "extra.zip", extra=[("invoice.pdf", b"%PDF-1.4 sneaky")])
    report = sharing.verify_package(extra, now=vault.now())
    assert any("invoice.pdf is not listed in the signed manifest" in p for p in report.problems)
    missing = rewrite(path, tmp_path / "missing.zip", {"contact.vcf": None})
    assert any("contact.vcf is missing" in p for p in sharing.verify_package(missing, now=vault.now()).problems)
    other_key = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3"
    wrong = sharing.verify_package(path, sender_key=other_key, now=vault.now())
    assert not wrong.ok and "different key" in wrong.problems[0]
    later = sharing.verify_package(path, now=FAR)
    assert not later.ok and later.problems == [f"the authorisation {later.authorisation['id']} expired on 2099-12-31"]
    not_zip = tmp_path / "not.zip"
    not_zip.write_bytes(b"hello")
    assert "not a zip file" in sharing.verify_package(not_zip, now=vault.now()).problems[0]


def test_cli_reports_an_expired_authorisation(vault, tmp_path):
    # Made under the fixed test clock (2026-03-01); the CLI checks with the real clock, months later.
    result = make_package(vault, tmp_path / "p.zip", valid_until="2026-03-31")
    env = cli_env(tmp_path / "unused.cvault", tmp_path / "config")
    done = subprocess.run([*CLI, "verify", str(result.path), "--json"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["valid"] is False and "expired on 2026-03-31" in report["problems"][0]


def test_non_pdf_resume_is_converted_to_a_stamped_pdf_never_shared_raw(vault, tmp_path):
    import hashlib

    from vault.sharing.convert import find_converter

    if find_converter() is None:
        pytest.skip("LibreOffice (libreoffice-writer) is not installed")
    result = make_package(vault, tmp_path / "d.zip", resume=DOCX, fields=())
    pdf_name = DOCX.stem + ".pdf"
    with zipfile.ZipFile(result.path) as archive:
        assert DOCX.name not in archive.namelist()
        assert archive.read(pdf_name).startswith(b"%PDF-")
        manifest = json.loads(archive.read("manifest.json"))
    entry = next(f for f in manifest["files"] if f["name"] == pdf_name)
    assert entry["stamped"] is True and entry["media_type"] == "application/pdf"
    assert entry["original_sha256"] == hashlib.sha256(DOCX.read_bytes()).hexdigest()
    assert entry["converter"]["name"] == "LibreOffice" and entry["converter"]["version"]
    assert "contact.vcf" not in {f["name"] for f in manifest["files"]}
    assert sharing.verify_package(result.path, now=vault.now()).ok


def test_package_takes_its_name_only_after_the_ledger_committed(vault, tmp_path, monkeypatch):
    """A failure inside the ledger transaction leaves neither a ledger row nor a file under the name."""
    from vault import audit

    def broken(*args, **kwargs):
        raise RuntimeError("power cut inside the transaction")

    monkeypatch.setattr(vault.introductions, "on_share", broken)
    out = tmp_path / "never.zip"
    with pytest.raises(RuntimeError):
        make_package(vault, out)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".never")] == []
    assert vault.conn.execute("SELECT count(*) FROM shares").fetchone()[0] == 0
    assert audit.last_event(vault.conn).action != "share.created"

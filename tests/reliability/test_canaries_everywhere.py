"""Canary strings through every workflow: create, import, add resume, preview, share, export,
erase, backup, passphrase change. Afterwards they appear nowhere on disk (vault, -wal, -shm,
backups, the temp folder, the config folder) except in the exports the user asked for."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.helpers.docs_factory import make_pdf
from vault import sharing
from vault.audit.writers import export_audit
from vault.config import AppConfig
from vault.importing import import_file
from vault.store import Vault

NAME = "Quendolyn Marrowgate"
EMAIL = "quendolyn.marrowgate@example.org"
WORD = "Thaumaturgically"
PHONE_DIGITS = "4155550177"
CANARIES = [NAME, EMAIL, WORD, WORD.lower(), "Marrowgate", PHONE_DIGITS]


def _scan(root: Path, skip: set[Path]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if not path.is_file() or path in skip:
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for canary in CANARIES:
            for encoded in (canary.encode(), canary.encode("utf-16-le")):
                if encoded in data:
                    hits.append(f"{canary!r} in {path}")
    return hits


@pytest.mark.slow
def test_canaries_leave_no_plaintext_anywhere(tmp_path, monkeypatch, qapp):
    home = tmp_path / "home"
    private_tmp = tmp_path / "tmp"
    exports = tmp_path / "exports"
    for folder in (home, private_tmp, exports):
        folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    config_dir = home / "config"
    monkeypatch.setenv("CONTACT_VAULT_CONFIG_DIR", str(config_dir))
    config = AppConfig(config_dir)
    vault_path = home / "data" / "vault.cvault"

    vault = Vault.create(vault_path, "canary passphrase one", owner_name="Canary Owner", config=config)
    try:
        # Import (the vCard file itself is the user's own input, kept outside the scanned folders).
        source = tmp_path / "input" / "contacts.vcf"
        source.parent.mkdir()
        source.write_text(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{NAME}\r\nN:Marrowgate;Quendolyn;;;\r\n"
                          f"EMAIL:{EMAIL}\r\nTEL:+1 {PHONE_DIGITS}\r\nNOTE:{WORD} expert\r\nEND:VCARD\r\n")
        import_file(vault, source, kind="candidate")
        person_id = vault.people.list_ids(limit=1)[0]
        person = vault.people.get(person_id)
        vault.people.set_sharing_policy(person.uuid, "on-authorisation")
        # Add a resume, and preview it the way the GUI does (QtPdf from memory).
        doc = vault.documents.add_bytes(person.uuid, make_pdf([NAME, f"Skills: {WORD}"], pages=2), "cv.pdf")
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice
        from PySide6.QtPdf import QPdfDocument

        buffer = QBuffer()
        buffer.setData(QByteArray(vault.documents.data(doc.uuid)))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        preview = QPdfDocument()
        preview.load(buffer)
        assert preview.pageCount() == 2
        # Share.
        vault.recipients.add("Canary Client", email="client@client.example")
        vault.authorisations.log(person.uuid, recipient="Canary Client", scope=["resume", "email"],
                                 purpose="Canary role", method="written", obtained_at="2026-01-01")
        shared = sharing.build_share(vault, person.uuid, "Canary Client", [f"document:{doc.uuid}", "email"],
                                     exports / "package.zip")
        # Exports the user asked for.
        export_audit(vault, exports / "audit.jsonl", "jsonl")
        vault.privacy.export_person(person.uuid, exports / "subject-access.zip")
        # Backup and passphrase change.
        backup = vault.backup(home / "data" / "backup.cvault")
        vault.change_passphrase("canary passphrase two")
        # Erase.
        vault.privacy.erase(person.uuid, suppress=True)
        assert vault.search.query(WORD).ids == []
    finally:
        vault.close()

    # The user's own exports hold the data they asked for (that is the point of them)…
    assert any(_scan(exports, set()))
    # …and nothing else does: not the vault, its WAL/SHM, the backup, temp or config folders.
    hits = _scan(home, set()) + _scan(private_tmp, set())
    assert hits == [], hits
    assert backup.exists() and shared.path.exists()
    assert os.listdir(private_tmp) == []  # nothing was even staged in the temp folder

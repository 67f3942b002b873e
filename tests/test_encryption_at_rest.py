"""No plaintext at rest: canary strings never appear in the vault, its WAL/SHM, or a backup."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.docs_factory import make_docx, make_pdf
from vault.people import NewContactPoint, PersonFields

CANARY_NAME = "Zyxwanda Quillfeather"
CANARY_EMAIL = "zyxwanda.canary@example.org"
CANARY_WORD = "Plumbiferousness"


def _files(vault_path: Path) -> list[Path]:
    return [p for p in (vault_path, Path(f"{vault_path}-wal"), Path(f"{vault_path}-shm")) if p.exists()]


def _assert_clean(paths: list[Path]) -> None:
    needles = [CANARY_NAME, CANARY_EMAIL, CANARY_WORD, CANARY_WORD.lower()]
    for path in paths:
        data = path.read_bytes()
        for needle in needles:
            for encoded in (needle.encode("utf-8"), needle.encode("utf-16-le")):
                assert encoded not in data, f"{needle!r} found in {path.name}"


def test_canaries_never_reach_the_disk_in_clear(vault, vault_path, tmp_path):
    person = vault.people.add(
        PersonFields(full_name=CANARY_NAME, notes=f"notes mention {CANARY_WORD}"),
        [NewContactPoint("email", CANARY_EMAIL)],
        ["canary"],
    )
    vault.documents.add_bytes(person.uuid, make_pdf(["Resume", f"Expert in {CANARY_WORD}"]), "cv.pdf")
    vault.documents.add_bytes(person.uuid, make_docx([f"Also {CANARY_WORD}"]), "cv.docx")
    assert vault.search.query(CANARY_WORD).ids == [person.id]
    # While open (data still in the WAL) …
    assert Path(f"{vault_path}-wal").exists()
    _assert_clean(_files(vault_path))
    backup = vault.backup(tmp_path / "backup.cvault")
    vault.change_passphrase("another passphrase entirely")
    _assert_clean(_files(vault_path) + [backup])
    vault.close()
    # … and after close.
    _assert_clean(_files(vault_path) + [backup])
    for path in (vault_path, backup):
        assert not path.read_bytes().startswith(b"SQLite format 3")
    # Nothing else was left beside the vault.
    names = sorted(p.name for p in vault_path.parent.iterdir())
    assert all(n.startswith(("vault.cvault", "backup.cvault", "config")) for n in names), names

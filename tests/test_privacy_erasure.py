"""Acceptance: after erasure the person's name, e-mail and a unique resume word occur nowhere.

Checked three ways: (1) the raw bytes of the vault file and its WAL (encrypted anyway, so this
alone proves little); (2) every page of the file and every WAL frame DECRYPTED here with the
vault key (AES-256-CBC, SQLCipher 4 page layout), which also covers free pages and slack space
that no query can see; (3) a plain sqlcipher3 connection dumping every table, the FTS5 shadow
tables included, plus an fts5vocab listing of every term still in the index. A sanity check
first shows that the same scans DO find the strings before erasure. Then: the audit chain
still verifies and holds only the UUID, and --suppress keeps the person out of a re-import.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import sqlcipher3
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.conftest import CLI, PASSPHRASE, cli_env
from vault import audit, kdf
from vault.importing import apply_plan, plan_import
from vault.people import NewContactPoint, PersonFields

PAGE = 4096
RESERVE = 80  # 16-byte IV + 64-byte HMAC-SHA512 per page (SQLCipher 4 defaults)
NAME = "Quentin Zyxwarbler"
EMAIL = "quentin.zyxwarbler@example.org"
PHONE = "+1 415 555 0142"
WORD = "blorptastically"
SECRETS = [NAME.lower(), "zyxwarbler", EMAIL, WORD]

RESUME = f"""{NAME}
Senior Platform Engineer
{EMAIL} | {PHONE}
Known for {WORD} resilient payment systems at Northwind.
""".encode()


def decrypt_page(key: bytes, raw: bytes, first: bool) -> bytes:
    iv = raw[PAGE - RESERVE:PAGE - RESERVE + 16]
    start = 16 if first else 0
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(raw[start:PAGE - RESERVE]) + decryptor.finalize()


def decrypted_file(path: Path, key: bytes) -> bytes:
    data = path.read_bytes()
    assert len(data) % PAGE == 0
    return b"".join(decrypt_page(key, data[i:i + PAGE], i == 0) for i in range(0, len(data), PAGE))


def decrypted_wal(path: Path, key: bytes) -> bytes:
    wal = Path(str(path) + "-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        return b""
    data = wal.read_bytes()
    out = []
    offset = 32  # WAL header
    while offset + 24 + PAGE <= len(data):
        page_no = int.from_bytes(data[offset:offset + 4], "big")
        out.append(decrypt_page(key, data[offset + 24:offset + 24 + PAGE], page_no == 1))
        offset += 24 + PAGE
    return b"".join(out)


def found_in_bytes(blob: bytes) -> list[str]:
    lowered = blob.lower()
    return [s for s in SECRETS if s.encode() in lowered]


def dump_all_tables(path: Path, key: bytes) -> str:
    """A plain sqlcipher3 connection (not the app's) reading every row of every table."""
    conn = sqlcipher3.connect(str(path))
    try:
        conn.execute(f"PRAGMA key = {kdf.key_literal(key)}")
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert "search_index_data" in names and "search_index_content" in names
        parts: list[str] = []
        for name in names:
            for row in conn.execute(f'SELECT * FROM "{name}"'):
                for cell in row:
                    if isinstance(cell, bytes):
                        parts.append(cell.decode("utf-8", errors="replace"))
                    elif cell is not None:
                        parts.append(str(cell))
        conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, search_index, 'row')")
        parts.extend(r[0] for r in conn.execute("SELECT term FROM temp.terms"))
        return "\n".join(parts).lower()
    finally:
        conn.close()


def add_target(vault) -> str:
    person = vault.people.add(
        PersonFields(full_name=NAME, given_name="Quentin", family_name="Zyxwarbler", organisation="Northwind",
                     notes="Met at the Zyxwarbler family dinner"),
        [NewContactPoint("email", EMAIL), NewContactPoint("phone", PHONE)], ["zyxwarbler-club"])
    vault.documents.add_bytes(person.id, RESUME, "quentin-resume.txt")
    vault.people.add(PersonFields(full_name="Olivia Keeper", organisation="Northwind"),
                     [NewContactPoint("email", "olivia@example.org")])
    return person.uuid


def test_erasure_leaves_nothing_behind(vault, template_vault) -> None:
    key = template_vault[1]
    person_uuid = add_target(vault)
    assert vault.search.query(WORD).ids
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # Sanity: the scans do see the strings while the person exists.
    assert set(found_in_bytes(decrypted_file(vault.path, key))) == set(SECRETS)
    assert set(SECRETS) <= {s for s in SECRETS if s in dump_all_tables(vault.path, key)}

    report = vault.privacy.erase(person_uuid, suppress=True)
    assert report.suppressed == 2 and report.documents == 1
    assert report.wal_bytes_after == 0

    assert vault.search.query(WORD).ids == []
    assert vault.search.query("zyxwarbler").ids == []
    assert len(vault.search.query("olivia").ids) == 1  # the rebuilt index still serves everyone else
    assert vault.conn.execute("SELECT count(*) FROM tags WHERE name LIKE '%zyx%'").fetchone()[0] == 0

    for blob in (vault.path.read_bytes(), Path(str(vault.path) + "-wal").read_bytes()):
        assert found_in_bytes(blob) == []
    assert found_in_bytes(decrypted_file(vault.path, key)) == []
    assert found_in_bytes(decrypted_wal(vault.path, key)) == []
    dump = dump_all_tables(vault.path, key)
    assert [s for s in SECRETS if s in dump] == []

    chain = vault.verify_audit_chain()
    assert chain.ok
    erased = audit.query_events(vault.conn, actions=["person.erased"])
    assert [e.subject_id for e in erased] == [person_uuid]
    assert vault.check().ok

    vault.close()
    assert found_in_bytes(decrypted_file(vault.path, key)) == []
    assert not Path(str(vault.path) + "-wal").exists() or found_in_bytes(decrypted_wal(vault.path, key)) == []


def test_suppressed_person_stays_out_of_reimport(vault) -> None:
    person_uuid = add_target(vault)
    card = (f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Q. Z.\r\nEMAIL:{EMAIL.upper()}\r\nEND:VCARD\r\n"
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Someone Else\r\nTEL:{PHONE}\r\nEND:VCARD\r\n"
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Fresh Face\r\nEMAIL:fresh@example.org\r\nEND:VCARD\r\n").encode()
    vault.privacy.erase(person_uuid, suppress=True)
    digests = [r[0] for r in vault.conn.execute("SELECT digest FROM suppression")]
    assert len(digests) == 2 and all(len(d) == 64 for d in digests)
    assert not any(EMAIL in d for d in digests)  # keyed hashes, not values
    plan = plan_import(vault, card, "again.vcf")
    assert [r.outcome for r in plan.rows] == ["suppressed", "suppressed", "new"]
    assert "suppression list" in plan.rows[0].reason
    apply_plan(vault, plan)
    assert vault.people.count() == 2  # Olivia and the fresh face


def test_erasure_without_suppress_allows_reimport(vault) -> None:
    person_uuid = add_target(vault)
    vault.privacy.erase(person_uuid)
    assert vault.conn.execute("SELECT count(*) FROM suppression").fetchone()[0] == 0
    card = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{NAME}\r\nEMAIL:{EMAIL}\r\nEND:VCARD\r\n".encode()
    assert [r.outcome for r in plan_import(vault, card, "a.vcf").rows] == ["new"]


def test_cli_erase_with_suppress(vault, template_vault, tmp_path) -> None:
    person_uuid = add_target(vault)
    vault.close()
    env = cli_env(vault.path, tmp_path / "config")
    refused = subprocess.run([*CLI, "erase", person_uuid[:8]], env=env, capture_output=True, text=True)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    done = subprocess.run([*CLI, "erase", person_uuid[:8], "--suppress", "--yes", "--json"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert '"suppressed": 2' in done.stdout
    assert found_in_bytes(decrypted_file(vault.path, template_vault[1])) == []
    card = tmp_path / "back.vcf"
    card.write_text(f"BEGIN:VCARD\nVERSION:3.0\nFN:{NAME}\nEMAIL:{EMAIL}\nEND:VCARD\n")
    again = subprocess.run([*CLI, "import", str(card), "--json"], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert '"suppressed": 1' in again.stdout and '"new": 0' in again.stdout
    check = subprocess.run([*CLI, "check"], env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert PASSPHRASE not in check.stdout

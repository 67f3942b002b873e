"""``check --quick``: what it catches in seconds, and what it leaves to the full check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cli_env
from vault import store
from vault.audit import checkpoints
from vault.connection import connect
from vault.people import PersonFields
from vault.store import Vault

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "ui.launcher"]


@pytest.fixture
def filled(vault) -> Vault:
    with vault.transaction():
        for index in range(200):
            vault.people.add(PersonFields(full_name=f"Filler {index}", notes="n" * 300))
    person = vault.people.list_ids(limit=1)[0]
    vault.documents.add_bytes(person, os.urandom(20_000).hex().encode(), "blob.txt")
    checkpoints.create(vault)
    for index in range(30):
        vault.people.update(person, PersonFields(full_name=f"Renamed {index}"))
    return vault


def reopen(vault: Vault, key: bytes, app_config) -> Vault:
    return Vault.open(vault.path, raw_key=key, config=app_config)


def damage_table(path: Path, key: bytes, table: str) -> None:
    conn = connect(path, key)
    try:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * 4096 + 700] ^= 0xFF
    path.write_bytes(bytes(data))


def raw_sql(path: Path, key: bytes, *statements: tuple[str, tuple]) -> None:
    conn = connect(path, key)
    try:
        conn.execute("DROP TRIGGER audit_no_update")
        for sql, params in statements:
            conn.execute(sql, params)
        # Put the append-only trigger back, as a careful editor would: what is left is the edit itself.
        conn.execute("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN "
                     "SELECT RAISE(ABORT, 'the audit trail is append-only'); END")
    finally:
        conn.close()


def test_a_healthy_vault_passes_both_and_the_cli_says_quick(filled, template_vault, tmp_path):
    assert filled.check(quick=True).ok and filled.check().ok
    path = filled.path
    filled.close()
    proc = subprocess.run([*CLI, "check", "--quick"], env=cli_env(path, tmp_path / "cli"), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Quick check passed")


def test_a_damaged_record_table_page_is_caught(filled, template_vault, app_config):
    filled.close()
    damage_table(filled.path, template_vault[1], "people")
    with reopen(filled, template_vault[1], app_config) as vault:
        report = vault.check(quick=True)
    assert not report.ok and any("people" in p or "HMAC" in p or "page" in p for p in report.problems)


def test_damaged_document_bytes_are_left_to_the_full_check(filled, template_vault, app_config):
    filled.close()
    damage_table(filled.path, template_vault[1], "document_blobs")
    with reopen(filled, template_vault[1], app_config) as vault:
        assert vault.check(quick=True).ok  # documented: the bulk tables are not read
        assert not vault.check().ok


def test_an_edited_recent_event_is_caught(filled, template_vault, app_config):
    head = filled.conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    filled.close()
    raw_sql(filled.path, template_vault[1], ("UPDATE audit SET at = '2020-01-01T00:00:00Z' WHERE seq = ?", (head - 2,)))
    with reopen(filled, template_vault[1], app_config) as vault:
        report = vault.check(quick=True)
    assert not report.ok and report.chain.broken_at == head - 2


def test_an_edited_old_event_is_left_to_the_full_check(filled, template_vault, app_config, monkeypatch):
    monkeypatch.setattr(store, "QUICK_CHAIN_EVENTS", 5)
    filled.close()
    raw_sql(filled.path, template_vault[1], ("UPDATE audit SET at = '2020-01-01T00:00:00Z' WHERE seq = 3", ()))
    with reopen(filled, template_vault[1], app_config) as vault:
        assert vault.check(quick=True).ok
        assert vault.check().chain.broken_at == 3


def test_a_forged_checkpoint_or_a_rewritten_signed_event_is_caught(filled, template_vault, app_config):
    latest = checkpoints.latest(filled)
    assert latest is not None
    filled.close()
    conn = connect(filled.path, template_vault[1])
    try:
        conn.execute("UPDATE checkpoints SET hash = ? WHERE seq = ?", ("0" * 64, latest.seq))
    finally:
        conn.close()
    with reopen(filled, template_vault[1], app_config) as vault:
        report = vault.check(quick=True)
    assert not report.ok and any("signature" in p for p in report.problems)
    conn = connect(filled.path, template_vault[1])
    try:
        conn.execute("UPDATE checkpoints SET hash = ? WHERE seq = ?", (latest.hash, latest.seq))
    finally:
        conn.close()
    raw_sql(filled.path, template_vault[1], ("UPDATE audit SET hash = ? WHERE seq = ?", ("f" * 64, latest.seq)))
    with reopen(filled, template_vault[1], app_config) as vault:
        report = vault.check(quick=True)
    assert not report.ok and any("the event it signed" in p for p in report.problems)

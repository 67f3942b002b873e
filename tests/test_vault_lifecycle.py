"""Creating, opening, re-keying, backing up and checking the vault file (docs/design.md §4)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
import sqlcipher3

from tests.conftest import PASSPHRASE
from vault import audit, kdf, remember, schema
from vault.config import AppConfig
from vault.errors import (
    KeyringUnavailable,
    SchemaTooNew,
    ValidationError,
    VaultDamaged,
    VaultExists,
    VaultInUse,
    VaultNotFound,
    WrongPassphrase,
)
from vault.people import PersonFields
from vault.store import Vault


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_create_makes_an_encrypted_file_with_owner_keys(tmp_path, clock, app_config):
    path = tmp_path / "new.cvault"
    vault = Vault.create(path, PASSPHRASE, owner_name="Rita", organisation="Northwind", email="rita@example.com",
                         clock=clock, config=app_config)
    try:
        assert vault.owner.name == "Rita"
        assert len(vault.owner.identity.public_key) == 32
        assert vault.owner_key().public == vault.owner.identity
        events = audit.query_events(vault.conn, newest_first=False)
        assert [e.action for e in events] == ["vault.created"]
        assert vault.conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION
    finally:
        vault.close()
    assert not path.read_bytes().startswith(b"SQLite format 3")
    assert app_config.vault_uuid(path) == vault.uuid


def test_pragmas_are_set_on_every_connection(vault):
    conn = vault.conn
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert conn.execute("PRAGMA trusted_schema").fetchone()[0] == 0
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA cipher_memory_security").fetchone()[0] == "1"


def test_create_refuses_existing_file_and_short_passphrase(tmp_path, app_config):
    existing = tmp_path / "x.cvault"
    existing.write_bytes(b"keep me")
    with pytest.raises(VaultExists):
        Vault.create(existing, PASSPHRASE, owner_name="A", config=app_config)
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(ValidationError) as info:
        Vault.create(tmp_path / "y.cvault", "short", owner_name="A", config=app_config)
    assert info.value.field == "passphrase"
    with pytest.raises(ValidationError) as info:
        Vault.create(tmp_path / "z.cvault", PASSPHRASE, owner_name="  ", config=app_config)
    assert info.value.field == "name"


def test_open_with_passphrase_and_wrong_passphrase(vault_path, app_config):
    before = digest(vault_path)
    with pytest.raises(WrongPassphrase):
        Vault.open(vault_path, "not the passphrase", config=app_config)
    assert digest(vault_path) == before
    assert app_config.vault_entry(vault_path)["failed_unlocks"] == 1
    vault = Vault.open(vault_path, PASSPHRASE, config=app_config)
    try:
        last = audit.last_event(vault.conn)
        assert last.action == "vault.unlocked" and last.details == {"failed_attempts": 1}
    finally:
        vault.close()
    assert app_config.vault_entry(vault_path)["failed_unlocks"] == 0


def test_interoperable_with_plain_sqlcipher(vault, vault_path):
    vault.people.add(PersonFields(full_name="Ada Interop", organisation="Analytical Engines"))
    vault.close()
    conn = sqlcipher3.connect(str(vault_path))
    conn.execute("PRAGMA key = '" + PASSPHRASE.replace("'", "''") + "'")
    rows = conn.execute("SELECT full_name, organisation FROM people").fetchall()
    conn.close()
    assert rows == [("Ada Interop", "Analytical Engines")]


@pytest.mark.parametrize(
    "damage, reason",
    [
        ("empty", "empty"),
        ("random", "cut short"),
        ("random-pages", "fail"),
        ("truncated", "cut short"),
        ("flip-page1", "fail"),
        ("plain-sqlite", "unencrypted"),
    ],
)
def test_damaged_files_are_told_apart_from_a_wrong_passphrase(vault_path, template_vault, app_config, damage,
                                                               reason):
    data = vault_path.read_bytes()
    if damage == "empty":
        vault_path.write_bytes(b"")
    elif damage == "random":
        vault_path.write_bytes(os.urandom(5000))
    elif damage == "random-pages":
        vault_path.write_bytes(os.urandom(4096 * 8))
    elif damage == "truncated":
        vault_path.write_bytes(data[: len(data) // 2 + 100])
    elif damage == "flip-page1":
        flipped = bytearray(data)
        flipped[200] ^= 0x01
        vault_path.write_bytes(bytes(flipped))
    elif damage == "plain-sqlite":
        vault_path.unlink()
        import sqlite3

        plain = sqlite3.connect(vault_path)
        plain.execute("CREATE TABLE t (x)")
        plain.commit()
        plain.close()
    before = digest(vault_path)
    expected = WrongPassphrase if damage == "random-pages" else VaultDamaged
    with pytest.raises(expected) as info:
        Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
    if expected is VaultDamaged:
        assert reason in str(info.value)
    assert digest(vault_path) == before


def test_missing_vault(tmp_path, app_config):
    with pytest.raises(VaultNotFound):
        Vault.open(tmp_path / "nope.cvault", PASSPHRASE, config=app_config)


def test_single_instance_lock(vault, vault_path, template_vault, app_config):
    with pytest.raises(VaultInUse):
        Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
    vault.close()
    again = Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
    again.close()


def test_schema_too_new_is_refused(vault, vault_path, template_vault, app_config):
    vault.conn.execute(f"PRAGMA user_version = {schema.LATEST_VERSION + 5}")
    vault.close()
    with pytest.raises(SchemaTooNew) as info:
        Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
    assert "newer" in str(info.value)


def test_migration_takes_a_verified_backup_first(vault, vault_path, template_vault, app_config, monkeypatch):
    vault.people.add(PersonFields(full_name="Before Migration"))
    vault.close()
    from vault import store

    extra = (schema.LATEST_VERSION + 1, "CREATE TABLE migration_probe (id INTEGER PRIMARY KEY)")
    monkeypatch.setattr(store, "MIGRATIONS", [*schema.MIGRATIONS, extra])
    monkeypatch.setattr(store, "LATEST_VERSION", extra[0])
    migrated = Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
    try:
        assert migrated.conn.execute("PRAGMA user_version").fetchone()[0] == extra[0]
        assert migrated.conn.execute("SELECT count(*) FROM migration_probe").fetchone()[0] == 0
        actions = [e.action for e in audit.query_events(migrated.conn, limit=5)]
        assert "vault.migrated" in actions
        assert migrated.verify_audit_chain().ok
    finally:
        migrated.close()
    backup = vault_path.with_name(f"{vault_path.name}.before-v{extra[0]}.bak")
    assert backup.exists()
    monkeypatch.undo()
    old = Vault.open(backup, raw_key=template_vault[1], config=app_config, readonly=False)
    try:
        assert old.conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION
        assert old.people.count() == 1
    finally:
        old.close()


def test_backup_is_verified_encrypted_and_opens_with_the_passphrase(vault, tmp_path, app_config):
    vault.people.add(PersonFields(full_name="Backed Up"))
    out = vault.backup(tmp_path / "copy.cvault")
    assert out.exists() and not out.read_bytes().startswith(b"SQLite format 3")
    assert not Path(str(out) + "-wal").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".copy")] == []
    copy = Vault.open(out, PASSPHRASE, config=app_config)
    try:
        assert copy.people.count() == 1
        assert copy.check().ok
    finally:
        copy.close()
    assert audit.last_event(vault.conn).action == "vault.backup"


def test_change_passphrase_rekeys_and_updates_keyring(vault, vault_path, app_config):
    vault.people.add(PersonFields(full_name="Rekey Person"))
    remember.remember(vault.uuid, vault.raw_key)
    old_salt = kdf.read_salt(vault_path)
    vault.change_passphrase("a brand new passphrase")
    assert kdf.read_salt(vault_path) != old_salt
    assert remember.recall(vault.uuid) == vault.raw_key
    assert vault.people.count() == 1
    assert audit.last_event(vault.conn).action == "vault.rekeyed"
    assert vault.check().ok
    vault.close()
    with pytest.raises(WrongPassphrase):
        Vault.open(vault_path, PASSPHRASE, config=app_config)
    reopened = Vault.open(vault_path, "a brand new passphrase", config=app_config)
    reopened.close()
    leftovers = [p.name for p in vault_path.parent.iterdir() if "rekey" in p.name or p.name.endswith(".part")]
    assert leftovers == []


def test_check_reports_a_damaged_page(vault, vault_path, template_vault, app_config):
    for index in range(200):
        vault.people.add(PersonFields(full_name=f"Filler {index}", notes="n" * 300))
    vault.close()
    data = bytearray(vault_path.read_bytes())
    data[4096 * 20 + 500] ^= 0xFF
    vault_path.write_bytes(bytes(data))
    reopened = Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
    try:
        report = reopened.check()
    except VaultDamaged:
        return  # also acceptable: the damage is noticed while reading
    finally:
        reopened.close()
    assert not report.ok
    assert any("HMAC" in p or "page" in p for p in report.problems)


def test_remember_uses_the_keyring_and_refuses_unsafe_backends(vault, memory_keyring):
    assert remember.status().available
    remember.remember(vault.uuid, vault.raw_key)
    assert remember.recall(vault.uuid) == vault.raw_key
    stored = list(memory_keyring.store.values())
    assert stored == [vault.raw_key.hex()]
    assert PASSPHRASE not in stored
    remember.forget(vault.uuid)
    assert remember.recall(vault.uuid) is None

    import keyring
    from keyring.backends import fail
    from keyrings.alt import file as alt_file

    for backend in (fail.Keyring(), alt_file.PlaintextKeyring()):
        keyring.set_keyring(backend)
        state = remember.status()
        assert not state.available and state.reason
        with pytest.raises(KeyringUnavailable):
            remember.remember(vault.uuid, vault.raw_key)
        assert remember.recall(vault.uuid) is None


def test_keyring_raw_key_opens_without_kdf(vault_path, template_vault, app_config):
    vault = Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
    vault.close()
    with pytest.raises(WrongPassphrase):
        Vault.open(vault_path, raw_key=os.urandom(32), config=app_config)


def test_readonly_file_opens_read_only(vault_path, template_vault, tmp_path):
    config = AppConfig(tmp_path / "cfg")
    folder = tmp_path / "ro"
    folder.mkdir()
    target = folder / "ro.cvault"
    shutil.copyfile(vault_path, target)
    vault = Vault.open(target, raw_key=template_vault[1], config=config, readonly=True)
    try:
        assert vault.readonly
        from vault.errors import VaultReadOnly

        with pytest.raises(VaultReadOnly):
            vault.people.add(PersonFields(full_name="Nope"))
    finally:
        vault.close()

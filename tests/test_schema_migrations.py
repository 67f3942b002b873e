"""Upgrading old vaults: each old schema is built from its own migration steps (vault files are
never kept in git), filled with the demo desk so every table holds rows, then opened by this
version, which must migrate it without losing or changing anything."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlcipher3

from demo import DemoVault, build_demo_vault
from vault import schema, store
from vault.config import AppConfig
from vault.connection import connect
from vault.store import Vault

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TABLES = ("people", "contact_points", "documents", "authorisations", "intro_requests", "outreach", "shares",
          "person_tags", "audit", "search_index")


def _counts(conn: sqlcipher3.Connection) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture(scope="module")
def version_1_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoVault]:
    """The demo desk written by a build whose newest schema is version 1."""
    patch = pytest.MonkeyPatch()
    patch.setattr(store, "MIGRATIONS", schema.MIGRATIONS[:1])
    patch.setattr(store, "LATEST_VERSION", 1)
    try:
        desk = build_demo_vault(tmp_path_factory.mktemp("v1"), now=NOW)
    finally:
        patch.undo()
    yield desk


def _copy(desk: DemoVault, folder: Path) -> Path:
    target = folder / "old.cvault"
    shutil.copyfile(desk.path, target)
    return target


def test_a_version_1_vault_upgrades_whole_and_keeps_its_rules(version_1_desk: DemoVault, tmp_path: Path) -> None:
    path = _copy(version_1_desk, tmp_path)
    old = connect(path, version_1_desk.raw_key, readonly=True)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    before = _counts(old)
    old.close()
    assert before["people"] > 10 and before["outreach"] > 0 and before["intro_requests"] > 0

    vault = Vault.open(path, raw_key=version_1_desk.raw_key, config=AppConfig(tmp_path / "config"))
    try:
        conn = vault.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION
        after = _counts(conn)
        # Migrating adds its own audit events (one per step, plus the unlock) and nothing else.
        assert {t: after[t] for t in TABLES if t != "audit"} == {t: before[t] for t in TABLES if t != "audit"}
        migrated = [r[0] for r in conn.execute("SELECT details FROM audit WHERE action = 'vault.migrated'")]
        assert migrated == ['{"from":1,"to":2}', '{"from":2,"to":6}']
        assert vault.check().ok
        assert vault.verify_audit_chain().ok
        # The rewritten CHECKs still refuse what they refused.
        person = conn.execute("SELECT id FROM people LIMIT 1").fetchone()[0]
        bad = [
            ("UPDATE people SET status = 'retired' WHERE id = ?", (person,)),
            ("UPDATE contact_points SET kind = 'fax' WHERE person_id = ?", (person,)),
            ("UPDATE outreach SET channel = 'pigeon'", ()),
            ("UPDATE intro_requests SET status = 'maybe'", ()),
            ("UPDATE documents SET role = 'poster'", ()),
        ]
        for sql, params in bad:
            with pytest.raises(sqlcipher3.IntegrityError, match="CHECK constraint failed"):
                conn.execute(sql, params)
        # The do-not-contact view still finds its people, now through the partial index.
        dnc = vault.people.list_ids(view="do-not-contact", sort="name", limit=100, offset=0)
        assert dnc, "the demo desk has do-not-contact points"
        plan = " ".join(r[3] for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT person_id FROM contact_points WHERE outreach = 'do-not-contact'"))
        assert "contact_points_dnc" in plan
    finally:
        vault.close()
    backup = path.with_name(f"{path.name}.before-v{schema.LATEST_VERSION}.bak")
    assert backup.exists(), "a verified backup is taken before migrating"


def test_an_upgraded_vault_has_the_schema_of_a_new_one(version_1_desk: DemoVault, vault: Vault,
                                                       tmp_path: Path) -> None:
    def shape(conn: sqlcipher3.Connection) -> list[tuple[str, str, str]]:
        return conn.execute("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL "
                            "AND name NOT LIKE 'search_index_%' ORDER BY type, name").fetchall()

    path = _copy(version_1_desk, tmp_path)
    with Vault.open(path, raw_key=version_1_desk.raw_key, config=AppConfig(tmp_path / "c")) as old:
        upgraded = shape(old.conn)
    assert upgraded == shape(vault.conn)


@pytest.mark.parametrize("statement", ["people_insert", "point_insert", "status_update"])
def test_hot_writes_build_no_temporary_table(vault: Vault, statement: str) -> None:
    """A CHECK written as ``IN (a, b, c)`` builds a temporary b-tree on every INSERT; under
    cipher_memory_security that doubled the cost of an import (see schema.migration_2)."""
    from vault.people import _INSERT_PERSON_WITH_ID, _INSERT_POINT

    sql = {"people_insert": _INSERT_PERSON_WITH_ID, "point_insert": _INSERT_POINT,
           "status_update": "UPDATE people SET status = ? WHERE id = ?"}[statement]
    ops = [row[1] for row in vault.conn.execute("EXPLAIN " + sql, [None] * sql.count("?"))]
    assert "OpenEphemeral" not in ops


@pytest.mark.gui
def test_unlocking_a_version_1_vault_in_the_window_upgrades_it(version_1_desk: DemoVault, tmp_path: Path, qtbot,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """What a user of the previous version sees: type the passphrase, and the upgraded vault opens
    with all its people (the upgrade, and its backup, happen on the worker, behind the busy bar)."""
    from demo import DEMO_PASSPHRASE
    from ui.main_window import MainWindow
    from ui.settings import UiSettings
    from ui.worker import VaultWorker

    monkeypatch.setenv("CONTACT_VAULT_CONFIG_DIR", str(tmp_path / "ui-config"))
    path = _copy(version_1_desk, tmp_path)
    old = connect(path, version_1_desk.raw_key, readonly=True)
    people = _counts(old)["people"]
    old.close()
    worker = VaultWorker(config=AppConfig(tmp_path / "app-config"))
    window = MainWindow(worker, settings=UiSettings(), vault_path=path)
    qtbot.addWidget(window)
    window.show()
    window.start()
    try:
        qtbot.keyClicks(window.unlock_page.passphrase, DEMO_PASSPHRASE)
        window.unlock_page.unlock_button.click()
        qtbot.waitUntil(lambda: window.is_unlocked and not window.workspace.model.loading, timeout=30_000)
        assert window.workspace.model.rowCount() == people
        assert path.with_name(f"{path.name}.before-v{schema.LATEST_VERSION}.bak").exists()
    finally:
        window.close()
    with Vault.open(path, raw_key=version_1_desk.raw_key, config=AppConfig(tmp_path / "c2"), readonly=True) as vault:
        assert vault.conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION

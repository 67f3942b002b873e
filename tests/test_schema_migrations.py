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

from tests.helpers.old_schema import OldDesk, build_old_desk
from vault import schema
from vault.config import AppConfig
from vault.connection import connect
from vault.sharing import receive
from vault.store import Vault

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TABLES = ("people", "contact_points", "documents", "authorisations", "intro_requests", "outreach", "shares",
          "person_tags", "audit", "search_index")


def _counts(conn: sqlcipher3.Connection) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture(scope="module")
def version_1_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OldDesk]:
    """The demo desk written by a build whose newest schema is version 1 (that build's own code:
    today's code needs columns a version 1 vault does not have)."""
    desk = build_old_desk(1, tmp_path_factory.mktemp("v1"), NOW)
    if desk is None:
        pytest.skip("the code that wrote schema 1 comes from git history, which is not available here")
    yield desk


def _copy(desk: OldDesk, folder: Path) -> Path:
    target = folder / "old.cvault"
    shutil.copyfile(desk.path, target)
    return target


def test_a_version_1_vault_upgrades_whole_and_keeps_its_rules(version_1_desk: OldDesk, tmp_path: Path) -> None:
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
        assert migrated == [f'{{"from":{v},"to":{v + 1}}}' for v in range(1, schema.LATEST_VERSION)]
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


def test_an_upgraded_vault_has_the_schema_of_a_new_one(version_1_desk: OldDesk, vault: Vault,
                                                       tmp_path: Path) -> None:
    def shape(conn: sqlcipher3.Connection) -> list[tuple[str, str, str]]:
        return conn.execute("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL "
                            "AND name NOT LIKE 'search_index_%' ORDER BY type, name").fetchall()

    path = _copy(version_1_desk, tmp_path)
    with Vault.open(path, raw_key=version_1_desk.raw_key, config=AppConfig(tmp_path / "c")) as old:
        upgraded = shape(old.conn)
    assert upgraded == shape(vault.conn)


def test_schema_4_remembers_imported_packages_and_keeps_authorisations_immutable(
        version_1_desk: OldDesk, tmp_path: Path) -> None:
    """Migration 4 (issue 14): every package id an old vault imported is remembered apart from
    its person, so erasing that person does not re-open the package to a replay; the new
    authorisation trigger still refuses every change except a merge's move."""
    path = _copy(version_1_desk, tmp_path)
    old = connect(path, version_1_desk.raw_key, readonly=True)
    origins = sorted(r[0][8:] for r in old.execute("SELECT origin FROM people WHERE origin LIKE 'package:%'"))
    assert "imported_packages" not in {r[0] for r in old.execute("SELECT name FROM sqlite_schema")}
    old.close()
    assert origins, "the demo desk holds a received package"
    with Vault.open(path, raw_key=version_1_desk.raw_key, config=AppConfig(tmp_path / "c")) as vault:
        conn = vault.conn
        assert sorted(r[0] for r in conn.execute("SELECT package_id FROM imported_packages")) == origins
        person = conn.execute("SELECT uuid FROM people WHERE origin = ?", (f"package:{origins[0]}",)).fetchone()[0]
        vault.privacy.erase(person)
        assert receive.was_imported(vault, origins[0])
        auth, owner, other = conn.execute(
            "SELECT a.id, a.person_id, (SELECT min(id) FROM people WHERE id <> a.person_id) FROM authorisations a "
            "LIMIT 1").fetchone()
        for sql in ("UPDATE authorisations SET purpose = 'changed' WHERE id = ?",
                    f"UPDATE authorisations SET person_id = {other} WHERE id = ?"):
            with pytest.raises(sqlcipher3.IntegrityError, match="immutable"):
                conn.execute(sql, (auth,))
        assert conn.execute("SELECT person_id FROM authorisations WHERE id = ?", (auth,)).fetchone()[0] == owner


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
def test_unlocking_a_version_1_vault_in_the_window_upgrades_it(version_1_desk: OldDesk, tmp_path: Path, qtbot,
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

"""Schema migration 5 (blind CVs): authorisations record whether the person agreed to be named.

A vault written by a build whose newest schema is version 2 is opened by this one: the column
appears, every old authorisation reads 'not asked' (None) and keeps working, and new ones can say
'blind CV only', which makes every share under them anonymised."""

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
from vault.store import Vault

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def version_2_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OldDesk]:
    """The demo desk written by the build whose newest schema is 2 (its own code, from git)."""
    desk = build_old_desk(2, tmp_path_factory.mktemp("v2"), NOW)
    if desk is None:
        pytest.skip("the code that wrote schema 2 comes from git history, which is not available here")
    yield desk


def test_version_2_vault_gains_may_name_and_keeps_every_authorisation(version_2_desk: OldDesk,
                                                                       tmp_path: Path) -> None:
    path = tmp_path / "old.cvault"
    shutil.copyfile(version_2_desk.path, path)
    old = connect(path, version_2_desk.raw_key, readonly=True)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 2
    columns = [r[1] for r in old.execute("PRAGMA table_info(authorisations)")]
    assert "may_name" not in columns
    count = old.execute("SELECT count(*) FROM authorisations").fetchone()[0]
    old.close()
    assert count > 0
    with Vault.open(path, raw_key=version_2_desk.raw_key, config=AppConfig(tmp_path / "config")) as vault:
        conn = vault.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION
        assert conn.execute("SELECT count(*) FROM authorisations WHERE may_name IS NULL").fetchone()[0] == count
        first = conn.execute("SELECT uuid FROM authorisations LIMIT 1").fetchone()[0]
        assert vault.authorisations.get(first).may_name is None
        assert vault.authorisations.get(first).to_json()["may_name"] is None
        with pytest.raises(sqlcipher3.IntegrityError, match="immutable"):
            conn.execute("UPDATE authorisations SET may_name = 0 WHERE uuid = ?", (first,))
        migrated = [r[0] for r in conn.execute("SELECT details FROM audit WHERE action = 'vault.migrated'")]
        assert migrated == [f'{{"from":{v},"to":{v + 1}}}' for v in range(2, schema.LATEST_VERSION)]
        assert vault.check().ok and vault.verify_audit_chain().ok

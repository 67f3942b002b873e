"""Schema 3 (frozen parties): a vault written at schema 2, by the code of schema 2, upgrades without
losing anything, and from then on what its authorisations name is fixed.

The schema 2 desk holds what an older version allowed: Eve edited into Kiezbank after Pat agreed to
share with anyone at Kiezbank. The audit trail shows that edit, so the upgraded vault knows Eve
joined Kiezbank by an edit, after the consent, and does not let that consent cover her.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlcipher3

from tests.helpers.old_schema import OldDesk, build_old_desk
from vault import schema, sharing
from vault.config import AppConfig
from vault.connection import connect
from vault.errors import ConstraintViolated, PartyFrozen, ShareNotAuthorised
from vault.store import Vault

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

THEN = """
from vault.people import NewContactPoint, PersonFields
vault.recipients.add("Eve Example", email="eve@acme.example", organisation="Acme Old")
pat = vault.people.add(PersonFields(full_name="Pat Migrated"), [NewContactPoint("email", "pat@example.com")])
vault.authorisations.log(pat.id, organisation="Kiezbank", scope=["email"], purpose="Role", method="email",
                         obtained_at="2026-01-01", valid_until="2099-12-31")
vault.recipients.update("Eve Example", organisation="Kiezbank")
"""

GRANTEES = """
SELECT a.uuid, coalesce(r.name, ''), coalesce(ro.name, ''), coalesce(o.name, '')
FROM authorisations a LEFT JOIN recipients r ON r.id = a.recipient_id
LEFT JOIN organisations ro ON ro.id = r.organisation_id LEFT JOIN organisations o ON o.id = a.organisation_id
ORDER BY a.uuid
"""


@pytest.fixture(scope="module")
def version_2_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OldDesk]:
    desk = build_old_desk(2, tmp_path_factory.mktemp("v2"), NOW, then=THEN)
    if desk is None:
        pytest.skip("the code that wrote schema 2 comes from git history, which is not available here")
    yield desk


def _copy(desk: OldDesk, folder: Path) -> Path:
    target = folder / "old.cvault"
    shutil.copyfile(desk.path, target)
    return target


def test_a_version_2_vault_upgrades_and_freezes_what_its_authorisations_name(version_2_desk, tmp_path):
    path = _copy(version_2_desk, tmp_path)
    old = connect(path, version_2_desk.raw_key, readonly=True)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 2
    grantees = old.execute(GRANTEES).fetchall()
    recipients = old.execute("SELECT uuid, name, email, organisation_id FROM recipients ORDER BY uuid").fetchall()
    shares = old.execute("SELECT count(*) FROM shares").fetchone()[0]
    old.close()
    assert shares > 0 and len(recipients) >= 5

    with Vault.open(path, raw_key=version_2_desk.raw_key, config=AppConfig(tmp_path / "config")) as vault:
        conn = vault.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION
        migrated = [json.loads(r[0]) for r in conn.execute("SELECT details FROM audit WHERE action = 'vault.migrated'")]
        assert {"from": 2, "to": 3} in migrated
        # Nothing lost or changed: every authorisation names the same party, every recipient is as it was.
        assert conn.execute(GRANTEES).fetchall() == grantees
        assert conn.execute("SELECT uuid, name, email, organisation_id FROM recipients ORDER BY uuid").fetchall() \
            == recipients
        assert conn.execute("SELECT count(*) FROM recipients WHERE superseded_by IS NOT NULL").fetchone()[0] == 0
        # Every recipient at an organisation has its membership; Eve's came from an edit.
        members = dict(conn.execute("SELECT r.name, m.how FROM recipient_memberships m "
                                    "JOIN recipients r ON r.id = m.recipient_id").fetchall())
        assert len(members) == sum(1 for r in recipients if r[3] is not None)
        assert members["Eve Example"] == "edited"
        assert {how for name, how in members.items() if name != "Eve Example"} == {"created"}
        assert vault.check().ok and vault.verify_audit_chain().ok

        # The consent Pat gave Kiezbank does not cover Eve, who was edited in after it.
        pat = conn.execute("SELECT uuid FROM people WHERE full_name = 'Pat Migrated'").fetchone()[0]
        with pytest.raises(ShareNotAuthorised, match="was put into it by an edit on"):
            sharing.build_share(vault, pat, "Eve Example", ["email"], tmp_path / "eve.zip")
        assert not (tmp_path / "eve.zip").exists()
        # A recipient the demo's authorisations name is frozen, by the code and by the schema.
        named = conn.execute("SELECT r.uuid, r.name FROM recipients r WHERE EXISTS "
                             "(SELECT 1 FROM authorisations a WHERE a.recipient_id = r.id) LIMIT 1").fetchone()
        with pytest.raises(PartyFrozen):
            vault.recipients.update(named[0], name="Someone Else")
        with pytest.raises(ConstraintViolated), vault.transaction() as c:
            c.execute("UPDATE recipients SET email = 'x@y.example' WHERE uuid = ?", (named[0],))
        with pytest.raises(ConstraintViolated, match="organisation named by an authorisation"), \
                vault.transaction() as c:
            c.execute("UPDATE organisations SET name = 'Renamed' WHERE name = 'Kiezbank'")
        assert vault.recipients.get(named[0]).name == named[1]


def test_an_upgraded_version_2_vault_has_the_schema_of_a_new_one(version_2_desk, vault, tmp_path):
    def shape(conn: sqlcipher3.Connection) -> list[tuple[str, str, str]]:
        return conn.execute("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL "
                            "AND name NOT LIKE 'search_index_%' ORDER BY type, name").fetchall()

    path = _copy(version_2_desk, tmp_path)
    with Vault.open(path, raw_key=version_2_desk.raw_key, config=AppConfig(tmp_path / "c")) as old:
        upgraded = shape(old.conn)
    assert upgraded == shape(vault.conn)

"""SIGKILL during bulk writes: every acknowledged commit survives, the vault stays healthy."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from vault.store import Vault

WRITER = Path(__file__).parent / "helpers" / "bulk_writer.py"


@pytest.mark.slow
def test_sigkill_during_bulk_insert_loses_nothing_acknowledged(vault_path, template_vault, app_config):
    rng = random.Random(20261121)
    acknowledged: list[str] = []
    kills = 0
    for round_number in range(max(20, int(60 * float(os.environ.get("CV_KILL_SCALE", "1"))))):
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(vault_path), PASSPHRASE, f"R{round_number}"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        # The KDF takes ~0.2 s; kill somewhere in the writes that follow.
        time.sleep(0.25 + rng.random() * 0.6)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        kills += 1
        acknowledged.extend(line.split()[1] for line in out.splitlines() if line.startswith("committed "))
    assert kills >= 20
    assert len(acknowledged) > 20, "the writer never got going; the test would prove nothing"
    vault = Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
    try:
        present = {row[0] for row in vault.conn.execute("SELECT uuid FROM people")}
        missing = [u for u in acknowledged if u not in present]
        assert missing == []
        # No half transaction: every person has their e-mail, tag and index row.
        orphans = vault.conn.execute(
            "SELECT count(*) FROM people p WHERE NOT EXISTS (SELECT 1 FROM contact_points c WHERE c.person_id = p.id)"
            " OR NOT EXISTS (SELECT 1 FROM search_index s WHERE s.rowid = p.id)"
        ).fetchone()[0]
        assert orphans == 0
        created_events = vault.conn.execute("SELECT count(*) FROM audit WHERE action = 'person.created'").fetchone()[0]
        assert created_events == len(present)
        report = vault.check()
        assert report.ok, report.problems
        assert report.chain.ok
    finally:
        vault.close()

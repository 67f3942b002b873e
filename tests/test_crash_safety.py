"""SIGKILL during bulk writes: every acknowledged commit survives, the vault stays healthy."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from vault.people import PersonFields
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


def _strace() -> str:
    path = shutil.which("strace")
    if path is None:
        pytest.skip("strace is not installed (scripts/system-deps.sh installs it)")
    probe = subprocess.run([path, "-f", "-o", os.devnull, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here ({probe.stderr.strip()[:80]})")
    return path


def test_every_acknowledged_commit_was_synced_to_the_wal_first(vault_path, tmp_path):
    """A SIGKILL keeps the page cache, so the kill test above passes even with synchronous=OFF.
    What makes an acknowledged commit survive a power cut is the fsync of the -wal before the
    COMMIT returns: traced here for real (strace), between every two acknowledgements."""
    trace = tmp_path / "sync.trace"
    proc = subprocess.Popen(
        [_strace(), "-f", "-y", "-s", "24", "-e", "trace=fsync,fdatasync,write", "-o", str(trace),
         sys.executable, str(WRITER), str(vault_path), PASSPHRASE, "Sync"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )
    acknowledged = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        acknowledged += line.startswith("committed ")
        if acknowledged >= 15:
            break
    os.killpg(proc.pid, signal.SIGKILL)  # strace and the writer it traces
    proc.communicate()
    synced_since_last = False
    checked = 0
    for line in trace.read_text(errors="replace").splitlines():
        if ("fsync(" in line or "fdatasync(" in line) and "-wal>" in line and "= 0" in line:
            synced_since_last = True
        elif "write(1" in line and "committed " in line:
            assert synced_since_last, f"commit #{checked + 1} was acknowledged before its -wal was synced"
            synced_since_last = False
            checked += 1
    assert checked >= 10, "too few commits were traced to prove anything"


def test_exports_are_synced_before_they_take_their_name(vault, vault_path, tmp_path):
    """A plaintext export is fsynced while still unnamed, then linked into place: a crash leaves
    either the whole file or nothing under its name."""
    from tests.conftest import cli_env, corpus_file

    person = vault.people.add(PersonFields(full_name="Synced Export"))
    doc = vault.documents.add_file(person.uuid, corpus_file("resumes/careerrag__sample-resume.pdf"))
    vault.close()
    trace = tmp_path / "export.trace"
    out = tmp_path / "exported.pdf"
    done = subprocess.run(
        [_strace(), "-f", "-y", "-e", "trace=fsync,fdatasync,linkat,rename,renameat,renameat2", "-o", str(trace),
         sys.executable, "-m", "ui.launcher", "resume", "export", doc.uuid, "--out", str(out)],
        env=cli_env(vault_path, tmp_path / "cfg"), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    synced: set[str] = set()
    named = False
    for line in trace.read_text(errors="replace").splitlines():
        if ("fsync(" in line or "fdatasync(" in line) and "= 0" in line:
            synced.add(line.split("(", 1)[1].split("<", 1)[0])
        if out.name in line and ("linkat(" in line or "rename" in line):
            source = line.split("/proc/self/fd/", 1)[1].split('"', 1)[0] if "/proc/self/fd/" in line else None
            assert source is None or source in synced, f"linked before fd {source} was synced: {line}"
            assert synced, line
            named = True
    assert named, "the export never took its name"

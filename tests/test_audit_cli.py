"""``contact-vault audit …`` through the real CLI in a subprocess."""

from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest
from conftest import CLI, PASSPHRASE, cli_env

from vault import audit
from vault.config import AppConfig
from vault.people import PersonFields
from vault.store import Vault


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def prepared(vault_path, template_vault, clock, tmp_path):
    """A vault with two people, closed so the CLI can open it; returns (env, ada uuid, bob uuid)."""
    vault = Vault.open(vault_path, raw_key=template_vault[1], clock=clock, config=AppConfig(tmp_path / "cfg0"))
    ada = vault.people.add(PersonFields(full_name="Ada Lovelace"))
    clock.advance(days=3)
    bob = vault.people.add(PersonFields(full_name="Bob Babbage"))
    vault.close()
    return cli_env(vault_path, tmp_path / "cli-config"), ada.uuid, bob.uuid


def test_export_each_format_and_verify_the_jsonl(prepared, tmp_path):
    env, ada, _ = prepared
    for fmt in ("jsonl", "csv", "pdf"):
        out = tmp_path / f"audit.{fmt}"
        proc = run(env, "audit", "export", "--format", fmt, "--out", str(out), "--json")
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        assert data["path"] == str(out) and data["format"] == fmt and data["events"] > 0
        assert data["id"] == data["checkpoint"]["seq"]
        assert out.stat().st_size > 0
    assert (tmp_path / "audit.pdf").read_bytes().startswith(b"%PDF")
    proc = run(env, "audit", "verify", str(tmp_path / "audit.jsonl"))
    assert proc.returncode == 0, proc.stderr
    assert "verifies" in proc.stdout and "events #1-#" in proc.stdout
    proc = run(env, "audit", "verify", str(tmp_path / "audit.jsonl"), "--json")
    assert json.loads(proc.stdout)["ok"] is True


def test_export_filters_person_dates_and_actions(prepared, tmp_path):
    env, ada, bob = prepared
    out = tmp_path / "ada.jsonl"
    proc = run(env, "audit", "export", "--format", "jsonl", "--out", str(out), "--person", ada[:8])
    assert proc.returncode == 0, proc.stderr
    assert "person " + ada in proc.stdout
    events = [json.loads(line) for line in out.read_text().splitlines()[1:]]
    assert [e["subject"]["id"] for e in events if "gap" not in e] == [ada]

    out = tmp_path / "range.jsonl"
    proc = run(env, "audit", "export", "--format", "jsonl", "--out", str(out), "--since", "2026-03-04",
               "--until", "2026-03-04", "--action", "person.created", "--action", "person.updated", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["scope"] == {"person": None, "since": "2026-03-04T00:00:00.000Z",
                                                "until": "2026-03-05T00:00:00.000Z",
                                                "actions": ["person.created", "person.updated"]}
    events = [json.loads(line) for line in out.read_text().splitlines()[1:]]
    assert [e["annotations"]["subject_name"] for e in events if "gap" not in e] == ["Bob Babbage"]
    assert run(env, "audit", "verify", str(out)).returncode == 0


def test_usage_and_refusals(prepared, tmp_path):
    env, _, _ = prepared
    proc = run(env, "audit", "export", "--format", "xml", "--out", str(tmp_path / "x"))
    assert proc.returncode == 2 and "usage" in proc.stderr
    proc = run(env, "audit", "export", "--format", "csv", "--out", str(tmp_path / "x.csv"), "--action", "nope")
    assert proc.returncode == 1 and "unknown action 'nope'" in proc.stderr
    proc = run(env, "audit", "export", "--format", "csv", "--out", str(tmp_path / "x.csv"), "--since", "soon")
    assert proc.returncode == 1 and "since" in proc.stderr
    proc = run(env, "audit", "verify", str(tmp_path / "missing.jsonl"))
    assert proc.returncode == 1 and "cannot be read" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_checkpoint_command_and_verifying_the_vault_against_it(prepared, tmp_path):
    env, _, _ = prepared
    saved = tmp_path / "cp.json"
    proc = run(env, "audit", "checkpoint", "--out", str(saved), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert json.loads(saved.read_text()) == {k: v for k, v in data.items() if k != "id"}
    assert data["type"] == "contact-vault-checkpoint" and data["id"] == data["seq"]
    proc = run(env, "audit", "verify", "--checkpoint", str(saved))
    assert proc.returncode == 0, proc.stderr
    assert f"earlier checkpoint #{data['seq']} is contained" in proc.stdout
    # A later export still contains the saved checkpoint.
    out = tmp_path / "later.jsonl"
    assert run(env, "audit", "export", "--format", "jsonl", "--out", str(out)).returncode == 0
    proc = run(env, "audit", "verify", str(out), "--checkpoint", str(saved))
    assert proc.returncode == 0 and f"earlier checkpoint #{data['seq']}" in proc.stdout
    # A checkpoint the owner never signed is refused.
    forged = dict(data, hash="0" * 63 + "1")
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    proc = run(env, "audit", "verify", "--checkpoint", str(tmp_path / "forged.json"))
    assert proc.returncode == 1 and "not signed by this vault's owner key" in proc.stderr


def test_verify_vault_chain_json(prepared):
    env, _, _ = prepared
    proc = run(env, "audit", "verify", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["ok"] is True and data["broken_at"] is None and data["count"] == data["verified_up_to"]
    again = json.loads(run(env, "audit", "verify", "--json").stdout)
    assert again["count"] == data["count"], "verifying the chain opens the vault read-only and adds nothing"


def test_unlock_event_counts_failed_attempts_since_the_last_success(prepared, tmp_path):
    env, _, _ = prepared
    wrong = dict(env, CONTACT_VAULT_PASSPHRASE="not the passphrase at all")
    for _ in range(2):
        proc = run(wrong, "audit", "verify")
        assert proc.returncode == 1 and "passphrase" in proc.stderr.lower()
    out = tmp_path / "unlocks.jsonl"
    assert run(env, "audit", "export", "--format", "jsonl", "--out", str(out), "--action",
               "vault.unlocked").returncode == 0
    unlocks = [json.loads(line) for line in out.read_text().splitlines()[1:]]
    counts = [e["details"]["failed_attempts"] for e in unlocks if "gap" not in e]
    assert counts[-1] == 2  # the successful unlock that made this export
    assert run(env, "audit", "export", "--format", "jsonl", "--out", str(out), "--action",
               "vault.unlocked").returncode == 0
    counts = [json.loads(line)["details"]["failed_attempts"] for line in out.read_text().splitlines()[1:]
              if '"gap"' not in line]
    assert counts[-2:] == [2, 0]
    assert PASSPHRASE not in out.read_text()


@pytest.mark.slow
def test_chain_verification_speed(vault):
    """The design target is 200,000 events/s (the benchmark times 1,000,000). Measured in CPU time
    of this process so other work on a shared machine does not make it flaky; a margin remains."""
    subject = str(uuid.uuid4())
    with vault.transaction():
        for i in range(100_000):
            vault.record("person.updated", "person", subject, {"fields": ["notes"], "n": i})
    best = 0.0
    for _ in range(3):
        start = time.process_time()
        status = audit.verify_chain(vault.conn)
        best = max(best, status.count / (time.process_time() - start))
    assert status.ok and status.count > 100_000
    print(f"\nchain verification: {best:,.0f} events per CPU second")
    assert best > 150_000


def test_verify_vault_with_pinned_key(prepared, tmp_path, template_vault, vault_path):
    env, _, _ = prepared
    proc = run(env, "identity")
    pub = tmp_path / "owner.pub"
    pub.write_text("\n".join(proc.stdout.splitlines()[:2]) + "\n")
    assert run(env, "audit", "verify", "--key", str(pub)).returncode == 0
    other = "RWQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    proc = run(env, "audit", "verify", "--key", other)
    assert proc.returncode == 1 and "is not the key given" in proc.stderr

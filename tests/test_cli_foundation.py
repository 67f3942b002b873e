"""The real `contact-vault` CLI in subprocesses: JSON output, exit codes, one-line errors."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

import pytest
import sqlcipher3

from tests.conftest import CLI, PASSPHRASE, cli_env, corpus_file


def run(env, *args, check_exit=None):
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=120)
    if check_exit is not None:
        assert result.returncode == check_exit, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture
def env(vault_path, tmp_path):
    return cli_env(vault_path, tmp_path / "cli-config")


def one_line_error(result):
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_init_add_show_search_resume_json(tmp_path):
    env = cli_env(tmp_path / "fresh.cvault", tmp_path / "cfg")
    created = json.loads(run(env, "init", "--name", "Rita", "--org", "Northwind", "--json", check_exit=0).stdout)
    assert created["id"] and created["fingerprint"]
    person = json.loads(run(env, "person", "add", "--name", "Jane Canary", "--email", "jane@example.org",
                            "--phone", "+44 20 7946 0958", "--org", "Acme", "--title", "CTO", "--tag", "python",
                            "--note", "met at a meetup", "--source", "referral", "--json", check_exit=0).stdout)
    pid = person["id"]
    assert len(pid) == 36
    shown = json.loads(run(env, "person", "show", pid[:8], "--json", check_exit=0).stdout)
    assert shown["full_name"] == "Jane Canary" and shown["tags"] == ["python"]
    assert {p["source"] for p in shown["contact_points"]} == {"referral"}
    resume = corpus_file("resumes/careerrag__sample-resume.pdf")
    doc = json.loads(run(env, "resume", "add", pid, str(resume), "--json", check_exit=0).stdout)
    assert doc["id"] and doc["mime_type"] == "application/pdf"
    found = json.loads(run(env, "search", "jordan", "--json", check_exit=0).stdout)
    assert [p["uuid"] for p in found["people"]] == [pid]
    listed = json.loads(run(env, "resume", "list", pid, "--json", check_exit=0).stdout)
    assert listed[0]["id"] == doc["id"]
    out = tmp_path / "exported.pdf"
    run(env, "resume", "export", doc["id"], "--out", str(out), check_exit=0)
    assert out.read_bytes() == resume.read_bytes()
    edited = json.loads(run(env, "person", "edit", pid, "--title", "CEO", "--tag", "leader", "--json",
                            check_exit=0).stdout)
    assert edited["title"] == "CEO" and "leader" in edited["tags"]
    listing = json.loads(run(env, "person", "list", "--json", check_exit=0).stdout)
    assert listing["total"] == 1
    ident = run(env, "identity", check_exit=0).stdout
    assert ident.startswith("untrusted comment: minisign public key ") and "fingerprint:" in ident
    assert "healthy" in run(env, "check", check_exit=0).stdout
    backup = tmp_path / "backup.cvault"
    run(env, "backup", "--out", str(backup), check_exit=0)
    assert backup.exists()
    run(env, "person", "delete", pid, check_exit=1)  # needs --yes
    run(env, "person", "delete", pid, "--yes", check_exit=0)
    assert json.loads(run(env, "person", "list", "--json", check_exit=0).stdout)["total"] == 0
    erased = run(env, "audit", "export", "--format", "jsonl", "--out", str(tmp_path / "a.jsonl"), "--action",
                 "person.erased", check_exit=0)
    assert erased.returncode == 0 and '"person.erased"' in (tmp_path / "a.jsonl").read_text()
    assert "verified" in run(env, "audit", "verify", check_exit=0).stdout


def test_invalid_input_and_usage(env):
    err = one_line_error(run(env, "person", "add", "--name", "X", "--email", "bad@", check_exit=1))
    assert "email" in err
    one_line_error(run(env, "person", "show", "ffffffff", check_exit=1))
    one_line_error(run(env, "frobnicate", check_exit=2))
    one_line_error(run(env, "person", "add", check_exit=2))


def test_passphrase_file_and_passwd(env, tmp_path):
    pass_file = tmp_path / "pass.txt"
    pass_file.write_text(PASSPHRASE + "\n")
    new_file = tmp_path / "new.txt"
    new_file.write_text("another long passphrase\n")
    no_env = {k: v for k, v in env.items() if k != "CONTACT_VAULT_PASSPHRASE"}
    run(no_env, "person", "list", "--passphrase-file", str(pass_file), check_exit=0)
    run(no_env, "passwd", "--passphrase-file", str(pass_file), "--new-passphrase-file", str(new_file), check_exit=0)
    err = one_line_error(run(no_env, "person", "list", "--passphrase-file", str(pass_file), check_exit=1))
    assert "passphrase is not correct" in err
    run(no_env, "person", "list", "--passphrase-file", str(new_file), check_exit=0)
    err = one_line_error(run(no_env, "person", "list", check_exit=1))  # no tty, no env, no keyring
    assert "passphrase" in err


@pytest.mark.parametrize("damage", ["wrong-passphrase", "empty", "random", "truncated", "flipped"])
def test_damaged_vaults_get_their_own_message_and_stay_untouched(env, vault_path, damage):
    data = vault_path.read_bytes()
    if damage == "empty":
        vault_path.write_bytes(b"")
    elif damage == "random":
        vault_path.write_bytes(os.urandom(len(data) + 123))
    elif damage == "truncated":
        vault_path.write_bytes(data[: len(data) - 1500])
    elif damage == "flipped":
        flipped = bytearray(data)
        flipped[300] ^= 0x04
        vault_path.write_bytes(bytes(flipped))
    if damage == "wrong-passphrase":
        env = {**env, "CONTACT_VAULT_PASSPHRASE": "definitely wrong"}
    before = hashlib.sha256(vault_path.read_bytes()).hexdigest()
    err = one_line_error(run(env, "person", "list", check_exit=1))
    expected = {
        "wrong-passphrase": "passphrase is not correct",
        "empty": "the file is empty",
        "random": "the file is cut short",
        "truncated": "the file is cut short",
        "flipped": "pages fail their integrity check",
    }[damage]
    assert expected in err
    if damage != "wrong-passphrase":
        assert "damaged" in err and "backup" in err
    assert hashlib.sha256(vault_path.read_bytes()).hexdigest() == before


def test_tampered_audit_event_is_caught_by_audit_verify(env, vault_path):
    run(env, "person", "add", "--name", "Audit Subject", check_exit=0)
    conn = sqlcipher3.connect(str(vault_path))
    conn.execute("PRAGMA key = '" + PASSPHRASE + "'")
    conn.execute("DROP TRIGGER audit_no_update")
    target = conn.execute("SELECT seq FROM audit WHERE action = 'person.created'").fetchone()[0]
    conn.execute("UPDATE audit SET details = '{\"kind\":\"contact\"}' WHERE seq = ?", (target,))
    conn.commit()
    conn.close()
    result = run(env, "audit", "verify", check_exit=1)
    assert f"#{target}" in result.stdout + result.stderr


def test_audit_table_refuses_update_and_delete(vault):
    with pytest.raises(sqlcipher3.IntegrityError):
        vault.conn.execute("UPDATE audit SET action = 'x' WHERE seq = 1")
    with pytest.raises(sqlcipher3.IntegrityError):
        vault.conn.execute("DELETE FROM audit")


def test_global_options_work_before_and_after_the_command(env):
    before = run(env, "--json", "person", "list", check_exit=0)
    after = run(env, "person", "list", "--json", check_exit=0)
    assert before.stdout.lstrip().startswith("{") and after.stdout.lstrip().startswith("{")

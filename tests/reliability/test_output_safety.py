"""Every ``--out`` refuses the vault, its companion files, and anything that is not a regular file.

Before, ``resume export DOC --out "$CONTACT_VAULT_PATH"`` exited 0 leaving a PDF under the vault's
name, and ``audit export --out /dev/null`` (as root) replaced the device node with a file. The
device here is a private node made with mknod (never the machine's /dev/null).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from cli.main import run
from tests.conftest import PASSPHRASE, corpus_file
from vault.audit.verify import verify_export
from vault.people import NewContactPoint, PersonFields


@pytest.fixture
def world(vault, vault_path, tmp_path, monkeypatch):
    person = vault.people.add(PersonFields(full_name="Output Candidate"),
                              [NewContactPoint("email", "oc@example.org")])
    doc = vault.documents.add_file(person.uuid, corpus_file("resumes/careerrag__sample-resume.pdf"))
    recipient = vault.recipients.add("Client Manager", email="cm@client.example")
    vault.authorisations.log(person.uuid, recipient=recipient.uuid, scope=["resume", "email"],
                             purpose="Data role", method="email", obtained_at="2026-02-01")
    vault.close()
    monkeypatch.setenv("CONTACT_VAULT_PATH", str(vault_path))
    monkeypatch.setenv("CONTACT_VAULT_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CONTACT_VAULT_CONFIG_DIR", str(tmp_path / "cli-config"))
    monkeypatch.chdir(tmp_path)  # a file named '-' written by mistake lands here, not in the repository
    return {"person": person.uuid, "doc": doc.uuid, "recipient": recipient.uuid}


def _commands(world: dict[str, str], out: str) -> dict[str, list[str]]:
    return {
        "resume export": ["resume", "export", world["doc"], "--out", out],
        "share": ["share", world["person"], "--recipient", world["recipient"], "--fields", "email", "--out", out],
        "export-person": ["export-person", world["person"], "--out", out],
        "export --all": ["export", "--all", "--out", out],
        "audit checkpoint": ["audit", "checkpoint", "--out", out],
        "audit export": ["audit", "export", "--format", "jsonl", "--out", out],
        "backup": ["backup", "--out", out],
    }


def _targets(vault_path: Path, tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "targets"
    folder.mkdir()
    (folder / "a-folder").mkdir()
    os.mkfifo(folder / "a-fifo")
    os.symlink(folder / "a-folder", folder / "link-to-folder")
    os.symlink(vault_path, folder / "link-to-vault")
    os.link(vault_path, folder / "hard-link-to-vault")
    targets = {
        "the vault": vault_path, "its -wal": Path(f"{vault_path}-wal"), "its -shm": Path(f"{vault_path}-shm"),
        "its lock file": Path(f"{vault_path}.lock"), "a folder": folder / "a-folder", "a FIFO": folder / "a-fifo",
        "a link to a folder": folder / "link-to-folder", "a link to the vault": folder / "link-to-vault",
        "a hard link to the vault": folder / "hard-link-to-vault",
    }
    if os.geteuid() == 0:
        os.mknod(folder / "a-device", 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # a private null device
        targets["a device"] = folder / "a-device"
    return targets


def _snapshot(path: Path) -> tuple[int, str]:
    info = os.lstat(path) if os.path.lexists(path) else None
    if info is None:
        return 0, ""
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(info.st_mode) else ""
    return info.st_mode, digest


def test_every_out_refuses_the_vault_and_what_is_not_a_file(world, vault_path, tmp_path, capsys):
    targets = _targets(vault_path, tmp_path)
    vault_inode = os.stat(vault_path).st_ino
    failures = []
    for target_name, target in targets.items():
        for command, args in _commands(world, str(target)).items():
            before = _snapshot(target)
            code = run(args)
            err = capsys.readouterr().err
            refused = "Refusing to write" in err or (target_name.endswith("folder") and "is a folder" in err)
            if command == "resume export" and target_name == "a folder":
                # A document exported into a folder takes its own name there; the folder stays.
                refused = code == 0 and stat.S_ISDIR(os.stat(target).st_mode)
                code = 1
            changed = _snapshot(target) != before and "vault" not in target_name
            if code != 1 or not refused or changed:
                failures.append(f"{command} --out {target_name}: exit {code}, {err.strip()[:120]}")
    assert failures == [], "\n".join(failures)
    # The vault itself was opened (and audited) by each command, never replaced by an output.
    assert run(["check"]) == 0
    assert os.stat(vault_path).st_ino == vault_inode


def test_dash_writes_to_stdout_where_it_makes_sense(world, tmp_path, capsysbinary):
    assert run(["audit", "export", "--format", "jsonl", "--out", "-"]) == 0
    exported = tmp_path / "from-stdout.jsonl"
    exported.write_bytes(capsysbinary.readouterr().out)
    assert verify_export(exported).ok
    assert run(["export", "--all", "--out", "-"]) == 0
    assert b"FN:Output Candidate" in capsysbinary.readouterr().out
    assert run(["resume", "export", world["doc"], "--out", "-"]) == 0
    assert capsysbinary.readouterr().out.startswith(b"%PDF")
    assert run(["audit", "checkpoint", "--out", "-"]) == 0
    assert json.loads(capsysbinary.readouterr().out)["type"] == "contact-vault-checkpoint"
    for args in (["backup", "--out", "-"], ["export-person", world["person"], "--out", "-"],
                 ["share", world["person"], "--recipient", world["recipient"], "--fields", "email", "--out", "-"]):
        assert run(args) == 1
        captured = capsysbinary.readouterr()
        assert b"standard output" in captured.err and captured.out == b""
    assert not Path("-").exists()

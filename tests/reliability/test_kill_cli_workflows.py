"""SIGKILL of the real CLI during package builds, contact imports and package imports.

Together with the bulk-write, re-key and backup kill tests this makes over 200 kills at random
moments (scale with CV_KILL_SCALE). After every kill: the vault opens, both integrity checks and
the audit chain pass, no half transaction is visible, and no partial output has its final name.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import CLI, cli_env, corpus_file
from vault.config import AppConfig
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault

SCALE = float(os.environ.get("CV_KILL_SCALE", "1"))


def _kills(base: int) -> int:
    return max(2, int(base * SCALE))


def _timed(env: dict[str, str], args: list[str]) -> float:
    start = time.monotonic()
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return time.monotonic() - start


def _kill_at_random(env: dict[str, str], args: list[str], duration: float, rng: random.Random) -> None:
    proc = subprocess.Popen([*CLI, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.05, duration * 1.1))
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _kill_when_a_file_appears(env: dict[str, str], args: list[str], folder: Path, timeout: float) -> None:
    """SIGKILL the command the moment any new entry (a .part file, say) shows in ``folder``."""
    before = set(os.listdir(folder))
    proc = subprocess.Popen([*CLI, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if set(os.listdir(folder)) - before:
            break
        time.sleep(0.0002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _healthy(vault: Vault) -> None:
    report = vault.check()
    assert report.ok, report.problems


@pytest.fixture
def sharing_setup(vault, vault_path):
    person = vault.people.add(PersonFields(full_name="Kill Candidate"), [NewContactPoint("email", "kc@example.org")])
    vault.documents.add_file(person.uuid, corpus_file("resumes/careerrag__sample-resume.pdf"))
    recipient = vault.recipients.add("Client Hiring Manager", email="hm@client.example")
    vault.authorisations.log(person.uuid, recipient=recipient.uuid, scope=["resume", "email"],
                             purpose="Senior data role", method="email", obtained_at="2026-02-01")
    uuids = (person.uuid, recipient.uuid)
    vault.close()
    return uuids


@pytest.mark.slow
def test_kill_during_package_build(sharing_setup, vault_path, template_vault, tmp_path, app_config):
    person, recipient = sharing_setup
    env = cli_env(vault_path, tmp_path / "cfg")
    rng = random.Random(404)
    out_dir = tmp_path / "packages"
    out_dir.mkdir()
    args = lambda n: ["share", person, "--recipient", recipient, "--fields", "email",  # noqa: E731
                      "--out", str(out_dir / f"p{n}.zip")]
    duration = _timed(env, args(0))
    for n in range(1, _kills(40) + 1):
        if n % 4 == 0:
            _kill_when_a_file_appears(env, args(n), out_dir, duration * 3)
        else:
            _kill_at_random(env, args(n), duration, rng)
    _timed(env, ["check"])  # the next command sweeps what the killed ones were writing
    vault = Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
    try:
        _healthy(vault)
        ledger = {row[0] for row in vault.conn.execute("SELECT package_sha256 FROM shares")}
        events = vault.conn.execute("SELECT count(*) FROM audit WHERE action = 'share.created'").fetchone()[0]
        assert events == len(ledger)
        import hashlib

        # Every file in the folder, hidden ones included: a package under its final name is whole
        # and in the ledger, and nothing else (no .part with plaintext contact details) is there.
        for name in os.listdir(out_dir):
            assert re.fullmatch(r"p\d+\.zip", name), f"leftover {name}"
            assert hashlib.sha256((out_dir / name).read_bytes()).hexdigest() in ledger, name
    finally:
        vault.close()
    _no_leftovers(tmp_path)


def _no_leftovers(root: Path) -> None:
    """No temp file anywhere under ``root`` once a command has run (its start sweeps them)."""
    found = [str(p.relative_to(root)) for p in root.rglob("*") if p.name.endswith(".part")
             or (p.parent.name == "staging" and p.name.startswith("pending-"))]
    assert found == [], found


@pytest.mark.slow
def test_kill_during_plaintext_exports_leaves_nothing_readable(sharing_setup, vault_path, template_vault, tmp_path):
    person, _recipient = sharing_setup
    env = cli_env(vault_path, tmp_path / "cfg")
    vault = Vault.open(vault_path, raw_key=template_vault[1], config=AppConfig(tmp_path / "cfg"))
    doc = vault.conn.execute("SELECT uuid FROM documents").fetchone()[0]
    vault.close()
    rng = random.Random(505)
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    for kind, args in (("zip", ["export-person", person, "--out"]), ("pdf", ["resume", "export", doc, "--out"])):
        duration = _timed(env, [*args, str(out_dir / f"whole.{kind}")])
        for n in range(_kills(12)):
            if n % 2:
                _kill_at_random(env, [*args, str(out_dir / f"k{n}.{kind}")], duration, rng)
            else:
                _kill_when_a_file_appears(env, [*args, str(out_dir / f"k{n}.{kind}")], out_dir, duration * 3)
    _timed(env, ["check"])
    for name in os.listdir(out_dir):
        assert re.fullmatch(r"(whole|k\d+)\.(zip|pdf)", name), f"leftover {name}"
    vault = Vault.open(vault_path, raw_key=template_vault[1], config=AppConfig(tmp_path / "cfg"))
    try:
        exported = vault.conn.execute(
            "SELECT count(*) FROM audit WHERE action IN ('person.exported', 'document.exported')").fetchone()[0]
        # Each file under its name was recorded before it took the name.
        assert len(os.listdir(out_dir)) <= exported
    finally:
        vault.close()
    _no_leftovers(tmp_path)


@pytest.mark.slow
def test_kill_during_contact_import(vault_path, template_vault, tmp_path, app_config):
    def fresh_file(round_number: int) -> Path:
        """New people every round: re-importing an imported file is a no-op a kill cannot hurt."""
        # Names from a digest: no two people of any rounds are close names for duplicate detection
        # ("Rnd1x Person 12" and "Rnd11x Person 2" were, and merged one card in a rare run).
        def name(index: int) -> tuple[str, str]:
            digest = hashlib.sha256(f"{round_number}-{index}".encode()).hexdigest()
            return digest[:8].upper(), digest[8:16].upper()

        cards = [f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name(index)[0]} {name(index)[1]}\r\n"
                 f"N:{name(index)[1]};{name(index)[0]};;;\r\n"
                 f"EMAIL;TYPE=WORK:r{round_number}.p{index}@example.net\r\nORG:Firm {round_number}-{index}\r\n"
                 "END:VCARD\r\n" for index in range(400)]
        source = tmp_path / f"contacts-{round_number}.vcf"
        source.write_text("".join(cards))
        return source

    env = cli_env(vault_path, tmp_path / "cfg")
    rng = random.Random(808)
    duration = _timed(env, ["import", str(fresh_file(0)), "--dry-run"])
    before, completed = 0, 0
    for round_number in range(1, _kills(40) + 1):
        _kill_at_random(env, ["import", str(fresh_file(round_number))], duration * 1.5, rng)
        vault = Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
        try:
            count = vault.people.count()
            assert count in (before, before + 400), f"a half import is visible: {count - before} new people"
            completed += count != before
            before = count
        finally:
            vault.close()
    # Some kills must land inside the import itself (not only before it starts or after it ends).
    assert completed < _kills(40), "every import finished: no kill landed inside one"
    vault = Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
    try:
        _healthy(vault)
    finally:
        vault.close()


@pytest.mark.slow
def test_kill_during_package_import(sharing_setup, vault_path, template_vault, tmp_path, app_config):
    person, recipient = sharing_setup
    sender_env = cli_env(vault_path, tmp_path / "cfg")
    package = tmp_path / "incoming.zip"
    _timed(sender_env, ["share", person, "--recipient", recipient, "--fields", "email", "--out", str(package)])
    receiver = tmp_path / "receiver.cvault"
    Vault.create(receiver, "receiver passphrase", owner_name="Receiving Recruiter", config=app_config).close()
    env = cli_env(receiver, tmp_path / "cfg2", passphrase="receiver passphrase")
    rng = random.Random(909)
    duration = 1.5
    imported = False
    for _ in range(_kills(30)):
        _kill_at_random(env, ["import-package", str(package)], duration, rng)
        vault = Vault.open(receiver, "receiver passphrase", config=app_config)
        try:
            people = vault.people.count()
            docs = vault.conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            auths = vault.conn.execute("SELECT count(*) FROM authorisations").fetchone()[0]
            # All or nothing: the person, the stamped resume and cover sheet, the upstream authorisation.
            assert (people, docs, auths) in ((0, 0, 0), (1, 2, 1)), (people, docs, auths)
            imported = people == 1
        finally:
            vault.close()
        if imported:
            break
    vault = Vault.open(receiver, "receiver passphrase", config=app_config)
    try:
        _healthy(vault)
    finally:
        vault.close()

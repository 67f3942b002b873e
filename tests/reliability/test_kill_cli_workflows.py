"""SIGKILL of the real CLI during package builds, contact imports and package imports.

Together with the bulk-write, re-key and backup kill tests this makes over 200 kills at random
moments (scale with CV_KILL_SCALE). After every kill: the vault opens, both integrity checks and
the audit chain pass, no half transaction is visible, and no partial output has its final name.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import pytest

from tests.conftest import CLI, cli_env, corpus_file
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
        _kill_at_random(env, args(n), duration, rng)
    vault = Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
    try:
        _healthy(vault)
        ledger = {row[0] for row in vault.conn.execute("SELECT package_sha256 FROM shares")}
        events = vault.conn.execute("SELECT count(*) FROM audit WHERE action = 'share.created'").fetchone()[0]
        assert events == len(ledger)
        import hashlib

        for package in out_dir.glob("p*.zip"):
            # A package under its final name is whole, verifies, and is in the ledger.
            assert hashlib.sha256(package.read_bytes()).hexdigest() in ledger, package.name
    finally:
        vault.close()


@pytest.mark.slow
def test_kill_during_contact_import(vault_path, template_vault, tmp_path, app_config):
    cards = []
    for index in range(400):
        cards.append(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Imported Person {index}\r\nN:Person {index};Imported;;;\r\n"
                     f"EMAIL;TYPE=WORK:imported{index}@example.net\r\nORG:Firm number {index}\r\nEND:VCARD\r\n")
    source = tmp_path / "contacts.vcf"
    source.write_text("".join(cards))
    env = cli_env(vault_path, tmp_path / "cfg")
    rng = random.Random(808)
    duration = _timed(env, ["import", str(source), "--dry-run"])
    for _ in range(_kills(40)):
        _kill_at_random(env, ["import", str(source)], duration * 1.5, rng)
        vault = Vault.open(vault_path, raw_key=template_vault[1], config=app_config)
        try:
            count = vault.people.count()
            assert count in (0, 400), f"a half import is visible: {count} people"
        finally:
            vault.close()
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

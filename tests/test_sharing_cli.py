"""Sharing through the real CLI (subprocesses): every refusal exits 1 naming its reason and leaves a
'share.refused' event; a CLI-made package passes stock minisign and sha256sum; the whole flow."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import CLI, FIXED_NOW, cli_env, corpus_file
from tests.test_sharing_check import SCENARIOS, build_world, refusals
from vault.clock import FixedClock
from vault.config import AppConfig
from vault.store import Vault

MINISIGN = shutil.which("minisign")
SHA256SUM = shutil.which("sha256sum")


def run(env: dict[str, str], *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}: {done.stderr}")
    return done


@pytest.fixture(scope="module")
def cli_world(template_vault, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-world")
    path = folder / "world.cvault"
    shutil.copyfile(template_vault[0], path)
    with Vault.open(path, raw_key=template_vault[1], clock=FixedClock(FIXED_NOW),
                    config=AppConfig(folder / "config")) as vault:
        world = build_world(vault, folder)
    return path, template_vault[1], world, cli_env(path, folder / "cli-config")


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
def test_cli_refusal_exits_1_names_the_reason_and_is_audited(cli_world, tmp_path, name):
    path, key, world, env = cli_world
    sc = world[name]
    with Vault.open(path, raw_key=key, config=AppConfig(tmp_path / "c")) as vault:
        before = len(refusals(vault, sc.person))
    args = ["share", sc.person[:8], "--recipient", sc.recipient, "--out", str(tmp_path / "p.zip"),
            "--resume", sc.items[0].split(":", 1)[1][:8]]
    fields = [i for i in sc.items if not i.startswith("document:")]
    if fields:
        args += ["--fields", ",".join(fields)]
    done = run(env, *args)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("contact-vault: Share refused: ")
    assert sc.words in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1  # one sentence, no traceback
    assert not (tmp_path / "p.zip").exists()
    with Vault.open(path, raw_key=key, config=AppConfig(tmp_path / "c")) as vault:
        after = refusals(vault, sc.person)
        assert len(after) == before + 1 and after[-1].details["condition"] == sc.condition


def jrun(env: dict[str, str], *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """``--json`` goes after the sub-command (the sub-parser owns it)."""
    return run(env, *args, "--json", check=check)


def _new_vault(tmp_path: Path, name: str, *, org: str = "", email: str = "") -> tuple[Path, dict[str, str]]:
    path = tmp_path / f"{name}.cvault"
    env = cli_env(path, tmp_path / f"{name}-config")
    run(env, "init", "--name", name, "--org", org or f"{name} Recruiting", *(["--email", email] if email else []),
        check=True)
    return path, env


@pytest.mark.slow
@pytest.mark.skipif(not (MINISIGN and SHA256SUM), reason="minisign and sha256sum are installed by system-deps.sh")
def test_cli_package_passes_stock_minisign_and_sha256sum_and_the_whole_flow(tmp_path):
    vault_file, env = _new_vault(tmp_path, "Rita")
    ident = json.loads(jrun(env, "identity", check=True).stdout)
    person = json.loads(jrun(env, "person", "add", "--name", "Jane Doe", "--email", "jane@example.com",
                            "--phone", "+1 415 555 0100", check=True).stdout)
    doc = json.loads(jrun(env, "resume", "add", person["id"][:8],
                         str(corpus_file("resumes/rendercv__John_Doe_ClassicTheme_CV.pdf")), check=True).stdout)
    bob = json.loads(jrun(env, "recipient", "add", "Bob Client", "--email", "bob@acme.example",
                         "--organisation", "Acme", check=True).stdout)
    assert run(env, "recipient", "show", "bob@acme.example", check=True).stdout.startswith("Bob Client")
    assert "Bob Client" in run(env, "recipient", "list", check=True).stdout
    run(env, "organisation", "edit", "Acme", "--website", "https://acme.example", check=True)
    assert [o["website"] for o in json.loads(jrun(env, "organisation", "list", check=True).stdout)] == [
        "https://acme.example"]

    refused = run(env, "share", person["id"][:8], "--recipient", "Bob Client", "--out", str(tmp_path / "x.zip"))
    assert refused.returncode == 1 and "no authorisation" in refused.stderr

    evidence = tmp_path / "consent.txt"
    evidence.write_text("Yes, please send my CV to Acme for the staff engineer role. - Jane\n")
    auth = json.loads(jrun(env, "authorise", person["id"][:8], "--recipient", "Bob Client",
                          "--scope", "resume,email", "--purpose", "Staff Engineer at Acme", "--method", "email",
                          "--obtained", "2020-01-01", "--valid-until", "2099-12-31", "--max-uses", "3",
                          "--evidence", str(evidence), check=True).stdout)
    assert auth["status"] == "active" and auth["evidence_document"]
    listed = json.loads(jrun(env, "authorisations", person["id"][:8], check=True).stdout)
    assert [a["id"] for a in listed] == [auth["id"]]

    out = tmp_path / "share.zip"
    password = tmp_path / "pw.txt"
    password.write_text("correct-pdf-password\n")
    made = json.loads(jrun(env, "share", person["id"][:8], "--recipient", bob["id"][:8],
                          "--fields", "email", "--out", str(out), "--pdf-password-file", str(password),
                          check=True).stdout)
    assert made["authorisation"] == auth["id"] and out.is_file()

    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(unpacked)
    pub = ident["public_key"]
    assert (unpacked / "sender.pub").read_text().splitlines()[1] == pub
    checked = subprocess.run([MINISIGN, "-Vm", "manifest.json", "-P", pub], cwd=unpacked, capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stderr
    assert f"package:{made['package_id']}" in checked.stdout
    sums = subprocess.run([SHA256SUM, "-c", "SHA256SUMS"], cwd=unpacked, capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    assert sums.stdout.count(": OK") == len(list(unpacked.iterdir())) - 1
    manifest = json.loads((unpacked / "manifest.json").read_text())
    assert manifest["person"]["email"] == ["jane@example.com"] and "phone" not in manifest["person"]
    resume = next(f for f in manifest["files"] if f["role"] == "resume")
    assert resume["original_sha256"] == doc["sha256"] and resume["encrypted"] is True

    good = run(env, "verify", str(out), "--sender-key", str(unpacked / "sender.pub"))
    assert good.returncode == 0 and "VALID" in good.stdout
    ledger = json.loads(jrun(env, "shares", person["id"][:8], check=True).stdout)
    assert [s["package_id"] for s in ledger] == [made["package_id"]]

    # Revoked: the next share is refused with the reason.
    run(env, "revoke", auth["id"][:8], "--reason", "candidate accepted another offer", check=True)
    again = run(env, "share", person["id"][:8], "--recipient", "Bob Client", "--out", str(tmp_path / "y.zip"))
    assert again.returncode == 1 and "was revoked on" in again.stderr

    # Introduction requests.
    contact = json.loads(jrun(env, "person", "add", "--name", "Hana Manager", "--kind", "contact",
                             "--email", "hana@bigco.example", check=True).stdout)
    req = json.loads(jrun(env, "intro", "request", contact["id"][:8], "--recipient", "Bob Client",
                         "--reason", "hiring a VP", check=True).stdout)
    assert req["status"] == "pending"
    pending = json.loads(jrun(env, "intro", "list", "--status", "pending", check=True).stdout)
    assert [r["id"] for r in pending] == [req["id"]]

    # Import into Bob's own vault, trusting Rita's key after comparing its fingerprint: the person
    # arrives locked with the upstream authorisation.
    _, env2 = _new_vault(tmp_path, "Bob Client", org="Acme", email="bob@acme.example")
    untrusted = run(env2, "import-package", str(out))
    assert untrusted.returncode == 1 and ident["fingerprint"] in untrusted.stderr
    imported = json.loads(jrun(env2, "import-package", str(out), "--trust-fingerprint", ident["fingerprint"],
                               check=True).stdout)
    shown = json.loads(jrun(env2, "person", "show", imported["id"][:8], check=True).stdout)
    assert shown["sharing_policy"] == "locked"
    assert {(p["kind"], p["source"]) for p in shown["contact_points"]} == {("email", "package")}
    upstream = json.loads(jrun(env2, "authorisations", imported["id"][:8], check=True).stdout)
    assert upstream[0]["method"] == "upstream" and upstream[0]["upstream"]["authorisation"]["id"] == auth["id"]
    onward = run(env2, "share", imported["id"][:8], "--recipient", "Rita", "--out", str(tmp_path / "z.zip"))
    assert onward.returncode == 1 and "locked" in onward.stderr
    twice = run(env2, "import-package", str(out))
    assert twice.returncode == 1 and "already imported" in twice.stderr

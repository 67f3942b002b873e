"""Trust in a received package, at the core and through the real CLI: the sender's key must be trusted
explicitly and is never pinned silently, lookalike and hidden-character names are refused, a
re-signed package is reported as unverified, and a package made for someone else is refused.
Each refusal says why in one sentence and writes nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest
import rfc8785

from tests.conftest import CLI, FIXED_NOW, PASSPHRASE, cli_env, corpus_file
from tests.test_package_import import receiver, receiver_template, snapshot  # noqa: F401 (fixtures)
from tests.test_package_verify import make_package
from vault import sharing
from vault.clock import FixedClock
from vault.config import AppConfig
from vault.errors import PackageInvalid, PackageMisaddressed, SenderUntrusted, ValidationError
from vault.identity import OwnerKey
from vault.store import Vault

LOOKALIKES = {
    "zero-width": ("Rita Recruiter\u200b", "invisible or text-direction characters (U+200B)"),
    "double-space": ("Rita  Recruiter", "not the key on file"),
    "trailing-space": ("Rita Recruiter ", "not the key on file"),
    "cyrillic-i": ("R\u0456ta Recruiter", "looks like Rita Recruiter (key "),
}


def attacker() -> OwnerKey:
    return OwnerKey(OwnerKey.generate()[0])


def resign(source: Path, target: Path, key: OwnerKey, *, sender: dict[str, str] | None = None,
           recipient: dict[str, str] | None = None, person: dict[str, str] | None = None) -> Path:
    """The package re-signed with ``key`` (its sender.pub, manifest and checksums made to match), as
    anyone holding a copy can do: every check of the bytes passes."""
    with zipfile.ZipFile(source) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(entries["manifest.json"])
    manifest["package_id"] = str(uuid.uuid4())
    manifest["sender"].update(sender or {})
    manifest["recipient"].update(recipient or {})
    manifest["person"].update(person or {})
    manifest["sender"]["public_key"] = key.public.minisign_base64()
    manifest["sender"]["fingerprint"] = key.public.fingerprint
    pub = key.public.minisign_public_key_file().encode()
    entries["sender.pub"] = pub
    for entry in manifest["files"]:
        if entry["name"] == "sender.pub":
            entry["size"], entry["sha256"] = len(pub), hashlib.sha256(pub).hexdigest()
    body = rfc8785.dumps(manifest)
    entries["manifest.json"] = body
    entries["manifest.json.minisig"] = key.minisign(body, f"package:{manifest['package_id']} time:x").encode()
    entries.pop("SHA256SUMS")
    entries["SHA256SUMS"] = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in entries.items()).encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return target


@pytest.fixture
def good(vault: Vault, tmp_path: Path) -> Path:
    """Rita Recruiter (Northwind Talent) sends Jane to Bob Client <bob@acme.example>, the receiver's owner."""
    return make_package(vault, tmp_path / "good.zip").path


def another_package(vault: Vault, out: Path) -> Path:
    """A second package from the same sender to the same Bob."""
    from vault.people import NewContactPoint, PersonFields

    person = vault.people.add(PersonFields(full_name="John Roe"), [NewContactPoint("email", "john@example.com")])
    vault.authorisations.log(person.id, recipient="Bob Client", scope=["email"], purpose="Staff Engineer",
                             method="email", obtained_at="2026-01-15", valid_until="2099-12-31")
    return sharing.build_share(vault, person.id, "Bob Client", ["email"], out).path


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)


def cli_receiver(receiver: Vault, tmp_path: Path) -> dict[str, str]:  # noqa: F811
    receiver.close()
    return cli_env(receiver.path, tmp_path / "cli-config")


def reopened(receiver: Vault, receiver_template, tmp_path: Path) -> Vault:  # noqa: F811
    return Vault.open(receiver.path, raw_key=receiver_template[1], clock=FixedClock(FIXED_NOW),
                      config=AppConfig(tmp_path / "again"))


def no_change(before: dict[str, int], after: dict[str, int], unlocks: int = 0) -> None:
    assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}
    assert after["audit"] == before["audit"] + unlocks


# --- a key is trusted explicitly, never on first sight ------------------------------------------


def test_a_new_senders_key_is_refused_until_trusted_then_known(vault, receiver, good, tmp_path):  # noqa: F811
    fingerprint = vault.owner.identity.fingerprint
    before = snapshot(receiver)
    with pytest.raises(SenderUntrusted) as caught:
        sharing.import_package(receiver, good)
    assert caught.value.fingerprint == fingerprint
    assert f"--trust-fingerprint {fingerprint}" in str(caught.value) and "--sender-key" in str(caught.value)
    with pytest.raises(PackageInvalid, match="not with the key 0000"):
        sharing.import_package(receiver, good, trust_fingerprint="0000" + fingerprint[4:])
    assert snapshot(receiver) == before
    result = sharing.import_package(receiver, good, trust_fingerprint=fingerprint.upper())
    rita = receiver.recipients.get(result.sender_recipient_id)
    assert rita.name == "Rita Recruiter" and rita.fingerprint == fingerprint
    # Her next package needs nothing more: the key is on her record.
    second = another_package(vault, tmp_path / "second.zip")
    assert sharing.import_package(receiver, second).sender_recipient_id == rita.uuid


def test_a_known_name_without_a_key_is_never_pinned_silently(vault, receiver, good, tmp_path):  # noqa: F811
    rita = receiver.recipients.add("Rita Recruiter", email="rita@northwind.example")
    forged = resign(good, tmp_path / "forged.zip", attacker())
    before = snapshot(receiver)
    with pytest.raises(SenderUntrusted, match="which this vault does not trust yet"):
        sharing.import_package(receiver, forged)
    assert snapshot(receiver) == before and receiver.recipients.get(rita.uuid).public_key == ""
    # The real Rita, her fingerprint compared by phone: pinned, as an explicit act.
    result = sharing.import_package(receiver, good, trust_fingerprint=vault.owner.identity.fingerprint)
    assert result.key_pinned and result.sender_recipient_id == rita.uuid
    assert receiver.recipients.get(rita.uuid).public_key == vault.owner.identity.minisign_base64()
    with pytest.raises(PackageInvalid, match="not the key on file"):
        sharing.import_package(receiver, forged)


def test_cli_refuses_an_untrusted_key_with_its_fingerprint_then_trusts_it(vault, receiver, receiver_template,  # noqa: F811
                                                                          good, tmp_path):
    receiver.recipients.add("Rita Recruiter", email="rita@northwind.example")
    before = snapshot(receiver)
    env = cli_receiver(receiver, tmp_path)
    fingerprint = vault.owner.identity.fingerprint
    refused = run(env, "import-package", str(good))
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert f"signed with key {fingerprint}, which this vault does not trust yet" in refused.stderr
    assert f"--trust-fingerprint {fingerprint}" in refused.stderr
    with reopened(receiver, receiver_template, tmp_path) as again:
        no_change(before, snapshot(again), unlocks=2)
        assert again.recipients.get("Rita Recruiter").public_key == ""
    done = run(env, "import-package", str(good), "--trust-fingerprint", fingerprint, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["key_pinned"] is True
    listed = run(env, "recipient", "list")
    assert listed.stdout.count("Rita Recruiter") == 1 and f"[key {fingerprint[:8]}]" in listed.stdout


# --- names that hide or imitate -------------------------------------------------------------------


@pytest.mark.parametrize("case", list(LOOKALIKES))
def test_lookalike_senders_are_refused_once_ritas_key_is_known(vault, receiver, good, tmp_path, case):  # noqa: F811
    name, words = LOOKALIKES[case]
    receiver.recipients.add("Rita Recruiter", public_key=vault.owner.identity.minisign_base64())
    mallory = attacker()
    forged = resign(good, tmp_path / f"{case}.zip", mallory, sender={"name": name})
    before = snapshot(receiver)
    for trust in (None, mallory.public.fingerprint):  # refused even when the user trusts the key
        with pytest.raises(PackageInvalid) as caught:
            sharing.import_package(receiver, forged, trust_fingerprint=trust)
        assert words in str(caught.value)
        assert "\u200b" not in str(caught.value) and "\u0456" not in str(caught.value).replace(name, "")
    assert snapshot(receiver) == before
    assert [r.name for r in receiver.recipients.list()] == ["Rita Recruiter"]


@pytest.mark.parametrize("case", list(LOOKALIKES))
def test_cli_refuses_lookalike_senders(vault, receiver, receiver_template, good, tmp_path, case):  # noqa: F811
    name, words = LOOKALIKES[case]
    receiver.recipients.add("Rita Recruiter", public_key=vault.owner.identity.minisign_base64())
    mallory = attacker()
    forged = resign(good, tmp_path / f"{case}.zip", mallory, sender={"name": name})
    before = snapshot(receiver)
    env = cli_receiver(receiver, tmp_path)
    done = run(env, "import-package", str(forged), "--trust-fingerprint", mallory.public.fingerprint)
    assert done.returncode == 1 and done.stderr.startswith("contact-vault: The package is not valid: ")
    assert words in done.stderr and "\u200b" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    listed = run(env, "recipient", "list")
    assert listed.stdout.count("Recruiter") == 1
    with reopened(receiver, receiver_template, tmp_path) as again:
        no_change(before, snapshot(again), unlocks=3)


def test_hidden_characters_in_a_package_never_reach_the_vault_or_the_terminal(vault, receiver, good,  # noqa: F811
                                                                               tmp_path):
    mallory = attacker()
    for changes in ({"sender": {"name": "Rita \u202eRecruiter"}}, {"sender": {"organisation": "North\u200dwind"}},
                    {"person": {"full_name": "Jane \u202eeoD"}}):
        forged = resign(good, tmp_path / "hidden.zip", mallory, **changes)
        before = snapshot(receiver)
        with pytest.raises(PackageInvalid, match="invisible or text-direction characters") as caught:
            sharing.import_package(receiver, forged, trust_fingerprint=mallory.public.fingerprint)
        assert "\u202e" not in str(caught.value) and "\u200d" not in str(caught.value)
        assert snapshot(receiver) == before
    env = cli_env(tmp_path / "unused.cvault", tmp_path / "cfg")
    shown = run(env, "verify", str(forged), "--json")
    assert "\u202e" not in shown.stdout and "\\u202e" in shown.stdout
    assert json.loads(shown.stdout)["person"] == "Jane \u202eeoD"  # the same data, escaped
    text = run(env, "verify", str(forged))
    assert "\u202e" not in text.stdout + text.stderr and "Jane <U+202E>eoD" in text.stdout


# --- verify: a signature is only as good as the key it was checked with --------------------------


def test_a_re_signed_package_is_reported_unverified(vault, good, tmp_path):
    forged = resign(good, tmp_path / "resigned.zip", attacker())
    report = sharing.verify_package(forged, now=vault.now())
    assert report.ok and not report.sender_verified
    assert "intact, sender UNVERIFIED" in report.summary() and "VALID [" not in report.summary()
    assert "matches only the key inside the package" in report.summary()
    checked = sharing.verify_package(forged, sender_key=vault.owner.identity.minisign_base64(), now=vault.now())
    assert not checked.ok and "different key" in checked.problems[0]
    real = sharing.verify_package(good, sender_key=vault.owner.identity.minisign_base64(), now=vault.now())
    assert real.ok and real.sender_verified and real.summary().splitlines()[0].endswith(": VALID")


def test_cli_verify_of_a_re_signed_package_exits_1_unverified(vault, good, tmp_path):
    forged = resign(good, tmp_path / "resigned.zip", attacker())
    env = cli_env(tmp_path / "unused.cvault", tmp_path / "cfg")
    done = run(env, "verify", str(forged), "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["valid"] is True and report["sender_verified"] is False
    assert done.stderr.startswith("contact-vault: Not verified: the signature matches only the key inside")
    text = run(env, "verify", str(forged))
    assert text.returncode == 1 and "VALID [" not in text.stdout and "sender UNVERIFIED" in text.stdout
    given = run(env, "verify", str(forged), "--sender-key", vault.owner.identity.minisign_base64())
    assert given.returncode == 1 and "NOT VALID" in given.stdout
    real = run(env, "verify", str(good), "--sender-key", vault.owner.identity.minisign_base64(), "--json")
    assert real.returncode == 0 and json.loads(real.stdout)["sender_verified"] is True


# --- a package is for the vault it was addressed to ---------------------------------------------


@pytest.fixture
def third(tmp_path: Path, receiver_template) -> Vault:  # noqa: F811
    """A third recruiter's vault: the package was not made for them."""
    path = tmp_path / "third.cvault"
    shutil.copyfile(receiver_template[0], path)
    with Vault.open(path, raw_key=receiver_template[1], clock=FixedClock(FIXED_NOW),
                    config=AppConfig(tmp_path / "c3")) as opened:
        with opened.transaction() as conn:
            conn.execute("UPDATE owner SET name = 'Tess Third', email = 'tess@third.example' WHERE id = 1")
    third_vault = Vault.open(path, raw_key=receiver_template[1], clock=FixedClock(FIXED_NOW),
                             config=AppConfig(tmp_path / "c3"))
    yield third_vault
    if third_vault.is_open:
        third_vault.close()


def test_a_package_for_bob_is_refused_by_a_third_vault(vault, third, good, tmp_path):
    before = snapshot(third)
    with pytest.raises(PackageMisaddressed) as caught:
        sharing.import_package(third, good, trust_fingerprint=vault.owner.identity.fingerprint)
    assert "it was made for Bob Client (Acme) <bob@acme.example>, not for this vault's owner (Tess Third " \
           "<tess@third.example>)" in str(caught.value)
    assert snapshot(third) == before


def test_the_owner_key_decides_when_the_sender_had_it(vault, receiver, tmp_path):  # noqa: F811
    """Rita had Bob's key: the package names it, and a package naming another key is refused even
    when its e-mail is Bob's."""
    made = make_package(vault, tmp_path / "keyed.zip")
    mallory = attacker()
    other = resign(made.path, tmp_path / "other-key.zip", mallory,
                   recipient={"public_key": attacker().public.minisign_base64()})
    with pytest.raises(PackageMisaddressed, match="another key"):
        sharing.import_package(receiver, other, trust_fingerprint=mallory.public.fingerprint)
    ours = resign(made.path, tmp_path / "our-key.zip", mallory,
                  recipient={"public_key": receiver.owner.identity.minisign_base64(), "email": "old@acme.example"})
    assert sharing.import_package(receiver, ours, trust_fingerprint=mallory.public.fingerprint).person_id


def test_cli_refuses_a_misaddressed_package_naming_who_it_was_for(vault, third, good, tmp_path):
    before = snapshot(third)
    third.close()
    env = cli_env(third.path, tmp_path / "cli3")
    done = run(env, "import-package", str(good), "--trust-fingerprint", vault.owner.identity.fingerprint)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    assert "it was made for Bob Client (Acme) <bob@acme.example>, not for this vault's owner" in done.stderr
    with Vault.open(third.path, PASSPHRASE, config=AppConfig(tmp_path / "c4")) as again:
        no_change(before, snapshot(again), unlocks=2)


# --- what leaves: stamps, cover sheets and vCards never carry hidden characters ------------------


def test_hidden_characters_in_stored_names_are_written_out_on_everything_that_leaves(vault, tmp_path):
    """A vault from before this check may hold such names (typed ones are refused now): the stamp,
    the cover sheet and the card show them as <U+…>, so none reads differently from the record."""
    import io

    from pypdf import PdfReader

    from vault.people import NewContactPoint, PersonFields
    from vault.vcard_export import render

    vault.recipients.add("Bob Client", email="bob@acme.example", organisation="Acme")
    with vault.transaction() as conn:  # as an older version could have stored it
        conn.execute("UPDATE recipients SET name = 'Bob \u202etneilC' WHERE name = 'Bob Client'")
    person = vault.people.add(PersonFields(full_name="Jane Doe"), [NewContactPoint("email", "j@example.com")])
    with pytest.raises(ValidationError, match="invisible"):
        vault.people.update(person.id, PersonFields(full_name="Jane\u200b Doe"))  # typed: refused
    with vault.transaction() as conn:
        conn.execute("UPDATE people SET full_name = 'Jane\u200b Doe' WHERE id = ?", (person.id,))
    doc = vault.documents.add_file(person.id, corpus_file("resumes/rendercv__John_Doe_HarvardTheme_CV.pdf"))
    bob = vault.recipients.list()[0].uuid
    vault.authorisations.log(person.id, recipient=bob, scope=["resume", "email"], purpose="Role \u202eX",
                             method="email", obtained_at="2026-01-15")
    result = sharing.build_share(vault, person.id, bob, [f"document:{doc.uuid}", "email"], tmp_path / "p.zip")
    with zipfile.ZipFile(result.path) as archive:
        cover = archive.read("authorisation.pdf")
        stamped = archive.read("rendercv__John_Doe_HarvardTheme_CV.pdf")
        card = archive.read("contact.vcf").decode()
    cover_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(cover)).pages)
    stamp_text = PdfReader(io.BytesIO(stamped)).pages[0].extract_text()
    for text in (cover_text, stamp_text, card, render([vault.people.get(person.id)]).decode()):
        assert "\u202e" not in text and "\u200b" not in text
    assert "Bob <U+202E>tneilC" in cover_text.replace("\n", " ") and "<U+202E>" in stamp_text
    assert "Jane<U+200B> Doe" in card

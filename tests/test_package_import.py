"""Importing a received package: the happy path (person locked, upstream authorisation, sender
attached) and every unsafe zip refused with nothing written."""

from __future__ import annotations

import shutil
import stat
import subprocess
import warnings
import zipfile
from pathlib import Path

import pytest

from tests.conftest import CLI, FIXED_NOW, PASSPHRASE, cli_env
from tests.test_package_verify import flip, make_package, rewrite
from vault import audit, sharing
from vault.clock import FixedClock
from vault.config import AppConfig
from vault.errors import PackageInvalid, ShareNotAuthorised
from vault.store import Vault

TABLES = ("people", "recipients", "organisations", "documents", "authorisations", "contact_points", "shares")


@pytest.fixture(scope="module")
def receiver_template(tmp_path_factory) -> tuple[Path, bytes]:
    """A second vault with its own owner key (the recipient's), created once."""
    folder = tmp_path_factory.mktemp("receiver")
    path = folder / "receiver.cvault"
    with Vault.create(path, PASSPHRASE, owner_name="Bob Client", organisation="Acme", email="bob@acme.example",
                      clock=FixedClock(FIXED_NOW), config=AppConfig(folder / "config")) as created:
        key = created.raw_key
    return path, key


@pytest.fixture
def receiver(receiver_template, tmp_path):
    path = tmp_path / "receiver.cvault"
    shutil.copyfile(receiver_template[0], path)
    with Vault.open(path, raw_key=receiver_template[1], clock=FixedClock(FIXED_NOW),
                    config=AppConfig(tmp_path / "rconfig")) as opened:
        yield opened


@pytest.fixture
def good(vault, tmp_path) -> Path:
    return make_package(vault, tmp_path / "good.zip").path


def snapshot(vault: Vault) -> dict[str, int]:
    counts = {t: vault.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    counts["audit"] = audit.count_events(vault.conn)
    return counts


def test_import_arrives_locked_with_the_upstream_authorisation_and_sender(vault, receiver, good):
    result = sharing.import_package(receiver, good, trust_fingerprint=vault.owner.identity.fingerprint)
    person = receiver.people.get(result.person_id)
    assert person.full_name == "Jane Q. Doe" and person.sharing_policy == "locked"
    assert person.origin == f"package:{result.package_id}"
    assert {(p.kind, p.value, p.source) for p in person.contact_points} == {
        ("email", "jane@example.com", "package"), ("phone", "+14155550100", "package")}
    docs = {d.role: d for d in receiver.documents.for_person(person.id)}
    assert docs["resume"].file_name.endswith(".pdf") and docs["evidence"].file_name == "authorisation.pdf"
    sender = receiver.recipients.get(result.sender_recipient_id)
    assert sender.public_key == vault.owner.identity.minisign_base64()
    assert sender.name == "Rita Recruiter" and sender.organisation == "Northwind Talent"
    (auth,) = receiver.authorisations.for_person(person.id)
    assert auth.method == "upstream" and auth.recipient_id == sender.id
    # Shown as what it is: the person's consent for the sender to share with this vault's owner.
    assert auth.grantee.startswith("you, from Rita Recruiter (Northwind Talent)")
    assert auth.scope == ("resume", "email", "phone")
    assert auth.to_json()["upstream"]["package_id"] == result.package_id
    assert auth.evidence_document_uuid == docs["evidence"].uuid
    event = audit.query_events(receiver.conn, actions=["package.imported"])[0]
    assert event.subject_id == person.uuid and event.details["package"] == result.package_id
    # No onward sharing: locked, and even unlocked the upstream consent is not consent to pass it on.
    receiver.recipients.add("Someone Else")
    with pytest.raises(ShareNotAuthorised) as caught:
        sharing.build_share(receiver, person.id, "Someone Else", ["email"], Path(good).with_name("onward.zip"))
    assert caught.value.condition == "person-locked"
    receiver.people.set_sharing_policy(person.id, "on-authorisation")
    with pytest.raises(ShareNotAuthorised) as caught:
        sharing.build_share(receiver, person.id, "Rita Recruiter", ["email"], Path(good).with_name("back.zip"))
    assert caught.value.condition == "no-authorisation"
    # The same sender again is recognised by key, not duplicated; the same package is refused.
    with pytest.raises(PackageInvalid, match="already imported"):
        sharing.import_package(receiver, good)


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _duplicate(source: Path, target: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate we are making on purpose
        return rewrite(source, target, extra=[("README.txt", b"a second README")])


def _size_lie(source: Path, target: Path) -> Path:
    """The central directory claims a smaller size than the entry really decompresses to."""
    raw = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo("README.txt")
    index = 0
    while True:  # find README.txt's central directory record
        central = raw.find(b"PK\x01\x02", index)
        name_len = int.from_bytes(raw[central + 28:central + 30], "little")
        if raw[central + 46:central + 46 + name_len] == b"README.txt":
            break
        index = central + 4
    raw[central + 24:central + 28] = (info.file_size // 2).to_bytes(4, "little")
    target.write_bytes(bytes(raw))
    return target


CASES = {
    "dot-dot": (lambda s, t: rewrite(s, t, extra=[("../evil.sh", b"rm -rf ~")]), "'..'"),
    "absolute": (lambda s, t: rewrite(s, t, extra=[("/etc/cron.d/evil", b"* * * * * root sh")]), "absolute path"),
    "backslash": (lambda s, t: rewrite(s, t, extra=[("..\\evil.bat", b"del")]), "backslash"),
    "symlink": (lambda s, t: rewrite(s, t, extra=[(_symlink("resume-link.pdf"), b"/etc/passwd")]), "symbolic link"),
    "duplicate": (_duplicate, "appears more than once"),
    "unlisted": (lambda s, t: rewrite(s, t, extra=[("extra.pdf", b"%PDF-1.4 not signed")]), "not listed"),
    "oversized": (lambda s, t: rewrite(s, t, extra=[("huge.bin", bytes(sharing.MAX_ENTRY_BYTES + 1))]),
                  "oversized"),
    "size-lie": (_size_lie, "README.txt"),
    "folder": (lambda s, t: rewrite(s, t, extra=[("docs/cv.pdf", b"%PDF")]), "folder"),
    "tampered": (lambda s, t: rewrite(s, t, {"contact.vcf": b"BEGIN:VCARD\r\nFN:Mallory\r\nEND:VCARD\r\n"}),
                 "contact.vcf was changed"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_unsafe_packages_are_refused_and_nothing_is_written(receiver, good, tmp_path, case):
    make, words = CASES[case]
    bad = make(good, tmp_path / f"{case}.zip")
    before = snapshot(receiver)
    listing = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(PackageInvalid) as caught:
        sharing.import_package(receiver, bad)
    assert words in str(caught.value)
    assert snapshot(receiver) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
    assert not Path("/etc/cron.d/evil").exists()


def test_oversized_in_total_is_refused(receiver, good):
    with pytest.raises(PackageInvalid, match="oversized"):
        sharing.import_package(receiver, good, max_entry=10**9, max_total=50_000)


def test_cli_import_refuses_a_traversal_entry(receiver, good, tmp_path):
    bad = rewrite(good, tmp_path / "evil.zip", extra=[("../../evil.txt", b"x")])
    before = snapshot(receiver)
    receiver.close()
    env = cli_env(tmp_path / "receiver.cvault", tmp_path / "cli-config")
    done = subprocess.run([*CLI, "import-package", str(bad)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "'..'" in done.stderr and "Traceback" not in done.stderr
    with Vault.open(tmp_path / "receiver.cvault", PASSPHRASE, config=AppConfig(tmp_path / "c2")) as again:
        after = snapshot(again)
    assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}
    assert after["audit"] == before["audit"] + 2  # the two unlocks, nothing else


def test_flipped_resume_byte_is_refused(receiver, good, tmp_path):
    with zipfile.ZipFile(good) as archive:
        name = next(n for n in archive.namelist() if n.endswith("CV.pdf"))
        data = archive.read(name)
    bad = rewrite(good, tmp_path / "flipped.zip", {name: flip(data, len(data) // 3)})
    before = snapshot(receiver)
    with pytest.raises(PackageInvalid, match=name):
        sharing.import_package(receiver, bad)
    assert snapshot(receiver) == before


@pytest.mark.parametrize("break_it", ["files-not-a-list", "no-obtained-at", "email-not-a-list"])
def test_a_validly_signed_but_malformed_manifest_is_refused_cleanly(receiver, good, tmp_path, break_it):
    """A hostile sender can sign anything: the shape is checked before any field is used."""
    import json

    import rfc8785

    from vault.identity import OwnerKey

    with zipfile.ZipFile(good) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    private, _public = OwnerKey.generate()
    key = OwnerKey(private)
    manifest["sender"]["public_key"] = key.public.minisign_base64()
    if break_it == "files-not-a-list":
        manifest["files"] = "everything"
    elif break_it == "no-obtained-at":
        del manifest["authorisation"]["obtained_at"]
    else:
        manifest["person"]["email"] = "jane@example.com"
    manifest["files"] = [f for f in manifest["files"] if f["name"] != "sender.pub"] \
        if isinstance(manifest["files"], list) else manifest["files"]
    body = rfc8785.dumps(manifest)
    changed = {"manifest.json": body, "sender.pub": key.public.minisign_public_key_file().encode(),
               "manifest.json.minisig": key.minisign(body, f"package:{manifest['package_id']} time:x").encode()}
    bad = rewrite(good, tmp_path / "hostile.zip", changed)
    before = snapshot(receiver)
    with pytest.raises(PackageInvalid, match="not a Contact Vault manifest this version reads"):
        sharing.import_package(receiver, bad)
    assert snapshot(receiver) == before


def test_a_package_claiming_a_known_sender_but_signed_by_another_key_is_refused(vault, receiver, good):
    from vault.identity import OwnerKey

    private, _ = OwnerKey.generate()
    rita = receiver.recipients.add("Rita Recruiter", public_key=OwnerKey(private).public.minisign_public_key_file())
    before = snapshot(receiver)
    fingerprint = vault.owner.identity.fingerprint
    with pytest.raises(PackageInvalid, match=f"signed with key {fingerprint}, not the key on file"):
        sharing.import_package(receiver, good)
    # Even a key the user gives never replaces the one on file as a side effect of an import.
    with pytest.raises(PackageInvalid, match="not the key on file"):
        sharing.import_package(receiver, good, sender_key=vault.owner.identity.minisign_public_key_file())
    assert snapshot(receiver) == before
    # The user confirmed Rita's new key out of band and recorded it (audited, old and new): now it imports.
    receiver.recipients.update(rita.uuid, public_key=vault.owner.identity.minisign_public_key_file())
    changed = audit.query_events(receiver.conn, actions=["recipient.updated"])[0]
    assert changed.details["changes"]["key"] == [OwnerKey(private).public.fingerprint, fingerprint]
    result = sharing.import_package(receiver, good)
    assert result.sender_recipient_id == rita.uuid and not result.key_pinned


def test_a_sender_is_matched_by_its_exact_name_only(receiver):
    """A package's sender names itself: a name that is someone's e-mail or UUID prefix must not
    attach the package's key to that recipient (``resolve`` accepts both; the import must not)."""
    bob = receiver.recipients.add("Bob Client", email="bob@acme.example")
    assert receiver.recipients.find_by_name("bob client").id == bob.id
    assert receiver.recipients.find_by_name("bob@acme.example") is None
    assert receiver.recipients.find_by_name(bob.uuid[:8]) is None
    receiver.recipients.add("Bob Client", email="other-bob@acme.example")
    assert receiver.recipients.find_by_name("Bob Client") is None, "two of that name: nobody in particular"

"""Signed but hostile manifests: a one-line refusal from verify and import-package, never a traceback.

Anyone can make a signing key, so these packages are signed properly (by the sender's own key);
only the manifest inside is hostile: 100,000 levels of nesting, 30 MB, a scope item that is an
object, and other shapes the written schema (vault/sharing/manifest.schema.json) refuses.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile

import pytest

from tests.conftest import CLI, cli_env
from vault import sharing
from vault.config import AppConfig
from vault.people import NewContactPoint, PersonFields
from vault.sharing.package_format import MANIFEST, SIGNATURE, SUMS
from vault.store import Vault

NOW = "2026-03-01T09:30:00.000Z"


@pytest.fixture(scope="module")
def signer(template_vault, tmp_path_factory):
    """A real package and the key that signed it, to re-sign hostile manifests with."""
    folder = tmp_path_factory.mktemp("hostile-manifests")
    path = folder / "sender.cvault"
    shutil.copyfile(template_vault[0], path)
    vault = Vault.open(path, raw_key=template_vault[1], config=AppConfig(folder / "cfg"))
    try:
        person = vault.people.add(PersonFields(full_name="Manifest Person"),
                                  [NewContactPoint("email", "manifest@example.org")])
        vault.recipients.add("Manifest Recipient", email="mr@client.example")
        vault.authorisations.log(person.uuid, recipient="Manifest Recipient", scope=["email"],
                                 purpose="Schema testing", method="written", obtained_at="2026-01-01")
        result = sharing.build_share(vault, person.uuid, "Manifest Recipient", ["email"], folder / "good.zip")
        key = vault.owner_key()
        with zipfile.ZipFile(result.path) as archive:
            entries = {info.filename: archive.read(info) for info in archive.infolist()}
        yield folder, entries, key, result.package_id
    finally:
        vault.close()


def _package(signer, manifest: bytes, name: str):
    folder, entries, key, package_id = signer
    entries = dict(entries)
    entries[MANIFEST] = manifest
    entries[SIGNATURE] = key.minisign(manifest, trusted_comment=f"package:{package_id} time:{NOW}").encode()
    entries.pop(SUMS)
    entries[SUMS] = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in entries.items()).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry, data in entries.items():
            archive.writestr(entry, data)
    path = folder / f"{name}.zip"
    path.write_bytes(out.getvalue())
    return path


def _good(signer) -> dict:
    return json.loads(signer[1][MANIFEST])


def _hostile(signer) -> dict[str, bytes]:
    deep = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    big = _good(signer)
    big["padding"] = "x" * 30_000_000
    scope = _good(signer)
    scope["authorisation"]["scope"] = [{"x": 1}]
    files = _good(signer)
    files["files"][0]["size"] = "a lot"
    person = _good(signer)
    person["person"]["email"] = "not a list"
    nan = json.dumps(_good(signer)).replace('"use": 1', '"use": NaN').encode()
    return {
        "deep": deep,
        "deep-inside": json.dumps(_good(signer)).replace('"items": [', '"items": [' + "[" * 50_000 + "]" * 50_000
                                                          + ",", 1).encode(),
        "thirty-mb": json.dumps(big).encode(),
        "scope-object": json.dumps(scope).encode(),
        "size-not-number": json.dumps(files).encode(),
        "email-not-list": json.dumps(person).encode(),
        "nan": nan,
        "not-an-object": b"[1, 2, 3]",
    }


def test_the_resigned_good_manifest_still_verifies(signer):
    path = _package(signer, signer[1][MANIFEST], "resigned")
    report = sharing.verify_package(path, now=NOW)
    assert report.ok, report.problems


@pytest.mark.parametrize("case", ["deep", "deep-inside", "thirty-mb", "scope-object", "size-not-number",
                                  "email-not-list", "nan", "not-an-object"])
def test_a_hostile_signed_manifest_is_refused_in_one_line(signer, tmp_path, case):
    path = _package(signer, _hostile(signer)[case], case)
    report = sharing.verify_package(path, now=NOW)
    assert not report.ok
    assert any(MANIFEST in problem for problem in report.problems), report.problems
    receiver = tmp_path / "receiver.cvault"
    Vault.create(receiver, "receiver pass phrase words", owner_name="Receiver",
                 config=AppConfig(tmp_path / "cfg")).close()
    env = cli_env(receiver, tmp_path / "cli-cfg", passphrase="receiver pass phrase words")
    for args in (["verify", str(path)], ["import-package", str(path)]):
        done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and "Error:" not in done.stderr, done.stderr
        text = done.stderr + done.stdout
        assert "NOT VALID" in text or "not valid" in text, text
        assert max(len(line) for line in text.splitlines()) < 400

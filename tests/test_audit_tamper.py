"""Tampering with an exported JSON Lines file is caught, with the line or the reason named,
by the real CLI (``contact-vault audit verify FILE``) and by the standalone script alike."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CLI, REPO, cli_env
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from vault import audit
from vault.audit import checkpoints
from vault.audit.scope import ExportScope
from vault.audit.writers import export_audit
from vault.identity import fingerprint_for, key_id_for
from vault.people import PersonFields

SCRIPT = [sys.executable, str(REPO / "scripts" / "verify_audit.py")]
VERIFIERS = ["cli", "script"]


@pytest.fixture
def exports(vault, clock, tmp_path):
    """An early export (its checkpoint is what a client kept), then more history and a later one."""
    ada = vault.people.add(PersonFields(full_name="Ada Lovelace"))
    first = tmp_path / "first.jsonl"
    export_audit(vault, first, "jsonl")  # an older genuine checkpoint a forger could reuse
    bob = vault.people.add(PersonFields(full_name="Bob Babbage"))
    vault.people.update(ada.uuid, PersonFields(title="Engineer"))
    early = tmp_path / "early.jsonl"
    export_audit(vault, early, "jsonl")  # the client keeps this one's checkpoint
    for title in ("Lead", "Principal", "Fellow"):
        clock.advance(hours=1)
        vault.people.update(bob.uuid, PersonFields(title=title))
    late = tmp_path / "late.jsonl"
    export_audit(vault, late, "jsonl")
    person = tmp_path / "ada.jsonl"
    export_audit(vault, person, "jsonl", ExportScope(person=ada.uuid))
    pub = tmp_path / "owner.pub"
    pub.write_text(vault.owner.identity.minisign_public_key_file())
    return {"first": first, "early": early, "late": late, "person": person, "pub": pub, "tmp": tmp_path, "vault": vault}


def run_verify(verifier: str, tmp: Path, file: Path, *extra: str) -> tuple[int, str]:
    if verifier == "cli":
        cmd = [*CLI, "audit", "verify", str(file), *extra]
        env = cli_env(tmp / "no-vault-needed.cvault", tmp / "cli-config")
    else:
        cmd = [*SCRIPT, str(file), *extra]
        env = None
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


def read(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def dumps(obj: dict) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def rehash(event: dict) -> dict:
    body = {k: v for k, v in event.items() if k not in ("hash", "annotations")}
    return {**event, "hash": audit.event_hash(body)}


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_untouched_exports_verify(exports, verifier):
    tmp = exports["tmp"]
    for name in ("early", "late", "person"):
        code, out = run_verify(verifier, tmp, exports[name], "--key", str(exports["pub"]),
                               "--checkpoint", str(exports["early"]))
        assert code == 0, out
        assert "verif" in out.lower() or out.startswith("OK"), out


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_changed_field_is_caught_at_its_line(exports, verifier):
    lines = read(exports["late"])
    event = json.loads(lines[4])
    event["details"]["fields"] = ["notes"]  # claim a different field was edited
    lines[4] = dumps(event)
    code, out = run_verify(verifier, exports["tmp"], write(exports["tmp"] / "t.jsonl", lines))
    assert code == 1
    assert "line 5" in out and f"event #{event['seq']}: its content does not match its hash" in out


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_changed_field_with_recomputed_hash_breaks_the_next_link(exports, verifier):
    lines = read(exports["late"])
    event = json.loads(lines[3])
    event["at"] = "2020-01-01T00:00:00.000Z"
    lines[3] = dumps(rehash(event))
    code, out = run_verify(verifier, exports["tmp"], write(exports["tmp"] / "t.jsonl", lines))
    assert code == 1
    assert "line 5" in out and "prev does not match" in out


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_edited_annotation_is_not_covered_but_the_chain_still_verifies(exports, verifier):
    """Annotations are outside the hash by design (documented): editing one is not a break."""
    lines = read(exports["late"])
    index = next(i for i, line in enumerate(lines) if '"subject_name"' in line)
    event = json.loads(lines[index])
    event["annotations"]["subject_name"] = "Someone Else"
    lines[index] = dumps(event)
    code, out = run_verify(verifier, exports["tmp"], write(exports["tmp"] / "t.jsonl", lines))
    assert code == 0, out


@pytest.mark.parametrize("verifier", VERIFIERS)
@pytest.mark.parametrize("which", ["late", "person"])
def test_deleted_line_is_caught(exports, verifier, which):
    lines = read(exports[which])
    index = next(i for i, line in enumerate(lines[1:], 1) if '"gap"' not in line)  # first event line
    removed = json.loads(lines.pop(index))
    code, out = run_verify(verifier, exports["tmp"], write(exports["tmp"] / "t.jsonl", lines))
    assert code == 1
    assert f"line {index + 1}" in out and f"expected event #{removed['seq']} here" in out


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_swapped_lines_are_caught(exports, verifier):
    lines = read(exports["late"])
    lines[3], lines[4] = lines[4], lines[3]
    code, out = run_verify(verifier, exports["tmp"], write(exports["tmp"] / "t.jsonl", lines))
    assert code == 1
    assert "line 4" in out and "expected event #3 here, found event #4" in out


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_cut_tail_is_caught_by_the_header_and_by_an_earlier_checkpoint(exports, verifier):
    tmp = exports["tmp"]
    late = read(exports["late"])
    early_header = json.loads(read(exports["early"])[0])
    first_header = json.loads(read(exports["first"])[0])
    keep = first_header["checkpoint"]["seq"] + 1  # cut everything after the first export's checkpoint event
    assert keep < early_header["checkpoint"]["seq"]

    # Naive cut: the header still says how far the history went.
    naive = write(tmp / "naive.jsonl", late[: keep + 1])
    code, out = run_verify(verifier, tmp, naive)
    assert code == 1 and "header says" in out

    # Careful cut: header fixed and an older genuine checkpoint put in. On its own it verifies
    # (docs §6: truncation needs an earlier checkpoint) ...
    header = json.loads(late[0])
    header["head_seq"] = keep
    header["checkpoint"] = first_header["checkpoint"]
    careful = write(tmp / "careful.jsonl", [dumps(header), *late[1: keep + 1]])
    code, out = run_verify(verifier, tmp, careful)
    assert code == 0, out
    # ... but the checkpoint the client kept from the early export exposes it.
    code, out = run_verify(verifier, tmp, careful, "--checkpoint", str(exports["early"]))
    assert code == 1
    assert f"before the earlier checkpoint at #{early_header['checkpoint']['seq']}" in out
    assert "cut" in out


def _other_key() -> tuple[Ed25519PrivateKey, bytes]:
    key = Ed25519PrivateKey.generate()
    return key, key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _resign(header: dict, key: Ed25519PrivateKey, public: bytes) -> dict:
    cp = header["checkpoint"]
    message = checkpoints.checkpoint_message(cp["seq"], cp["hash"], cp["at"])
    header = json.loads(json.dumps(header))
    header["checkpoint"]["signature"] = base64.b64encode(key.sign(message)).decode()
    header["owner"]["public_key"] = base64.b64encode(b"Ed" + key_id_for(public) + public).decode()
    header["owner"]["fingerprint"] = fingerprint_for(public)
    return header


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_resigned_with_another_key_is_caught(exports, verifier):
    tmp = exports["tmp"]
    lines = read(exports["late"])
    key, public = _other_key()
    lines[0] = dumps(_resign(json.loads(lines[0]), key, public))
    forged = write(tmp / "resigned.jsonl", lines)
    # Even without a pinned key, the events were recorded by the real owner's key.
    code, out = run_verify(verifier, tmp, forged)
    assert code == 1 and "line 2" in out and "not by the key that signed this export" in out
    code, out = run_verify(verifier, tmp, forged, "--key", str(exports["pub"]))
    assert code == 1 and "line 1" in out and "not by the expected key" in out


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_whole_chain_forged_under_another_key_needs_the_pinned_key_or_a_checkpoint(exports, verifier):
    tmp = exports["tmp"]
    lines = read(exports["late"])
    key, public = _other_key()
    prev = audit.GENESIS
    rewritten = []
    for line in lines[1:]:
        event = json.loads(line)
        event["actor"] = fingerprint_for(public)
        event["prev"] = prev
        event = rehash(event)
        prev = event["hash"]
        rewritten.append(event)
    header = json.loads(lines[0])
    seq = header["checkpoint"]["seq"]
    header["checkpoint"]["hash"] = rewritten[seq - 1]["hash"]
    forged = write(tmp / "forged.jsonl", [dumps(_resign(header, key, public)), *map(dumps, rewritten)])
    code, out = run_verify(verifier, tmp, forged)
    assert code == 0, out  # self-consistent: only an out-of-band key or checkpoint can tell
    code, out = run_verify(verifier, tmp, forged, "--key", str(exports["pub"]))
    assert code == 1 and "not by the expected key" in out
    code, out = run_verify(verifier, tmp, forged, "--checkpoint", str(exports["early"]))
    assert code == 1 and "earlier checkpoint" in out and "not signed by the owner key" in out


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_altered_checkpoint_and_broken_header_are_caught(exports, verifier):
    tmp = exports["tmp"]
    lines = read(exports["late"])
    header = json.loads(lines[0])
    header["checkpoint"]["seq"] -= 1
    code, out = run_verify(verifier, tmp, write(tmp / "cp.jsonl", [dumps(header), *lines[1:]]))
    assert code == 1 and "line 1" in out and "signature is not valid" in out
    code, out = run_verify(verifier, tmp, write(tmp / "hdr.jsonl", ["not json", *lines[1:]]))
    assert code == 1 and "line 1" in out


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_tampered_gap_line_in_a_person_export_is_caught(exports, verifier):
    tmp = exports["tmp"]
    lines = read(exports["person"])
    index = next(i for i, line in enumerate(lines) if '"gap"' in line)
    gap = json.loads(lines[index])
    gap["gap"]["last_seq"] += 1  # pretend one more event was omitted (hides the next line's seq)
    lines[index] = dumps(gap)
    code, out = run_verify(verifier, tmp, write(tmp / "gap.jsonl", lines))
    assert code == 1 and f"line {index + 2}" in out and "expected event" in out


def test_raw_row_edit_in_the_vault_is_caught_by_audit_verify(exports, template_vault):
    """Drop the append-only triggers, edit a row with a raw SQLCipher connection: 'audit verify' names it."""
    from vault.connection import connect

    vault = exports["vault"]
    path, tmp = vault.path, exports["tmp"]
    vault.close()
    conn = connect(path, template_vault[1])
    try:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET details = '{\"fields\":[\"notes\"]}' WHERE seq = 4")
    finally:
        conn.close()
    env = cli_env(path, tmp / "cli-config")
    proc = subprocess.run([*CLI, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "event #4" in proc.stderr and "does not match its hash" in proc.stderr
    proc = subprocess.run([*CLI, "audit", "verify", "--json"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1 and json.loads(proc.stdout)["broken_at"] == 4


def test_checkpoint_rewritten_history_in_the_vault_is_caught(exports, template_vault):
    """Re-hash the whole chain after an edit (so it is self-consistent): stored checkpoints and the
    client's earlier checkpoint no longer match, and 'audit verify' says where."""
    from vault.connection import connect

    vault = exports["vault"]
    path, tmp = vault.path, exports["tmp"]
    vault.close()
    conn = connect(path, template_vault[1])
    try:
        conn.execute("DROP TRIGGER audit_no_update")
        rows = conn.execute(f"SELECT {audit.EVENT_COLUMNS} FROM audit ORDER BY seq").fetchall()
        prev = audit.GENESIS
        conn.execute("BEGIN")
        for row in rows:
            event = audit.row_to_event(row)
            details = {"fields": ["notes"]} if event.seq == 4 else event.details
            body = {**event.body(), "details": details, "prev": prev}
            digest = audit.event_hash(body)
            conn.execute("UPDATE audit SET details = ?, prev = ?, hash = ? WHERE seq = ?",
                         (audit.canonical_json(details).decode(), prev, digest, event.seq))
            prev = digest
        conn.execute("COMMIT")
    finally:
        conn.close()
    env = cli_env(path, tmp / "cli-config")
    proc = subprocess.run([*CLI, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout
    assert "checkpoint" in proc.stderr and "event #" in proc.stderr


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_earlier_checkpoint_can_come_from_a_share_package_zip(exports, verifier):
    import zipfile

    tmp = exports["tmp"]
    early_cp = json.loads(read(exports["early"])[0])["checkpoint"]
    package = tmp / "package.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"format": "contact-vault-package/1", "sender": {},
                                                      "checkpoint": early_cp, "files": []}))
    code, out = run_verify(verifier, tmp, exports["late"], "--checkpoint", str(package))
    assert code == 0, out
    cut = write(tmp / "cut.jsonl", read(exports["late"])[:3])
    code, out = run_verify(verifier, tmp, cut, "--checkpoint", str(package))
    assert code == 1


def _script_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("verify_audit_script", REPO / "scripts" / "verify_audit.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_standalone_script_imports_only_stdlib_and_cryptography():
    import ast

    tree = ast.parse((REPO / "scripts" / "verify_audit.py").read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            roots.add((node.module or "").split(".")[0])
    assert "cryptography" in roots
    assert roots - {"cryptography", "__future__"} <= set(sys.stdlib_module_names), roots


def test_both_verifiers_agree_on_every_single_line_mutation(exports):
    """Delete, duplicate, swap with the next, or edit a field of each line of a whole-vault and a
    person export: the app's verifier and the independent script give the same verdict and line."""
    from vault.audit.verify import verify_export

    script = _script_module()
    tmp = exports["tmp"]
    cases = 0
    for name in ("late", "person"):
        lines = read(exports[name])
        mutations = []
        for i in range(1, len(lines)):
            mutations.append(lines[:i] + lines[i + 1:])
            mutations.append(lines[:i + 1] + lines[i:])
            if i + 1 < len(lines):
                mutations.append(lines[:i] + [lines[i + 1], lines[i]] + lines[i + 2:])
            obj = json.loads(lines[i])
            if "gap" in obj:
                obj["gap"]["last_hash"] = "f" * 64
            else:
                obj["at"] = obj["at"].replace("2026", "2025")
            mutations.append(lines[:i] + [dumps(obj)] + lines[i + 1:])
        for mutated in mutations:
            path = write(tmp / "mutated.jsonl", mutated)
            app = verify_export(path)
            try:
                script.verify(str(path))
                script_result = (True, None)
            except script.Failure as failure:
                script_result = (False, failure.line)
            assert (app.ok, app.line if not app.ok else None) == script_result, (name, app.reason)
            cases += 1
    assert cases > 60

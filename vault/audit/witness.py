"""A witness of the trail kept outside the vault: the latest signed checkpoint of its head.

Whoever holds the passphrase can open the vault file, drop the append-only triggers and delete
events from the end of the trail; the chain of the remaining events still verifies. So the
latest signed checkpoint (seq, head hash, time, signature) is also kept in the config folder and,
where one is available, in the OS keyring, updated at every checkpoint and whenever a writable
vault is closed. ``audit verify`` and ``check`` compare the vault with it and with every stored
checkpoint, and name how many events are missing. docs/audit-format.md §7 says what a witness
can and cannot prove.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import chain as audit
from .checkpoints import Checkpoint, checkpoint_message

if TYPE_CHECKING:
    from vault.store import Vault

FOLDER = "witness"
_KEYRING_ACCOUNT = "witness:{slot}"
#: The triggers that make the audit table append-only (vault/schema.py).
APPEND_ONLY_TRIGGERS = ("audit_no_update", "audit_no_delete")


@dataclass(frozen=True)
class Witness:
    checkpoint: Checkpoint
    path: str  # the vault file it was taken from (a copy elsewhere is not compared with it)
    source: str  # "config folder" or "system keyring"

    def to_json(self) -> dict[str, Any]:
        return {"type": "contact-vault-witness", **self.checkpoint.to_json(), "path": self.path}


@dataclass(frozen=True)
class TrailProblem:
    missing: int  # events known to be missing (0 when the history was changed instead)
    detail: str

    def sentence(self) -> str:
        if self.missing:
            return f"the audit trail is missing {self.missing} event(s): {self.detail}"
        return f"the audit trail was changed: {self.detail}"


def _slot(vault: Vault, path: Path | None = None) -> str:
    """One witness per vault file: its UUID and a digest of its path (a backup, which has the
    same UUID, gets a witness of its own instead of replacing the vault's)."""
    where = str(path if path is not None else vault.path)
    digest = hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return f"{vault.uuid}-{digest}"


def _file(vault: Vault, path: Path | None = None) -> Path:
    return vault.config.folder / FOLDER / f"{_slot(vault, path)}.json"


def forget_copy(vault: Vault, path: Path) -> None:
    """The app itself just wrote a new copy of this vault at ``path`` (a backup): a witness
    left there by an older copy no longer applies."""
    if Path(path) == vault.path:
        return
    with contextlib.suppress(OSError):
        _file(vault, path).unlink()
    if _keyring_loaded():
        import keyring

        from vault import remember

        with contextlib.suppress(Exception):
            keyring.delete_password(remember.SERVICE, _KEYRING_ACCOUNT.format(slot=_slot(vault, path)))


def _parse(text: str | None, source: str) -> Witness | None:
    if not text:
        return None
    try:
        data = json.loads(text)
        checkpoint = Checkpoint(int(data["seq"]), str(data["hash"]), str(data["at"]), str(data["signature"]))
        return Witness(checkpoint, str(data["path"]), source)
    except (ValueError, KeyError, TypeError):
        return Witness(Checkpoint(0, "", "", ""), "", source)  # unreadable: reported as unsigned


def _keyring_loaded() -> bool:
    """Whether this process has already set up the keyring (the GUI always has). Loading it costs
    a D-Bus probe of a few hundred ms, too much for every command's open and close; ``check`` and
    ``audit verify`` load it on purpose."""
    core = sys.modules.get("keyring.core")
    return core is not None and getattr(core, "_keyring_backend", None) is not None


def _keyring_text(slot: str) -> str | None:
    from vault import remember

    if not remember.status().available:
        return None
    import keyring

    try:
        return keyring.get_password(remember.SERVICE, _KEYRING_ACCOUNT.format(slot=slot))
    except Exception:
        return None


def load(vault: Vault, *, use_keyring: bool | None = None) -> list[Witness]:
    """The witnesses kept for this vault (config folder, keyring), unverified. ``use_keyring``
    None: only when the keyring is already set up in this process."""
    found: list[Witness] = []
    with contextlib.suppress(OSError):
        parsed = _parse(_file(vault).read_text("utf-8"), "config folder")
        if parsed is not None:
            found.append(parsed)
    if use_keyring or (use_keyring is None and _keyring_loaded()):
        parsed = _parse(_keyring_text(_slot(vault)), "system keyring")
        if parsed is not None:
            found.append(parsed)
    return found


def _store(vault: Vault, witness: Witness, use_keyring: bool | None) -> None:
    """Write both copies; a witness that cannot be written must not fail the user's command."""
    from vault.atomic import write_atomic

    text = json.dumps(witness.to_json(), sort_keys=True)
    with contextlib.suppress(Exception):
        folder = _file(vault).parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(_file(vault), text.encode("utf-8"))
    if not (use_keyring or (use_keyring is None and _keyring_loaded())):
        return
    from vault import remember

    if remember.status().available:
        import keyring

        with contextlib.suppress(Exception):
            keyring.set_password(remember.SERVICE, _KEYRING_ACCOUNT.format(slot=_slot(vault)), text)


def record(vault: Vault, checkpoint: Checkpoint, *, force: bool = False, use_keyring: bool | None = True) -> None:
    """Advance the witness to ``checkpoint``, but never past a problem: a witness the vault no
    longer agrees with stays as it is (so the shortening keeps being reported), unless ``force``
    (the owner restored a backup on purpose)."""
    if not force and compare(vault, stored=False, use_keyring=use_keyring):
        return
    for current in load(vault, use_keyring=use_keyring):
        if current.path == str(vault.path) and current.checkpoint.seq > checkpoint.seq and not force:
            return
    _store(vault, Witness(checkpoint, str(vault.path), ""), use_keyring)


def seal(vault: Vault) -> None:
    """At the close of a writable vault: sign the head and keep it as the witness."""
    head = audit.last_event(vault.conn)
    if head is None:
        return
    for current in load(vault, use_keyring=None):
        if current.path == str(vault.path) and current.checkpoint.seq == head.seq and current.checkpoint.hash == head.hash:
            return
    at = vault.now()
    signature = base64.b64encode(vault.owner_key().sign(checkpoint_message(head.seq, head.hash, at))).decode()
    record(vault, Checkpoint(head.seq, head.hash, at, signature), use_keyring=None)


def compare(vault: Vault, *, stored: bool = True, use_keyring: bool | None = None) -> list[TrailProblem]:
    """Every way the vault's trail disagrees with its witnesses and stored checkpoints."""
    conn = vault.conn
    identity = vault.owner.identity
    head = audit.last_event(conn)
    head_seq = head.seq if head else 0
    problems: list[TrailProblem] = []
    for witness in load(vault, use_keyring=use_keyring):
        if witness.path != str(vault.path):
            continue  # a copy of the vault (a backup) is older than the vault by design
        mark = witness.checkpoint
        if not mark.verify(identity):
            problems.append(TrailProblem(0, f"the witness in the {witness.source} is not signed by the owner key"))
            continue
        if mark.seq > head_seq:
            problems.append(TrailProblem(mark.seq - head_seq, f"the witness in the {witness.source} holds a signed "
                                         f"checkpoint of event #{mark.seq}, but the trail ends at #{head_seq}"))
            continue
        row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (mark.seq,)).fetchone()
        if row is None or row[0] != mark.hash:
            problems.append(TrailProblem(0, f"event #{mark.seq} differs from the signed checkpoint in the "
                                         f"{witness.source}, so the history was rewritten"))
    if not stored:
        return problems
    rows = {seq: (digest, at, signature) for seq, digest, at, signature in conn.execute(
        "SELECT seq, hash, at, signature FROM checkpoints")}
    for seq, (digest, at, signature) in sorted(rows.items()):
        if not Checkpoint(seq, digest, at, signature).verify(identity):
            problems.append(TrailProblem(0, f"the stored checkpoint of event #{seq} has an invalid signature"))
        elif seq > head_seq:
            problems.append(TrailProblem(seq - head_seq, f"a stored checkpoint covers event #{seq}, but the trail "
                                         f"ends at #{head_seq}"))
        else:
            row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()
            if row is None or row[0] != digest:
                problems.append(TrailProblem(0, f"event #{seq} no longer has the hash its stored checkpoint signed"))
    for seq_of_event, details in conn.execute(
            "SELECT seq, details FROM audit WHERE action = 'audit.checkpoint' ORDER BY seq"):
        try:
            covered = int(json.loads(details).get("seq"))
        except (ValueError, TypeError, AttributeError):
            continue
        if covered not in rows:
            problems.append(TrailProblem(0, f"the checkpoint of event #{covered}, recorded at #{seq_of_event}, is "
                                         "missing from the vault's stored checkpoints"))
    return problems


def missing_triggers(conn: Any) -> list[str]:
    """The append-only triggers of the audit table that are missing or no longer refuse changes."""
    present = {name: sql or "" for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")}
    return [name for name in APPEND_ONLY_TRIGGERS if "RAISE(ABORT" not in present.get(name, "").upper()]

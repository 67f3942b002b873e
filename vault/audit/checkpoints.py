"""Signed checkpoints: the owner's Ed25519 signature over (seq, hash, at) of the chain head.

Other parties keep the checkpoints they receive (in share packages and audit exports), so
a later history that no longer contains that hash at that seq is caught. The signed message
is the RFC 8785 JSON ``{"at":…,"hash":…,"seq":…,"type":"contact-vault-checkpoint"}``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vault.identity import PublicIdentity

from . import chain as audit

if TYPE_CHECKING:
    from vault.store import Vault

CHECKPOINT_TYPE = "contact-vault-checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    signature: str  # base64 Ed25519 signature of ``signed_message()``

    def signed_message(self) -> bytes:
        return checkpoint_message(self.seq, self.hash, self.at)

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "at": self.at, "signature": self.signature}

    def verify(self, identity: PublicIdentity) -> bool:
        try:
            signature = base64.b64decode(self.signature, validate=True)
        except ValueError:
            return False
        return identity.verify(self.signed_message(), signature)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoint:
        return cls(int(data["seq"]), str(data["hash"]), str(data["at"]), str(data["signature"]))


def checkpoint_message(seq: int, digest: str, at: str) -> bytes:
    return audit.canonical_json({"type": CHECKPOINT_TYPE, "seq": seq, "hash": digest, "at": at})


def latest(vault: Vault) -> Checkpoint | None:
    row = vault.conn.execute("SELECT seq, hash, at, signature FROM checkpoints ORDER BY seq DESC LIMIT 1").fetchone()
    return Checkpoint(*row) if row else None


def create(vault: Vault) -> Checkpoint:
    """Sign the current head of the chain (reusing the last checkpoint if nothing changed).

    The checkpoint itself is audited; the signature covers the head *before* that event, so the
    event that records a checkpoint is always after it in the chain.
    """
    head = audit.last_event(vault.conn)
    assert head is not None, "a vault always has at least its creation event"
    existing = latest(vault)
    if existing and (existing.seq == head.seq or (
            head.action == "audit.checkpoint" and head.seq == existing.seq + 1)):
        return existing
    at = vault.now()
    signature = base64.b64encode(vault.owner_key().sign(checkpoint_message(head.seq, head.hash, at))).decode()
    checkpoint = Checkpoint(head.seq, head.hash, at, signature)
    if vault.readonly:
        return checkpoint
    with vault.transaction() as conn:
        conn.execute("INSERT OR IGNORE INTO checkpoints (seq, hash, at, signature) VALUES (?, ?, ?, ?)",
                     (checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.signature))
        vault.record("audit.checkpoint", "vault", vault.uuid, {"seq": head.seq})
    if not vault._depth:  # committed: keep a copy outside the vault (config folder, keyring)
        from .witness import record

        record(vault, checkpoint)
    return checkpoint

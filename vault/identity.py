"""The owner's Ed25519 identity and the minisign formats it signs in.

minisign's formats are small and fully specified (https://jedisct1.github.io/minisign/), and
the only library on PyPI for them is unmaintained, so they are written here on top of
``cryptography``'s Ed25519. Signatures are the prehashed ``ED`` kind (BLAKE2b-512 of the
file), which stock ``minisign -V`` verifies.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import ValidationError

SIG_ALG_PREHASHED = b"ED"
PK_ALG = b"Ed"


def key_id_for(public_key: bytes) -> bytes:
    """minisign's 8-byte key id; derived from the key so it is stable and needs no storage."""
    return hashlib.sha256(public_key).digest()[:8]


def fingerprint_for(public_key: bytes) -> str:
    """What people compare by eye and what audit events name as the actor."""
    return hashlib.sha256(public_key).hexdigest()[:32]


def key_id_text(key_id: bytes) -> str:
    """minisign prints the id as a little-endian 64-bit number in upper-case hex."""
    return key_id[::-1].hex().upper()


@dataclass(frozen=True)
class PublicIdentity:
    public_key: bytes
    key_id: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint_for(self.public_key)

    def minisign_base64(self) -> str:
        return base64.b64encode(PK_ALG + self.key_id + self.public_key).decode("ascii")

    def minisign_public_key_file(self) -> str:
        return (
            f"untrusted comment: minisign public key {key_id_text(self.key_id)}\n"
            f"{self.minisign_base64()}\n"
        )

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def from_minisign(cls, text: str) -> PublicIdentity:
        """Accept the base64 line alone or a whole ``.pub`` file."""
        lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
        candidates = [ln for ln in lines if not ln.startswith("untrusted comment:")]
        if not candidates:
            raise ValidationError("public key", "is empty")
        try:
            raw = base64.b64decode(candidates[0], validate=True)
        except ValueError as exc:
            raise ValidationError("public key", "is not minisign base64") from exc
        if len(raw) != 42 or raw[:2] != PK_ALG:
            raise ValidationError("public key", "is not an Ed25519 minisign public key")
        return cls(public_key=raw[10:], key_id=raw[2:10])


class OwnerKey:
    """The private half; only ever constructed from bytes read out of the open vault."""

    def __init__(self, private_bytes: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(private_bytes)
        public = self._key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public = PublicIdentity(public_key=public, key_id=key_id_for(public))

    @staticmethod
    def generate() -> tuple[bytes, bytes]:
        """Return (private, public) raw bytes of a fresh key pair."""
        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return private, public

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def minisign(self, data: bytes, trusted_comment: str, untrusted_comment: str = "") -> str:
        """A ``.minisig`` file for ``data`` (prehashed), as ``minisign -S -H`` would write."""
        if "\n" in trusted_comment or "\r" in trusted_comment:
            raise ValueError("trusted comment must be one line")
        digest = hashlib.blake2b(data, digest_size=64).digest()
        signature = self._key.sign(digest)
        global_signature = self._key.sign(signature + trusted_comment.encode("utf-8"))
        untrusted = untrusted_comment or f"signature from Contact Vault key {key_id_text(self.public.key_id)}"
        return (
            f"untrusted comment: {untrusted}\n"
            f"{base64.b64encode(SIG_ALG_PREHASHED + self.public.key_id + signature).decode('ascii')}\n"
            f"trusted comment: {trusted_comment}\n"
            f"{base64.b64encode(global_signature).decode('ascii')}\n"
        )


@dataclass(frozen=True)
class MinisignCheck:
    ok: bool
    reason: str
    trusted_comment: str
    key_id: bytes


def verify_minisign(data: bytes, signature_file: str, identity: PublicIdentity) -> MinisignCheck:
    """Check a ``.minisig`` against ``data`` the way ``minisign -V`` does."""
    lines = signature_file.splitlines()
    if len(lines) < 4 or not lines[0].startswith("untrusted comment:"):
        return MinisignCheck(False, "the signature file is not in minisign format", "", b"")
    if not lines[2].startswith("trusted comment: "):
        return MinisignCheck(False, "the signature has no trusted comment", "", b"")
    try:
        sig_blob = base64.b64decode(lines[1].strip(), validate=True)
        global_sig = base64.b64decode(lines[3].strip(), validate=True)
    except ValueError:
        return MinisignCheck(False, "the signature is not valid base64", "", b"")
    if len(sig_blob) != 74 or len(global_sig) != 64:
        return MinisignCheck(False, "the signature has the wrong length", "", b"")
    algorithm, key_id, signature = sig_blob[:2], sig_blob[2:10], sig_blob[10:]
    trusted = lines[2][len("trusted comment: ") :]
    if key_id != identity.key_id:
        return MinisignCheck(False, "the signature was made with a different key", trusted, key_id)
    if algorithm == SIG_ALG_PREHASHED:
        message = hashlib.blake2b(data, digest_size=64).digest()
    elif algorithm == PK_ALG:
        message = data
    else:
        return MinisignCheck(False, "the signature algorithm is unknown", trusted, key_id)
    if not identity.verify(message, signature):
        return MinisignCheck(False, "the signature does not match the signed file", trusted, key_id)
    if not identity.verify(signature + trusted.encode("utf-8"), global_sig):
        return MinisignCheck(False, "the trusted comment was altered", trusted, key_id)
    return MinisignCheck(True, "", trusted, key_id)

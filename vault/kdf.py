"""The vault key: SQLCipher 4's own PBKDF2 done in Python, so the raw key can be remembered.

Deriving exactly what SQLCipher would derive (PBKDF2-HMAC-SHA512, 256,000 iterations, the
16-byte salt stored at the start of the file) means the file still opens with the passphrase
in any SQLCipher 4 tool, while the app can keep the derived key (never the passphrase) in
the OS keyring and never has to put the passphrase into SQL text.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

KDF_ITERATIONS = 256_000  # SQLCipher 4 default; never lowered, not even in tests.
KEY_BYTES = 32
SALT_BYTES = 16


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def derive_key(passphrase: str, salt: bytes) -> bytes:
    """About 0.2 s on purpose: this is what makes guessing passphrases expensive."""
    return hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, KDF_ITERATIONS, KEY_BYTES)


def read_salt(path: Path) -> bytes:
    """SQLCipher keeps the KDF salt in clear in the first 16 bytes of the file."""
    with open(path, "rb") as handle:
        return handle.read(SALT_BYTES)


def key_literal(key: bytes, salt: bytes | None = None) -> str:
    """The blob literal for ``PRAGMA key``: raw key, plus the salt when creating a file."""
    if len(key) != KEY_BYTES:
        raise ValueError("raw key must be 32 bytes")
    hex_text = key.hex() + (salt.hex() if salt is not None else "")
    return f"\"x'{hex_text}'\""

"""The suppression list, and the one gate every way into the vault passes.

``erase --suppress`` keeps a person out without keeping their data: HMAC-SHA256 digests (key:
a random secret in the vault's ``meta`` table) of their normalised e-mails and phones. Every
way a person or a contact point enters (person add, intake, file import, package import,
merges, a new or changed contact point) calls ``admit`` with the match keys it is about to
write. A match is refused with the erasure date, never the person's data; the explicit
override (``--despite-erasure``, a confirmation in the app) is for the person who came back
and asked to be added again: it removes their digests from the list and is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from .errors import SuppressedPerson

if TYPE_CHECKING:
    from .store import Vault

SECRET_KEY = "suppression_secret"
#: The kinds of contact point the list holds.
SUPPRESSED_KINDS = ("email", "phone")


class Suppression:
    """Keyed hashes of e-mails and phones that may not come back in."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._secret: bytes | None = None
        self._digests: set[str] | None = None

    def _load_secret(self, create: bool) -> bytes | None:
        if self._secret is None:
            row = self.vault.conn.execute("SELECT value FROM meta WHERE key = ?", (SECRET_KEY,)).fetchone()
            if row:
                self._secret = bytes.fromhex(row[0])
            elif create:
                secret = secrets.token_bytes(32)
                self.vault.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (SECRET_KEY, secret.hex()))
                self._secret = secret
        return self._secret

    def digest(self, kind: str, normalized: str, *, create: bool = False) -> str | None:
        secret = self._load_secret(create)
        if secret is None:
            return None
        return hmac.new(secret, f"{kind}:{normalized}".encode(), hashlib.sha256).hexdigest()

    def contains(self, kind: str, normalized: str) -> bool:
        if self._digests is None:
            self._digests = {r[0] for r in self.vault.conn.execute("SELECT digest FROM suppression")}
        if not self._digests:
            return False
        digest = self.digest(kind, normalized)
        return digest is not None and digest in self._digests

    def matches(self, keys: Iterable[tuple[str, str]]) -> dict[str, str]:
        """Digest -> the date it was listed (the erasure), for the keys that are on the list."""
        wanted = {d for kind, norm in keys if kind in SUPPRESSED_KINDS
                  for d in [self.digest(kind, norm)] if d is not None}
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        return {r[0]: str(r[1])[:10] for r in self.vault.conn.execute(
            f"SELECT digest, created_at FROM suppression WHERE digest IN ({marks})", sorted(wanted))}

    def erased_on(self, keys: Iterable[tuple[str, str]]) -> str | None:
        """The date the first matching person was erased, or None when no key is listed."""
        found = self.matches(keys)
        return min(found.values()) if found else None

    def add(self, kind: str, normalized: str) -> bool:
        """Inside the caller's transaction. True when the digest was new."""
        digest = self.digest(kind, normalized, create=True)
        assert digest is not None
        cur = self.vault.conn.execute(
            "INSERT OR IGNORE INTO suppression (digest, kind, created_at) VALUES (?, ?, ?)",
            (digest, kind, self.vault.now()))
        if self._digests is not None:
            self._digests.add(digest)
        return cur.rowcount > 0

    def remove(self, digests: Iterable[str]) -> int:
        """Inside the caller's transaction: take digests off the list."""
        removed = 0
        for digest in digests:
            removed += self.vault.conn.execute("DELETE FROM suppression WHERE digest = ?", (digest,)).rowcount
            if self._digests is not None:
                self._digests.discard(digest)
        return removed

    def count(self) -> int:
        return cast(int, self.vault.conn.execute("SELECT count(*) FROM suppression").fetchone()[0])


def admit(vault: Vault, keys: Iterable[tuple[str, str]], *, subject_uuid: str, despite_erasure: bool = False,
          way: str = "person", what: str = "person") -> int:
    """The gate: refuse keys on the suppression list, or (with the override) lift them.

    Call inside the transaction that writes the keys. ``way`` names the path in the audit
    event (person.add, intake, package, merge, contact-point …); returns the digests lifted.
    """
    keys = [(k, n) for k, n in keys if k in SUPPRESSED_KINDS]
    if not keys:
        return 0
    suppression = Suppression(vault)
    found = suppression.matches(keys)
    if not found:
        return 0
    if not despite_erasure:
        raise SuppressedPerson(min(found.values()), what)
    lifted = suppression.remove(found)
    vault.record("suppression.lifted", "person", subject_uuid,
                 {"removed": lifted, "way": way, "erased_on": sorted(set(found.values()))})
    return lifted

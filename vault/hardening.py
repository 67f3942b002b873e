"""Process hardening at start: no core dumps (they would hold decrypted data), safe libraries."""

from __future__ import annotations

import contextlib
import sys

import sqlcipher3

from .errors import UnsafeLibrary

MIN_SQLCIPHER = (4, 5, 0)
MIN_SQLITE = (3, 41, 0)
PR_SET_DUMPABLE = 4


def _version_tuple(text: str) -> tuple[int, ...]:
    numbers = []
    for part in text.split()[0].split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        numbers.append(int(digits or 0))
    return tuple(numbers)


def library_versions() -> tuple[str, str]:
    conn = sqlcipher3.connect(":memory:")
    try:
        cipher = conn.execute("PRAGMA cipher_version").fetchone()
        sqlite = conn.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        conn.close()
    return (cipher[0] if cipher else ""), sqlite


def check_libraries() -> tuple[str, str]:
    cipher, sqlite = library_versions()
    if not cipher:
        raise UnsafeLibrary("an SQLite library without SQLCipher encryption")
    if _version_tuple(cipher) < MIN_SQLCIPHER:
        raise UnsafeLibrary(f"SQLCipher {cipher} (4.5.0 or newer is required)")
    if _version_tuple(sqlite) < MIN_SQLITE:
        raise UnsafeLibrary(f"SQLite {sqlite} (3.41.0 or newer is required)")
    return cipher, sqlite


def disable_core_dumps() -> None:
    if not sys.platform.startswith("linux"):
        return
    import resource

    with contextlib.suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def harden_process() -> None:
    disable_core_dumps()
    try:
        check_libraries()
    except UnsafeLibrary as exc:
        print(f"contact-vault: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc

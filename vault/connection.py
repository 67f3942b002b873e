"""Opening SQLCipher connections: key first, then the pragmas in the order docs/design.md §4 states.

Also tells a wrong passphrase from a damaged file: when the first read fails, SQLCipher's
``cipher_integrity_check`` is run with the same key. With a wrong key every page fails its
HMAC; with a damaged file only some do.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import sqlcipher3

from .errors import (
    DiskFull,
    StorageFailed,
    VaultBusy,
    VaultDamaged,
    VaultError,
    VaultNotFound,
    VaultReadOnly,
    WrongPassphrase,
)
from .kdf import key_literal

#: A keyed vault connection, as ``connect`` returns it. sqlcipher3 ships no types; the stub in
#: typings/sqlcipher3 declares them (the sqlite3 DB-API), so this alias costs nothing at run time.
Connection: TypeAlias = sqlcipher3.Connection
Cursor: TypeAlias = sqlcipher3.Cursor


class Executor(Protocol):
    """What ``audit.append`` writes through: a ``Connection``, or a stand-in that rewrites the
    SQL (``store._SchemaProxy`` points it at an attached database's audit table)."""

    def execute(self, sql: str, parameters: tuple[Any, ...] = ..., /) -> Cursor: ...


PAGE_SIZE = 4096
SQLITE_PLAIN_HEADER = b"SQLite format 3\x00"
#: Below this much free space, an I/O error of SQLite is taken to be a full disk (SQLite reports
#: ENOSPC while growing the -shm or -wal file as a plain "disk I/O error").
LOW_SPACE_BYTES = 1024 * 1024

# Applied after the key, in this order (docs/design.md §4).
_PRAGMAS_RW = (
    "PRAGMA cipher_memory_security = ON",
    "PRAGMA foreign_keys = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA secure_delete = ON",
    "PRAGMA trusted_schema = OFF",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
)
_PRAGMAS_RO = tuple(p for p in _PRAGMAS_RW if "journal_mode" not in p and "synchronous" not in p)

#: Prepared statements the sqlite3 module keeps per connection (its default is 128). Zero: kept
#: statements fill SQLite's per-connection lookaside, and every allocation past it goes through
#: SQLCipher's memory-security allocator, which mlocks and munlocks each one (two syscalls). With
#: the cache a 1,000-card import made 134,000 mlock calls and ranked 10x slower on that
#: connection; without it, 29,000, while preparing each statement again costs microseconds.
STATEMENT_CACHE = 0


def precheck_file(path: Path) -> None:
    """Reject what is obviously not a vault before any key is tried (and before any write)."""
    if not path.exists():
        raise VaultNotFound(str(path))
    if path.is_dir():
        raise VaultDamaged(str(path), "it is a folder, not a vault file")
    size = path.stat().st_size
    if size == 0:
        raise VaultDamaged(str(path), "the file is empty")
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head == SQLITE_PLAIN_HEADER:
        raise VaultDamaged(str(path), "it is an unencrypted SQLite database, not a vault")
    if size < PAGE_SIZE or size % PAGE_SIZE:
        raise VaultDamaged(str(path), "the file is cut short")
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if shm.exists() and not wal.exists() and shm.stat().st_size > 0:
        # A crash leaves both files; a -shm alone means the log of recent commits was lost.
        raise VaultDamaged(str(path), "its write-ahead log (-wal file) is missing, so recent changes are lost")


def _apply_key(conn: Connection, key: bytes, salt: bytes | None) -> None:
    conn.execute(f"PRAGMA key = {key_literal(key, salt)}")
    # SQLCipher logs HMAC failures to stderr by default; errors reach the user as typed errors.
    conn.execute("PRAGMA cipher_log_level = NONE")


def has_pending_wal(path: Path) -> bool:
    """True when a -wal file holds frames: commits not yet copied into the main file."""
    try:
        return os.path.getsize(f"{path}-wal") > 0
    except OSError:
        return False


def connect(path: Path, key: bytes, *, salt: bytes | None = None, readonly: bool = False) -> Connection:
    """A keyed connection with every pragma set, proven by a read. Raises typed errors."""
    stale_risk = False
    if readonly:
        uri = f"{Path(path).absolute().as_uri()}?mode=ro"
        if not os.access(Path(path).absolute().parent, os.W_OK):
            if has_pending_wal(path):
                # Commits still in the -wal: 'immutable' would ignore them and show an older vault.
                # A read-only open can use them when the -shm file exists; otherwise it fails below.
                stale_risk = True
            else:
                # Nothing in a -wal: the main file is the whole vault, and no -shm can be made here.
                uri += "&immutable=1"
        conn = sqlcipher3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                                  cached_statements=STATEMENT_CACHE)
    else:
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False,
                                  cached_statements=STATEMENT_CACHE)
    try:
        _apply_key(conn, key, salt)
        for pragma in _PRAGMAS_RO if readonly else _PRAGMAS_RW:
            conn.execute(pragma)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        if stale_risk and not isinstance(storage_error(path, exc), DiskFull):
            raise VaultReadOnly(
                str(path), "read it: its latest changes are still in its write-ahead log (-wal file), which cannot "
                "be read in a read-only folder without its -shm file; open it once where the folder is writable"
            ) from exc
        raise diagnose_open_failure(path, key, exc) from exc
    return conn


def free_bytes(folder: Path) -> int | None:
    try:
        info = os.statvfs(folder)
    except (OSError, AttributeError):
        return None
    return info.f_bavail * info.f_frsize


def storage_error(path: Path, exc: Exception) -> VaultError | None:
    """A full disk, a read-only file or folder, or a lock held by another process: conditions of
    the storage around the vault, which must never be reported as damage (the advice for damage,
    opening a backup, would roll back erasures and revocations). None when it is none of these."""
    path = Path(path)
    text = str(exc).lower()
    if "full" in text:
        return DiskFull(str(path))
    if "locked" in text or "busy" in text:
        return VaultBusy(str(path))
    if "readonly" in text or "read-only" in text:
        return VaultReadOnly(str(path))
    if "disk i/o" in text or "unable to open" in text:
        free = free_bytes(path.parent)
        if free is not None and free < LOW_SPACE_BYTES:
            return DiskFull(str(path))
        if not (os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))):
            return VaultReadOnly(str(path), "read or change it")
        return StorageFailed(str(path), text)
    return None


def diagnose_open_failure(path: Path, key: bytes, exc: Exception) -> Exception:
    """Wrong passphrase or damaged file? Decide from how many pages fail their HMAC."""
    message = str(exc).lower()
    storage = storage_error(path, exc)
    if storage is not None:
        return storage
    if "not a database" not in message and "encrypted" not in message:
        return VaultDamaged(str(path), message)
    total = max(1, os.path.getsize(path) // PAGE_SIZE)
    failing = count_hmac_failures(path, key)
    if failing is None or failing >= total:
        return WrongPassphrase()
    return VaultDamaged(str(path), f"{failing} of {total} pages fail their integrity check")


def count_hmac_failures(path: Path, key: bytes) -> int | None:
    uri = f"{Path(path).absolute().as_uri()}?mode=ro"
    try:
        conn = sqlcipher3.connect(uri, uri=True, isolation_level=None)
    except sqlcipher3.Error:
        return None
    try:
        _apply_key(conn, key, None)
        rows = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        return sum(1 for (text,) in rows if "HMAC" in str(text) or "page" in str(text).lower())
    except sqlcipher3.Error:
        return None
    finally:
        with contextlib.suppress(sqlcipher3.Error):
            conn.close()


def integrity_report(path: Path, key: bytes) -> list[str]:
    """Both integrity checks plus a read of every row, on a fresh read-only connection."""
    problems: list[str] = []
    # FTS5's integrity-check is spelled as an INSERT, so it needs a writable connection.
    writable = os.access(path, os.W_OK) and os.access(Path(path).parent, os.W_OK)
    conn = connect(path, key, readonly=not writable)
    try:
        for (text,) in conn.execute("PRAGMA cipher_integrity_check").fetchall():
            problems.append(f"cipher_integrity_check: {text}")
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        if [r[0] for r in rows] != ["ok"]:
            problems.extend(f"integrity_check: {r[0]}" for r in rows)
        tables = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        for name, sql in tables:
            if "VIRTUAL TABLE" in (sql or "").upper():
                if not writable:
                    conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()
                    continue
                try:
                    conn.execute(f'INSERT INTO "{name}"("{name}", rank) VALUES (\'integrity-check\', 1)')
                except sqlcipher3.DatabaseError as exc:
                    problems.append(f"{name}: {exc}")
                continue
            if name.startswith("search_index_"):
                continue
            cursor = conn.execute(f'SELECT * FROM "{name}"')
            while cursor.fetchmany(2000):
                pass
    except sqlcipher3.DatabaseError as exc:
        problems.append(str(exc))
    finally:
        conn.close()
    return problems


#: Tables the quick check leaves to the full one: the bulk (document bytes and text, the search
#: index, the audit table) is most of a large vault's pages.
QUICK_SKIPS = ("audit", "document_blobs", "document_text")


def quick_integrity_report(path: Path, key: bytes) -> list[str]:
    """``PRAGMA quick_check`` of every record table and its indexes, on a fresh read-only connection.

    Every page it reads is decrypted and its HMAC verified by SQLCipher. Not covered (the full
    check is): the pages of document bytes and text, of the search index and of the audit table;
    the HMAC of pages no record table uses (``cipher_integrity_check``); index-to-table consistency
    (``integrity_check``); FTS5's own check; reading every row.
    """
    problems: list[str] = []
    conn = connect(path, key, readonly=True)
    try:
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'search_index%' AND upper(sql) NOT LIKE '%VIRTUAL TABLE%' ORDER BY name")]
        for name in tables:
            if name in QUICK_SKIPS:
                continue
            try:
                rows = conn.execute(f'PRAGMA quick_check("{name}")').fetchall()
            except sqlcipher3.DatabaseError as exc:  # a page that fails its HMAC, typically
                problems.append(f"quick_check {name}: {exc}")
                continue
            if [r[0] for r in rows] != ["ok"]:
                problems.extend(f"quick_check {name}: {r[0]}" for r in rows)
    except sqlcipher3.DatabaseError as exc:
        problems.append(str(exc))
    finally:
        conn.close()
    return problems

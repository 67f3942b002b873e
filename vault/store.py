"""The open vault: lifecycle (create, open, close, re-key, backup, check) and transactions.

A ``Vault`` owns one SQLCipher connection. Feature modules (people, documents, search, …)
hang off it as services and do every write through ``Vault.transaction()``, appending their
audit event inside the same transaction.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3

from . import audit, kdf
from .atomic import check_output_target, fsync_dir, replace_with, sweep_beside, sweep_staging
from .clock import Clock
from .config import AppConfig
from .connection import connect, integrity_report, precheck_file, storage_error
from .errors import (
    AuthorisationImmutable,
    ConstraintViolated,
    IntegrityCheckFailed,
    SchemaTooNew,
    ValidationError,
    VaultDamaged,
    VaultExists,
    VaultReadOnly,
    WriteFailed,
    WrongPassphrase,
)
from .identity import OwnerKey, PublicIdentity, fingerprint_for, key_id_for
from .lockfile import VaultLock
from .schema import LATEST_VERSION, MIGRATIONS, apply_migration

if TYPE_CHECKING:
    from .authorisations import AuthorisationService
    from .documents import DocumentService
    from .introductions import IntroductionService
    from .people import PeopleService
    from .recipients import RecipientService
    from .search import SearchService
if TYPE_CHECKING:  # the privacy-lifecycle services
    from .outreach import OutreachService
    from .privacy import PrivacyService
    from .retention import RetentionService

MIN_PASSPHRASE_LENGTH = 8
#: The page cache of a bulk write, in KiB (``Vault.bulk_transaction``); otherwise SQLCipher's 8 MB.
BULK_CACHE_KIB = 65536


@dataclass(frozen=True)
class Owner:
    name: str
    organisation: str
    email: str
    identity: PublicIdentity

    @property
    def fingerprint(self) -> str:
        return self.identity.fingerprint


@dataclass(frozen=True)
class CheckReport:
    ok: bool
    problems: list[str]
    chain: audit.ChainStatus


def validate_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ValidationError("passphrase", f"must be at least {MIN_PASSPHRASE_LENGTH} characters")


def _sqlite_error(path: Path, exc: Exception) -> Exception:
    storage = storage_error(path, exc)
    if storage is not None:
        return storage
    text = str(exc).lower()
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return VaultDamaged(str(path), text)
    return WriteFailed(str(path), text)


class Vault:
    """An unlocked vault. Create with ``Vault.create`` or ``Vault.open``; close when done."""

    def __init__(
        self, conn: Any, path: Path, key: bytes, lock: VaultLock, clock: Clock, readonly: bool
    ) -> None:
        self._conn = conn
        self.path = path
        self._key = key
        self._lock = lock
        self.clock = clock
        self.readonly = readonly
        self._depth = 0
        self._reader: Any = None
        #: ``audit.witness.TrailProblem``s found when the vault was opened (shown on unlock).
        self.trail_problems: list[Any] = []
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        self.uuid: str = meta["vault_uuid"]
        row = conn.execute(
            "SELECT name, organisation, email, public_key, key_id FROM owner WHERE id = 1"
        ).fetchone()
        self.owner = Owner(row[0], row[1], row[2], PublicIdentity(bytes(row[3]), bytes(row[4])))
        self.actor = self.owner.fingerprint

    # --- creation and opening ---------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        passphrase: str,
        *,
        owner_name: str,
        organisation: str = "",
        email: str = "",
        clock: Clock | None = None,
        config: AppConfig | None = None,
    ) -> Vault:
        path = Path(path).absolute()
        validate_passphrase(passphrase)
        owner_name = owner_name.strip()
        if not owner_name:
            raise ValidationError("name", "the owner's name is required")
        if email:
            from .contact_points import normalise_email

            email = normalise_email(email)
        if path.exists():
            raise VaultExists(str(path))
        try:
            _private_folder(path.parent)
        except OSError as exc:
            raise WriteFailed(str(path.parent), exc.strerror or str(exc)) from exc
        clock = clock or Clock()
        salt = kdf.new_salt()
        key = kdf.derive_key(passphrase, salt)
        lock = VaultLock(path)
        lock.acquire()
        vault_uuid = str(uuidlib.uuid4())
        private, public = OwnerKey.generate()

        def build(tmp: Path) -> None:
            conn = connect(tmp, key, salt=salt)
            try:
                now = clock.now_iso()
                conn.execute("BEGIN IMMEDIATE")
                for version, step in MIGRATIONS:
                    apply_migration(conn, step, str(path))
                    conn.execute(f"PRAGMA user_version = {version}")
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("vault_uuid", vault_uuid), ("created_at", now), ("format", "contact-vault/1")],
                )
                conn.execute(
                    "INSERT INTO owner (id, name, organisation, email, public_key, private_key, key_id,"
                    " fingerprint, created_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (owner_name, organisation.strip(), email, public, private, key_id_for(public),
                     fingerprint_for(public), now),
                )
                audit.append(
                    conn, at=now, actor=fingerprint_for(public), action="vault.created",
                    subject_type="vault", subject_id=vault_uuid,
                    details={"schema": LATEST_VERSION, "owner_key": key_id_for(public).hex()},
                )
                conn.execute("COMMIT")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()

        try:
            replace_with(path, build)
        except BaseException:
            lock.release()
            raise
        conn = connect(path, key)
        vault = cls(conn, path, key, lock, clock, readonly=False)
        vault.config = config or AppConfig()
        vault.config.note_opened(path, vault.uuid)
        return vault

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        passphrase: str | None = None,
        *,
        raw_key: bytes | None = None,
        clock: Clock | None = None,
        config: AppConfig | None = None,
        readonly: bool = False,
        backup_before_migrate: bool = True,
    ) -> Vault:
        """Unlock. Counts failed attempts and audits the success with that count."""
        path = Path(path).absolute()
        sweep_staging()
        precheck_file(path)
        config = config or AppConfig()
        if raw_key is None:
            if passphrase is None:
                raise WrongPassphrase("A passphrase is needed to open this vault.")
            raw_key = kdf.derive_key(passphrase, kdf.read_salt(path))
        if not readonly and not _writable(path):
            readonly = True
        lock = VaultLock(path)
        if not readonly:
            lock.acquire()
        try:
            try:
                conn = connect(path, raw_key, readonly=readonly)
            except WrongPassphrase:
                config.record_failed_unlock(path)
                raise
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > LATEST_VERSION:
                conn.close()
                raise SchemaTooNew(version, LATEST_VERSION)
            if version < 1:
                conn.close()
                raise VaultDamaged(str(path), "it holds no Contact Vault schema")
            vault = cls(conn, path, raw_key, lock, clock or Clock(), readonly)
            vault.config = config
        except BaseException:
            lock.release()
            raise
        if not readonly:
            # Holding the lock: no other process writes beside the vault now.
            _make_private(path)
            sweep_beside(path)
            for backup in config.vault_entry(path).get("backups", []):
                sweep_beside(Path(backup.get("path", "")))
        try:
            if version < LATEST_VERSION:
                if readonly:
                    raise VaultReadOnly(str(path), "upgrade it to this version's format")
                vault._migrate(version, backup_before_migrate)
            config.note_opened(path, vault.uuid)
            vault.trail_problems = _trail_problems(vault)  # before this unlock adds its event
            if not readonly:
                failed = config.take_failed_unlocks(path)
                with vault.transaction():
                    vault.record("vault.unlocked", "vault", vault.uuid, {"failed_attempts": failed})
        except BaseException:
            vault.close()
            raise
        return vault

    def _migrate(self, current: int, take_backup: bool) -> None:
        if take_backup:
            self.backup(self.path.with_name(f"{self.path.name}.before-v{LATEST_VERSION}.bak"))
        for version, step in MIGRATIONS:
            if version <= current:
                continue
            with self.transaction() as conn:
                apply_migration(conn, step, str(self.path))
                conn.execute(f"PRAGMA user_version = {version}")
                self.record("vault.migrated", "vault", self.uuid, {"from": current, "to": version})
            current = version

    def close(self) -> None:
        self._close_reader()
        if self._conn is not None and not self.readonly and getattr(self, "config", None) is not None:
            from .audit import witness

            with contextlib.suppress(Exception):  # a witness that cannot be written must not stop the close
                witness.seal(self)
        if self._conn is not None:
            with contextlib.suppress(sqlcipher3.Error):
                if not self.readonly:
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.close()
            self._conn = None
        self._lock.release()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def raw_key(self) -> bytes:
        """The derived key, for 'remember on this computer' only."""
        return self._key

    # --- transactions and audit -------------------------------------------------------------

    @property
    def conn(self) -> Any:
        if self._conn is None:
            from .errors import VaultLocked

            raise VaultLocked()
        return self._conn

    @property
    def reader(self) -> Any:
        """A second, read-only connection for read-heavy queries (search ranking).

        Once a connection has written, SQLCipher's FTS5 ranking on it runs several times slower
        (with temp_store=MEMORY); a connection that never writes keeps full speed. It sees
        committed data only, so inside a transaction the main connection is returned instead.
        """
        conn = self.conn
        if self._depth:
            return conn
        if self._reader is None:
            self._reader = connect(self.path, self._key, readonly=True)
        return self._reader

    def _close_reader(self) -> None:
        if self._reader is not None:
            with contextlib.suppress(sqlcipher3.Error):
                self._reader.close()
            self._reader = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; nested uses join the outer transaction."""
        if self.readonly:
            raise VaultReadOnly(str(self.path))
        conn = self.conn
        if self._depth:
            self._depth += 1
            try:
                yield conn
            finally:
                self._depth -= 1
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlcipher3.OperationalError as exc:
            raise _sqlite_error(self.path, exc) from exc
        self._depth = 1
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(sqlcipher3.Error):
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlcipher3.IntegrityError | sqlite3.IntegrityError):
                # A schema rule said no (UNIQUE, an immutability trigger): bad input, not damage.
                if "immutable" in str(exc):
                    raise AuthorisationImmutable() from exc
                raise ConstraintViolated(str(exc)) from exc
            if isinstance(exc, sqlcipher3.DatabaseError | sqlite3.DatabaseError):
                raise _sqlite_error(self.path, exc) from exc
            raise
        finally:
            self._depth = 0

    @contextlib.contextmanager
    def bulk_transaction(self) -> Iterator[Any]:
        """``transaction()`` for writes of thousands of rows (imports, bulk creation): the search
        index is rewritten once at the end, and the page cache is large for the duration.

        New rows land at random places in large indexes (names, UUIDs, normalised contact
        points); with the default 8 MB cache each insert evicts, and later re-reads and
        decrypts, pages it will need again. The cache goes back to its size after the commit.
        """
        if self._depth:
            with self.transaction() as conn, self.search.deferred():
                yield conn
            return
        conn = self.conn
        before = conn.execute("PRAGMA cache_size").fetchone()[0]
        conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        try:
            with self.transaction() as conn, self.search.deferred():
                yield conn
        finally:
            with contextlib.suppress(sqlcipher3.Error):
                conn.execute(f"PRAGMA cache_size = {int(before)}")

    def record(
        self, action: str, subject_type: str, subject_id: str, details: dict[str, Any] | None = None
    ) -> audit.AuditEvent:
        """Append an audit event; only valid inside ``transaction()``."""
        if not self._depth:
            raise RuntimeError("audit events are written inside a transaction")
        return audit.append(
            self.conn, at=self.clock.now_iso(), actor=self.actor, action=action,
            subject_type=subject_type, subject_id=subject_id, details=details,
        )

    def now(self) -> str:
        return self.clock.now_iso()

    # --- owner and settings -----------------------------------------------------------------

    def owner_key(self) -> OwnerKey:
        """The private key, read when needed and not kept around."""
        row = self.conn.execute("SELECT private_key FROM owner WHERE id = 1").fetchone()
        return OwnerKey(bytes(row[0]))

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
            self.record("settings.changed", "vault", self.uuid, {"setting": key})

    # --- maintenance ------------------------------------------------------------------------

    def check(self) -> CheckReport:
        """Both integrity checks and a read of every row on a fresh connection, plus the chain."""
        if not self.readonly:
            with contextlib.suppress(sqlcipher3.Error):
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        from .audit import witness

        problems = integrity_report(self.path, self._key)
        chain = audit.verify_chain(self.conn)
        if not chain.ok:
            problems.append(f"audit chain {chain.describe()}")
        for trigger in witness.missing_triggers(self.conn):
            problems.append(f"the audit trail's append-only trigger {trigger} is missing, so events can be "
                            "changed or deleted")
        problems.extend(problem.sentence() for problem in witness.compare(self, use_keyring=True))
        return CheckReport(not problems, problems, chain)

    def _export_copy(self, target: Path, key: bytes, salt: bytes | None, audit_action: str | None) -> None:
        """sqlcipher_export into ``target`` (a fresh path), optionally auditing inside the copy."""
        conn = self.conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"ATTACH DATABASE ? AS export_target KEY {kdf.key_literal(key, salt)}", (str(target),))
        try:
            conn.execute("SELECT sqlcipher_export('export_target')")
            conn.execute(f"PRAGMA export_target.user_version = {int(version)}")
            if audit_action:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    audit.append(
                        _SchemaProxy(conn, "export_target"), at=self.now(), actor=self.actor,
                        action=audit_action, subject_type="vault", subject_id=self.uuid, details={},
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
        finally:
            conn.execute("DETACH DATABASE export_target")

    def _verify_copy(self, target: Path, key: bytes) -> None:
        problems = integrity_report(target, key)
        if problems:
            raise IntegrityCheckFailed(str(target), "; ".join(problems[:3]))
        probe = connect(target, key)
        try:
            for table in ("people", "documents", "audit"):
                mine = self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                theirs = probe.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                if theirs < mine:
                    raise IntegrityCheckFailed(str(target), f"the copy lacks rows of {table}")
            # A copy is one self-contained file: no -wal or -shm to lose when it is moved.
            probe.execute("PRAGMA journal_mode = DELETE")
        finally:
            probe.close()

    def backup(self, destination: str | os.PathLike[str]) -> Path:
        """A verified encrypted copy under the same passphrase, written atomically."""
        destination = self.output_path(destination)
        salt = kdf.read_salt(self.path)
        with contextlib.suppress(sqlcipher3.Error):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        def produce(tmp: Path) -> None:
            try:
                self._export_copy(tmp, self._key, salt, None)
            except sqlcipher3.Error as exc:
                raise _sqlite_error(tmp, exc) from exc
            self._verify_copy(tmp, self._key)
            # Recorded before the copy takes its name: a failure after this leaves an audited
            # backup that is missing, never a full copy of the vault that the trail does not
            # mention. (A vault opened read-only cannot record; its backup is still allowed.)
            if not self.readonly:
                with self.transaction():
                    self.record("vault.backup", "vault", self.uuid, {})

        replace_with(destination, produce)
        from .audit import witness

        witness.forget_copy(self, destination)  # an older copy's witness does not apply to this one
        self.config.note_backup(self.path, destination, self.now())
        return destination

    def change_passphrase(self, new_passphrase: str) -> None:
        """Verified re-key: export under the new key, check it, then replace the file atomically."""
        if self.readonly:
            raise VaultReadOnly(str(self.path), "change its passphrase")
        validate_passphrase(new_passphrase)
        new_salt = kdf.new_salt()
        new_key = kdf.derive_key(new_passphrase, new_salt)
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tmp = self.path.with_name(f".{self.path.name}.rekey")
        _remove_db_files(tmp)
        # Created 0600 before SQLite opens it, so the copy and its -wal/-shm are private too.
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            self._export_copy(tmp, new_key, new_salt, "vault.rekeyed")
            self._verify_copy(tmp, new_key)
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except sqlcipher3.Error as exc:
            _remove_db_files(tmp)
            raise _sqlite_error(tmp, exc) from exc
        except BaseException:
            _remove_db_files(tmp)
            raise
        self._close_reader()
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._conn.close()
        self._conn = None
        try:
            os.replace(tmp, self.path)
            fsync_dir(self.path.parent)
        except OSError as exc:
            _remove_db_files(tmp)
            self._conn = connect(self.path, self._key)
            raise WriteFailed(str(self.path), exc.strerror or str(exc)) from exc
        for extra in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(str(self.path) + extra).unlink()
        _make_private(self.path)
        self._key = new_key
        self._conn = connect(self.path, new_key)
        from . import remember

        if remember.recall(self.uuid) is not None:
            remember.remember(self.uuid, new_key, self.config)

    # --- services ---------------------------------------------------------------------------

    @cached_property
    def people(self) -> PeopleService:
        from .people import PeopleService

        return PeopleService(self)

    @cached_property
    def documents(self) -> DocumentService:
        from .documents import DocumentService

        return DocumentService(self)

    @cached_property
    def search(self) -> SearchService:
        from .search import SearchService

        return SearchService(self)

    @cached_property
    def recipients(self) -> RecipientService:
        from .recipients import RecipientService

        return RecipientService(self)

    @cached_property
    def authorisations(self) -> AuthorisationService:
        from .authorisations import AuthorisationService

        return AuthorisationService(self)

    @cached_property
    def introductions(self) -> IntroductionService:
        from .introductions import IntroductionService

        return IntroductionService(self)

    @cached_property
    def privacy(self) -> PrivacyService:
        from .privacy import PrivacyService

        return PrivacyService(self)

    @cached_property
    def outreach(self) -> OutreachService:
        from .outreach import OutreachService

        return OutreachService(self)

    @cached_property
    def retention(self) -> RetentionService:
        from .retention import RetentionService

        return RetentionService(self)

    def companion_paths(self) -> list[Path]:
        """The vault file and the files SQLite and the app keep beside it."""
        return [self.path, *(Path(f"{self.path}{extra}") for extra in ("-wal", "-shm", "-journal", ".lock"))]

    def output_path(self, destination: str | os.PathLike[str]) -> Path:
        """Where an export may be written: never the vault or its companions, never a device,
        FIFO or folder (UnsafeOutput)."""
        return check_output_target(destination, self.companion_paths())

    def verify_audit_chain(self) -> audit.ChainStatus:
        return audit.verify_chain(self.conn)


class _SchemaProxy:
    """Lets ``audit.append`` write into an attached database's audit table."""

    def __init__(self, conn: Any, schema: str) -> None:
        self._conn = conn
        self._schema = schema

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        sql = sql.replace("FROM audit", f"FROM {self._schema}.audit").replace(
            "INTO audit", f"INTO {self._schema}.audit"
        )
        return self._conn.execute(sql, params)


def _remove_db_files(path: Path) -> None:
    for extra in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(path) + extra).unlink()


def _trail_problems(vault: Vault) -> list[Any]:
    """How the trail disagrees with its witness and stored checkpoints (never stops an open)."""
    from .audit import witness

    try:
        return list(witness.compare(vault))
    except Exception:
        return []


def _private_folder(folder: Path) -> None:
    """Create the vault's folder (and missing parents) as 0700; an existing folder keeps its mode."""
    missing = [parent for parent in (folder, *folder.parents) if not parent.exists()]
    for parent in reversed(missing):
        parent.mkdir(mode=0o700, exist_ok=True)
        os.chmod(parent, 0o700)  # mkdir's mode is filtered by the umask


def _make_private(path: Path) -> None:
    """0600 for the vault and its -wal/-shm (older versions made them 0644); best effort."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(OSError):
            if candidate.exists() and candidate.stat().st_mode & 0o077 and candidate.stat().st_uid == os.getuid():
                os.chmod(candidate, 0o600)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)

"""The one thread that owns the SQLCipher connection.

``VaultWorker`` is the GUI-side handle; the open ``vault.store.Vault`` lives only inside its
executor, which runs on a private ``QThread``. Everything that touches the vault is a function
``fn(vault)`` handed to ``VaultWorker.call``: it runs on the worker thread, one at a time in
submission order, and its result (or typed error) comes back to the GUI thread through a
queued signal, where ``on_result`` / ``on_error`` run. So the key derivation, extraction and
every query run off the GUI thread, and no two threads ever share the connection.

Every call names a *context*: the ``QObject`` (usually the widget) that owns the callbacks.
They run only while that object is alive; once it has been destroyed (a dialog closed and
deleted while its save was in flight) they are dropped, never invoked, so no callback ever
lands on a deleted widget. ``call_with_progress`` adds progress reports, delivered the same
way, and returns a ``CancelHandle`` for cooperative cancellation.

Locking bumps an *epoch*: results of work submitted before the lock are dropped instead of
being delivered into a window that has just been emptied.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

from vault import remember
from vault.clock import Clock
from vault.config import AppConfig
from vault.errors import Cancelled, VaultError, VaultLocked
from vault.store import Vault

ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[VaultError], None]
ProgressCallback = Callable[[int, int], None]

#: Progress reports closer together than this are coalesced (the last one always goes through).
PROGRESS_INTERVAL_S = 0.03


def _alive(context: QObject | None) -> bool:
    """No context (nothing to outlive), or one whose C++ object has not been destroyed."""
    return context is None or shiboken6.isValid(context)


class UnexpectedFailure(VaultError):
    """A bug, not a user mistake: the user gets one sentence, the traceback goes to stderr."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(
            f"Something unexpected went wrong ({type(exc).__name__}); nothing else was changed."
        )
        self.original = exc


@dataclass(frozen=True)
class VaultInfo:
    """What the GUI may know about the open vault (no personal data)."""

    path: Path
    uuid: str
    owner_name: str
    organisation: str
    email: str
    fingerprint: str
    readonly: bool
    remembered: bool
    #: One sentence when the audit trail is shorter than its witness (or was changed); else "".
    trail_warning: str = ""


@dataclass
class _Job:
    job_id: int
    epoch: int
    fn: Callable[[_Executor], Any]


@dataclass
class _Pending:
    """What the GUI side keeps for a job in flight: its callbacks and the object owning them."""

    on_result: ResultCallback | None
    on_error: ErrorCallback | None
    context: QObject | None  # None only for callbacks that touch no widget
    on_progress: ProgressCallback | None = None

    def alive(self) -> bool:
        """True while the callbacks may run."""
        return _alive(self.context)


class CancelHandle:
    """Asks a ``call_with_progress`` job to stop; the job stops at its next progress report.

    Cancellation is cooperative: the core function must report progress (an import does, per
    row; an audit export, per thousand events) and roll back or remove its output when the
    report raises ``Cancelled``. A job that has already finished is not affected.
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


@dataclass
class ProgressReporter:
    """Handed to a ``call_with_progress`` function; call it as ``report(done, total)``.

    It runs on the worker thread: it raises ``Cancelled`` once cancel was asked for, and
    otherwise sends the numbers to the GUI thread (coalesced, so a per-row report does not
    flood the event queue). It returns True, so it also fits cores whose progress callback
    may return False to stop.
    """

    job_id: int
    handle: CancelHandle
    emit: Callable[[int, int, int], None]
    _last: float = field(default=0.0)

    def __call__(self, done: int, total: int) -> bool:
        if self.handle.cancelled:
            raise Cancelled()
        now = time.monotonic()
        if done >= total or done == 0 or now - self._last >= PROGRESS_INTERVAL_S:
            self._last = now
            self.emit(self.job_id, done, total)
        return True


class _Executor(QObject):
    """Lives on the worker thread; the only holder of the open vault."""

    done = Signal(int, int, bool, object)  # job id, epoch, ok, result or error
    progressed = Signal(int, int, int)  # job id, done, total

    def __init__(self) -> None:
        super().__init__()
        self.vault: Vault | None = None

    def require(self) -> Vault:
        if self.vault is None or not self.vault.is_open:
            raise VaultLocked()
        return self.vault

    @Slot(object)
    def run(self, job: _Job) -> None:
        try:
            value = job.fn(self)
            ok = True
        except VaultError as exc:
            value, ok = exc, False
        except Exception as exc:  # a bug: log it, show one sentence
            traceback.print_exc(file=sys.stderr)
            value, ok = UnexpectedFailure(exc), False
        self.done.emit(job.job_id, job.epoch, ok, value)

    def close_vault(self) -> None:
        if self.vault is not None:
            try:
                self.vault.close()
            finally:
                self.vault = None


class VaultWorker(QObject):
    """GUI-thread handle to the worker thread. See the module docstring for the contract."""

    opened = Signal(object)  # VaultInfo, after open() or create() succeeded
    closed = Signal()  # after lock() closed the vault
    busy_changed = Signal(bool)
    failed = Signal(str)  # errors of calls that gave no on_error: one human sentence
    #: Emitted (on the GUI thread) by anyone who changed vault data, with the person's UUID or "".
    data_changed = Signal(str)

    _submit = Signal(object)

    def __init__(self, parent: QObject | None = None, *, clock: Clock | None = None,
                 config: AppConfig | None = None) -> None:
        super().__init__(parent)
        self.clock = clock or Clock()
        self.config = config
        self._thread = QThread()
        self._thread.setObjectName("vault-worker")
        self._executor = _Executor()
        self._executor.moveToThread(self._thread)
        self._submit.connect(self._executor.run)
        self._executor.done.connect(self._on_done)
        self._executor.progressed.connect(self._on_progress)
        self._thread.start()
        self._next_id = 0
        self._epoch = 0
        self._pending: dict[int, _Pending] = {}
        self.info: VaultInfo | None = None

    # --- state ------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.info is not None

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    # --- submitting work --------------------------------------------------------------------

    def call(self, fn: Callable[[Vault], Any], on_result: ResultCallback | None = None,
             on_error: ErrorCallback | None = None, *, context: QObject | None) -> int:
        """Run ``fn(vault)`` on the worker thread; callbacks run later on the GUI thread.

        ``context`` is the object the callbacks belong to (pass the widget that made the call):
        they run only while it is alive and are dropped once it has been destroyed. Pass
        ``None`` only for callbacks that touch no widget (they then always run).
        """
        return self._run(lambda ex: fn(ex.require()), on_result, on_error, context=context)

    def call_with_progress(self, fn: Callable[[Vault, ProgressReporter], Any], *, context: QObject,
                           on_progress: ProgressCallback | None = None,
                           on_result: ResultCallback | None = None,
                           on_error: ErrorCallback | None = None) -> CancelHandle:
        """Like ``call``, for long work: ``fn(vault, report)`` calls ``report(done, total)``.

        ``on_progress(done, total)`` runs on the GUI thread, bound to ``context`` like the other
        callbacks. The returned handle's ``cancel()`` makes the next ``report`` raise
        ``Cancelled``, which reaches ``on_error`` after the core has undone its work.
        """
        handle = CancelHandle(self._next_id + 1)
        reporter = ProgressReporter(handle.job_id, handle, self._executor.progressed.emit)
        job_id = self._run(lambda ex: fn(ex.require(), reporter), on_result, on_error, context=context,
                           on_progress=on_progress)
        assert job_id == handle.job_id
        return handle

    def _run(self, fn: Callable[[_Executor], Any], on_result: ResultCallback | None,
             on_error: ErrorCallback | None, *, context: QObject | None = None,
             on_progress: ProgressCallback | None = None) -> int:
        self._next_id += 1
        job = _Job(self._next_id, self._epoch, fn)
        was_busy = self.busy
        self._pending[job.job_id] = _Pending(on_result, on_error, context, on_progress)
        if not was_busy:
            self.busy_changed.emit(True)
        self._submit.emit(job)
        return job.job_id

    @Slot(int, int, int)
    def _on_progress(self, job_id: int, done: int, total: int) -> None:
        pending = self._pending.get(job_id)
        if pending is not None and pending.on_progress is not None and pending.alive():
            pending.on_progress(done, total)

    @Slot(int, int, bool, object)
    def _on_done(self, job_id: int, epoch: int, ok: bool, value: object) -> None:
        pending = self._pending.pop(job_id, None)
        if not self._pending:
            self.busy_changed.emit(False)
        if pending is None or epoch != self._epoch:
            return  # submitted before a lock: its result must not reach an emptied window
        if not pending.alive():
            return  # its owner was destroyed while the job ran: nobody is left to tell
        if ok:
            if pending.on_result is not None:
                pending.on_result(value)
        elif pending.on_error is not None:
            pending.on_error(value)  # type: ignore[arg-type]
        elif not isinstance(value, VaultLocked):  # a late call after a lock: nothing to tell
            self.failed.emit(str(value))

    # --- lifecycle --------------------------------------------------------------------------

    def _opened_info(self, vault: Vault) -> VaultInfo:
        return VaultInfo(
            path=vault.path, uuid=vault.uuid, owner_name=vault.owner.name,
            organisation=vault.owner.organisation, email=vault.owner.email,
            fingerprint=vault.owner.fingerprint, readonly=vault.readonly,
            remembered=remember.recall(vault.uuid) is not None, trail_warning=_trail_warning(vault),
        )

    def _after_open(self, on_result: ResultCallback | None, context: QObject | None) -> ResultCallback:
        """The worker learns of the open vault in any case; ``on_result`` only while ``context`` lives."""

        def deliver(info: VaultInfo) -> None:
            self.info = info
            self.opened.emit(info)
            if on_result is not None and _alive(context):
                on_result(info)

        return deliver

    @staticmethod
    def _bound_error(on_error: ErrorCallback | None, context: QObject | None) -> ErrorCallback | None:
        if on_error is None or context is None:
            return on_error

        def deliver(error: VaultError) -> None:
            if _alive(context):
                on_error(error)

        return deliver

    def open(self, path: str | Path, passphrase: str | None = None, *, raw_key: bytes | None = None,
             remember_key: bool = False, on_result: ResultCallback | None = None,
             on_error: ErrorCallback | None = None, context: QObject | None = None) -> int:
        """Unlock on the worker (the KDF runs there); optionally remember the derived key.

        ``on_result``/``on_error`` are bound to ``context`` as in ``call``; ``opened`` is
        emitted whatever became of the context.
        """
        clock, config = self.clock, self.config

        def job(ex: _Executor) -> VaultInfo:
            ex.close_vault()
            vault = Vault.open(path, passphrase, raw_key=raw_key, clock=clock, config=config)
            ex.vault = vault
            if remember_key:
                try:
                    remember.remember(vault.uuid, vault.raw_key, config)
                except VaultError:
                    pass  # the vault is open either way; the settings page shows the keyring state
            return self._opened_info(vault)

        return self._run(job, self._after_open(on_result, context), self._bound_error(on_error, context))

    def create(self, path: str | Path, passphrase: str, *, owner_name: str, organisation: str = "",
               email: str = "", remember_key: bool = False, on_result: ResultCallback | None = None,
               on_error: ErrorCallback | None = None, context: QObject | None = None) -> int:
        """Create a vault on the worker and keep it open."""
        clock, config = self.clock, self.config

        def job(ex: _Executor) -> VaultInfo:
            ex.close_vault()
            vault = Vault.create(path, passphrase, owner_name=owner_name, organisation=organisation,
                                 email=email, clock=clock, config=config)
            ex.vault = vault
            if remember_key:
                try:
                    remember.remember(vault.uuid, vault.raw_key, config)
                except VaultError:
                    pass  # the vault exists either way; the settings page shows the keyring state
            return self._opened_info(vault)

        return self._run(job, self._after_open(on_result, context), self._bound_error(on_error, context))

    def lock(self, on_done: Callable[[], None] | None = None) -> None:
        """Drop pending results, close the vault on the worker, then emit ``closed``."""
        self._epoch += 1
        self.info = None

        def job(ex: _Executor) -> None:
            ex.close_vault()

        def finished(_: object) -> None:
            self.closed.emit()
            if on_done is not None:
                on_done()

        self._run(job, finished, lambda exc: finished(None))

    def notify_changed(self, person_uuid: str = "") -> None:
        """Tell every view that vault data changed (call on the GUI thread after a write)."""
        self.data_changed.emit(person_uuid)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Close the vault and stop the thread (at quit)."""
        if not self._thread.isRunning():
            return
        self._epoch += 1
        self.info = None

        def job(ex: _Executor) -> None:
            try:
                ex.close_vault()
            finally:
                QThread.currentThread().quit()

        self._run(job, None, lambda exc: None)
        self._thread.wait(timeout_ms)


def _trail_warning(vault: Vault) -> str:
    """The witness comparison made at unlock: a shortened trail must not go unnoticed."""
    if not vault.trail_problems:
        return ""
    first = vault.trail_problems[0].sentence()
    return (f"Warning: {first[0].upper()}{first[1:]}. If you did not restore an older copy of this vault on "
            "purpose, someone may have removed audit events; run Vault → Check vault.")

"""Files that appear whole or not at all, and never leave readable leftovers after a crash.

Plaintext outputs are written to an anonymous file (``O_TMPFILE``) in the target's folder and
given a name (``linkat``) only when complete: a kill before that leaves nothing to find. Where
the file system has no ``O_TMPFILE`` (and for database copies, which SQLite must open by name),
the temp file beside the target is first noted in the private staging folder (0700, in the
config folder); ``sweep_staging`` removes the temp files of processes that died, at every start
and every command. A target that is not a regular file (device, FIFO, folder, or a link to one)
is refused rather than replaced.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import DiskFull, UnsafeOutput, WriteFailed

STAGING_FOLDER = "staging"
_PART_SUFFIX = ".part"


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- refusing unsafe targets ----------------------------------------------------------------


def _kind(mode: int) -> str | None:
    if stat.S_ISDIR(mode):
        return "it is a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "it is a device"
    if stat.S_ISFIFO(mode):
        return "it is a pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "it is a socket"
    if not stat.S_ISREG(mode):
        return "it is not a regular file"
    return None


def check_output_target(target: str | os.PathLike[str], protected: Iterable[Path] = ()) -> Path:
    """``target`` as an absolute path, or UnsafeOutput when writing there would replace one of
    ``protected`` (the vault and its companion files, also through a link) or an existing thing
    that is not a regular file."""
    path = Path(target).absolute()
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UnsafeOutput(str(path), f"it cannot be examined ({exc.strerror})") from exc
    if info is not None and stat.S_ISLNK(info.st_mode):
        try:
            followed = os.stat(path)
        except OSError:
            followed = None  # a dangling link: replacing it writes a new regular file
        if followed is not None:
            problem = _kind(followed.st_mode)
            if problem:
                raise UnsafeOutput(str(path), f"it is a link to something that is not a file ({problem[6:]})")
    elif info is not None:
        problem = _kind(info.st_mode)
        if problem:
            raise UnsafeOutput(str(path), problem)
    resolved = path.resolve()
    for guarded in protected:
        guarded = Path(guarded).absolute()
        same = path == guarded or resolved == guarded.resolve()
        if not same and info is not None:
            with contextlib.suppress(OSError):
                same = os.path.samefile(path, guarded)
        if same:
            raise UnsafeOutput(str(path), f"it is the vault's own file {guarded.name}")
    return path


# --- the staging journal --------------------------------------------------------------------


def staging_dir() -> Path:
    """The private staging folder (0700). Created on demand; its mode is enforced every time."""
    from .paths import config_dir

    folder = config_dir() / STAGING_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)
    return folder


class _Note:
    """A record in the staging folder naming a temp file, locked while its writer lives."""

    def __init__(self, temp: Path) -> None:
        self.fd: int | None = None
        self.file: Path | None = None
        try:
            folder = staging_dir()
            self.file = folder / f"pending-{uuid.uuid4().hex}.json"
            fd = os.open(self.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, json.dumps({"temp": str(temp), "pid": os.getpid()}).encode("utf-8"))
            os.fsync(fd)
            self.fd = fd
        except OSError:
            self.file = None  # no journal possible (read-only home): the write still proceeds

    def done(self) -> None:
        if self.file is not None:
            with contextlib.suppress(OSError):
                self.file.unlink()
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
        self.fd = self.file = None


def _remove_temp(temp: Path) -> None:
    for extra in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            Path(str(temp) + extra).unlink()


def sweep_staging() -> int:
    """Remove the temp files that processes which died left behind (their notes are unlocked).
    Returns how many notes were cleared. Never raises."""
    cleared = 0
    try:
        notes = list(staging_dir().glob("pending-*.json"))
    except OSError:
        return 0
    for note in notes:
        try:
            fd = os.open(note, os.O_RDWR)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # its writer is still running
            try:
                temp = Path(json.loads(os.read(fd, 65536).decode("utf-8"))["temp"])
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                temp = None
            if temp is not None and temp.name.startswith(".") and (
                    temp.name.endswith(_PART_SUFFIX) or ".rekey" in temp.name):
                _remove_temp(temp)
            with contextlib.suppress(OSError):
                note.unlink()
            cleared += 1
        finally:
            os.close(fd)
    return cleared


def sweep_beside(target: Path) -> None:
    """Remove leftover temp files of ``target`` from versions that kept no journal. Call only
    while holding the vault's lock (no other process writes these names then)."""
    target = Path(target)
    with contextlib.suppress(OSError):
        for leftover in [*target.parent.glob(f".{target.name}.*{_PART_SUFFIX}"),
                         *target.parent.glob(f".{target.name}.rekey")]:
            _remove_temp(leftover)


# --- writing --------------------------------------------------------------------------------


def temp_path_beside(target: Path, suffix: str = _PART_SUFFIX) -> Path:
    """A fresh, unused name next to ``target`` (same file system, so os.replace is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    return Path(name)


def _fresh_name(target: Path) -> Path:
    """An unused hidden name beside ``target``; the caller creates it with O_EXCL."""
    return target.parent / f".{target.name}.{uuid.uuid4().hex[:12]}{_PART_SUFFIX}"


def _translate(exc: OSError, target: Path) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return DiskFull(str(target))
    return WriteFailed(str(target), exc.strerror or str(exc))


class _Staged:
    """Bytes on their way to ``target``: an anonymous file where possible, else a noted temp."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.fd: int | None = None
        self.temp: Path | None = None
        self.note: _Note | None = None
        flag = getattr(os, "O_TMPFILE", 0)
        if flag and os.path.isdir("/proc/self/fd"):
            try:
                self.fd = os.open(target.parent, flag | os.O_WRONLY, 0o600)
                return
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
                    raise
        self.temp = _fresh_name(target)
        self.note = _Note(self.temp)
        self.fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

    def handle(self) -> BinaryIO:
        assert self.fd is not None
        return os.fdopen(os.dup(self.fd), "wb")

    def publish(self) -> None:
        """fsync, then give the bytes the target's name (atomically replacing an older file)."""
        assert self.fd is not None
        os.fsync(self.fd)
        if self.temp is None:
            try:
                self._link(self.target)
            except FileExistsError:
                self.temp = _fresh_name(self.target)
                self.note = _Note(self.temp)
                self._link(self.temp)
                os.replace(self.temp, self.target)
        else:
            os.replace(self.temp, self.target)
        self.temp = None
        fsync_dir(self.target.parent)

    def _link(self, name: Path) -> None:
        """linkat(AT_SYMLINK_FOLLOW) of the anonymous file (a dir fd makes Python use linkat)."""
        folder = os.open(name.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.link(f"/proc/self/fd/{self.fd}", name.name, dst_dir_fd=folder, follow_symlinks=True)
        finally:
            os.close(folder)

    def discard(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None
        if self.temp is not None:
            with contextlib.suppress(OSError):
                self.temp.unlink()
            self.temp = None
        if self.note is not None:
            self.note.done()
            self.note = None


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[BinaryIO]:
    """Yield a binary handle; on success the bytes land at ``target`` atomically."""
    target = check_output_target(target)
    try:
        staged = _Staged(target)
    except OSError as exc:
        raise _translate(exc, target) from exc
    try:
        with staged.handle() as handle:
            yield handle
            handle.flush()
        staged.publish()
    except OSError as exc:
        raise _translate(exc, target) from exc
    finally:
        staged.discard()


def write_atomic(target: Path, data: bytes) -> None:
    with atomic_output(target) as handle:
        handle.write(data)


def replace_with(target: Path, produce: Callable[[Path], None]) -> None:
    """Let ``produce`` fill a temp path beside ``target`` (0600, noted in the staging journal so
    a crash leaves nothing for long), then move it into place."""
    target = check_output_target(target)
    tmp = _fresh_name(target)
    note = _Note(tmp)  # noted before it exists: a kill at any later point is swept
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        note.done()
        raise _translate(exc, target) from exc
    try:
        produce(tmp)  # SQLite fills the empty 0600 file; its -wal/-shm take the same mode
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        _remove_temp(tmp)
        raise _translate(exc, target) from exc
    except BaseException:
        _remove_temp(tmp)
        raise
    finally:
        note.done()


@contextlib.contextmanager
def staged_file(target: Path, data: bytes) -> Iterator[Path]:
    """Write ``data`` to an unnamed file in ``target``'s folder now; give it its name only when
    the block finishes without error. Nest a database transaction inside it and the file can
    only appear under its name after the transaction committed (a crash in between leaves the
    record without the file, never the file without its record, and never a stray copy)."""
    target = check_output_target(target)
    try:
        staged = _Staged(target)
        with staged.handle() as handle:
            handle.write(data)
            handle.flush()
        os.fsync(staged.fd)  # type: ignore[arg-type]
    except OSError as exc:
        with contextlib.suppress(UnboundLocalError):
            staged.discard()
        raise _translate(exc, target) from exc
    try:
        yield target
    except BaseException:
        staged.discard()
        raise
    try:
        staged.publish()
    except OSError as exc:
        raise _translate(exc, target) from exc
    finally:
        staged.discard()

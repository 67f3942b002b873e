"""Files that appear whole or not at all: temp file in the same folder, fsync, os.replace."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import DiskFull, WriteFailed


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def temp_path_beside(target: Path, suffix: str = ".part") -> Path:
    """A fresh, unused name next to ``target`` (same file system, so os.replace is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    return Path(name)


def _translate(exc: OSError, target: Path) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return DiskFull(str(target))
    return WriteFailed(str(target), exc.strerror or str(exc))


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[BinaryIO]:
    """Yield a binary handle; on success the bytes land at ``target`` atomically."""
    target = Path(target)
    try:
        tmp = temp_path_beside(target)
    except OSError as exc:
        raise _translate(exc, target) from exc
    try:
        with open(tmp, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _translate(exc, target) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_atomic(target: Path, data: bytes) -> None:
    with atomic_output(target) as handle:
        handle.write(data)


def replace_with(target: Path, produce: Callable[[Path], None]) -> None:
    """Let ``produce`` fill a temp path beside ``target``, then move it into place."""
    target = Path(target)
    try:
        tmp = temp_path_beside(target)
    except OSError as exc:
        raise _translate(exc, target) from exc
    try:
        tmp.unlink()
        produce(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        _cleanup(tmp)
        raise _translate(exc, target) from exc
    except BaseException:
        _cleanup(tmp)
        raise


def _cleanup(tmp: Path) -> None:
    for extra in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            Path(str(tmp) + extra).unlink()


@contextlib.contextmanager
def staged_file(target: Path, data: bytes) -> Iterator[Path]:
    """Write ``data`` to a hidden temp file beside ``target`` now; move it into place only when
    the block finishes without error. Nest a database transaction inside it and the file can
    only appear under its name after the transaction committed (a crash in between leaves the
    record without the file, never the file without its record)."""
    target = Path(target)
    try:
        tmp = temp_path_beside(target)
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError, UnboundLocalError):
            tmp.unlink()
        raise _translate(exc, target) from exc
    try:
        yield tmp
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    try:
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _translate(exc, target) from exc

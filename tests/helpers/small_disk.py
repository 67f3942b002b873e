"""A real small file system (tmpfs) for disk-full tests: ENOSPC from the kernel, not RLIMIT_FSIZE."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def can_mount() -> str | None:
    """None when a tmpfs can be mounted here, else the one-line reason to skip."""
    if os.geteuid() != 0:
        return "mounting a small tmpfs needs root (as in CI)"
    if shutil.which("mount") is None:
        return "no mount command on this machine"
    return None


@contextlib.contextmanager
def small_tmpfs(size_kib: int) -> Iterator[Path]:
    """Mount a tmpfs of ``size_kib`` KiB on a fresh folder; unmounted and removed afterwards."""
    reason = can_mount()
    if reason:
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="cv-small-disk-"))
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(folder)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        folder.rmdir()
        pytest.skip(f"this machine does not allow mounting a tmpfs ({result.stderr.strip()[:80]})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        with contextlib.suppress(OSError):
            folder.rmdir()


def fill(folder: Path, leave_bytes: int = 0) -> Path:
    """Fill the file system of ``folder`` until at most ``leave_bytes`` are free (like ``dd``)."""
    filler = folder / "filler.bin"
    chunk = b"\0" * 65536
    with open(filler, "ab") as handle:
        while True:
            info = os.statvfs(folder)
            free = info.f_bavail * info.f_frsize
            if free <= leave_bytes:
                break
            try:
                handle.write(chunk[: max(4096, min(len(chunk), free - leave_bytes))])
                handle.flush()
            except OSError:
                break
    return filler

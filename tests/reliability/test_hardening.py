"""Process hardening at start: no core dumps, known-bad library versions refused."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vault import hardening
from vault.errors import UnsafeLibrary


def test_core_dumps_are_disabled_in_the_app_process():
    code = (
        "import ctypes, resource\n"
        "from vault.hardening import harden_process\n"
        "harden_process()\n"
        "print(resource.getrlimit(resource.RLIMIT_CORE), ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "(0, 0) 0"  # RLIMIT_CORE 0 and PR_GET_DUMPABLE == 0


def test_library_versions_are_checked(monkeypatch):
    cipher, sqlite = hardening.check_libraries()
    assert cipher.startswith("4.") and sqlite.startswith("3.")
    monkeypatch.setattr(hardening, "library_versions", lambda: ("3.4.2 community", "3.45.0"))
    with pytest.raises(UnsafeLibrary, match="SQLCipher 3.4.2"):
        hardening.check_libraries()
    monkeypatch.setattr(hardening, "library_versions", lambda: ("4.6.0 community", "3.31.1"))
    with pytest.raises(UnsafeLibrary, match="SQLite 3.31.1"):
        hardening.check_libraries()
    monkeypatch.setattr(hardening, "library_versions", lambda: ("", "3.45.0"))
    with pytest.raises(UnsafeLibrary, match="without SQLCipher"):
        hardening.check_libraries()

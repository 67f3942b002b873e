"""Memory security stays on and stops costing two syscalls per allocation.

With ``cipher_memory_security`` on, every allocation that misses SQLite's per-connection
lookaside goes through SQLCipher's allocator, which mlocks and munlocks it. The sqlite3 module's
statement cache (128 statements by default) filled the lookaside; the vault's connections keep
none (``connection.STATEMENT_CACHE``). Proven by counting ``mlock`` calls under strace for the
same import with the vault's connections and with the module's default cache.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vault.connection import STATEMENT_CACHE, connect

REPO = Path(__file__).resolve().parents[1]
SCRIPT = r"""
import sys
from pathlib import Path
import sqlcipher3
if sys.argv[3] == "default-cache":
    plain = sqlcipher3.connect
    def with_default_cache(*args, **kwargs):
        kwargs.pop("cached_statements", None)
        return plain(*args, **kwargs)
    sqlcipher3.connect = with_default_cache
from vault.config import AppConfig
from vault.importing import apply_plan, plan_import
from vault.store import Vault
cards = "".join(
    f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Family{n};Given{n};;;\r\nFN:Given{n} Family{n}\r\nORG:Org {n % 9}\r\n"
    f"EMAIL:given{n}@example.org\r\nTEL:+1 (332) 300-{n:04d}\r\nNOTE:Met at meetup {n}\r\nEND:VCARD\r\n"
    for n in range(300)).encode()
vault = Vault.open(Path(sys.argv[1]), raw_key=bytes.fromhex(sys.argv[2]), config=AppConfig(Path(sys.argv[4])))
assert vault.conn.execute("PRAGMA cipher_memory_security").fetchone()[0] in (1, "1")
apply_plan(vault, plan_import(vault, cards, "cards.vcf"))
for word in ("given1*", "family2*", "org", "meetup"):
    vault.search.query(word, limit=100)
vault.close()
"""


def mlock_calls(tmp_path: Path, template: Path, key: bytes, mode: str) -> int:
    path = tmp_path / f"{mode}.cvault"
    shutil.copyfile(template, path)
    trace = tmp_path / f"{mode}.strace"
    proc = subprocess.run(
        ["strace", "-f", "-c", "-e", "trace=mlock", "-o", str(trace), sys.executable, "-c", SCRIPT,
         str(path), key.hex(), mode, str(tmp_path / f"cfg-{mode}")],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode != 0 and "ptrace" in (proc.stderr + trace.read_text() if trace.exists() else proc.stderr):
        pytest.skip("strace cannot trace here")
    assert proc.returncode == 0, proc.stderr
    found = re.search(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?mlock$", trace.read_text(), re.MULTILINE)
    return int(found.group(1)) if found else 0


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_the_statement_cache_no_longer_drives_mlock_calls(tmp_path, template_vault):
    template, key = template_vault
    ours = mlock_calls(tmp_path, template, key, "vault")
    default = mlock_calls(tmp_path, template, key, "default-cache")
    assert default > 2 * ours, (ours, default)  # measured: about 4x fewer with the cache off


def test_connections_keep_memory_security_and_no_statement_cache(vault_path, template_vault):
    assert STATEMENT_CACHE == 0
    for readonly in (False, True):
        conn = connect(vault_path, template_vault[1], readonly=readonly)
        try:
            assert str(conn.execute("PRAGMA cipher_memory_security").fetchone()[0]) == "1"
        finally:
            conn.close()

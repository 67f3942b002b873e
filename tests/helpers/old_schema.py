"""Vaults at an old schema, written by the code that used that schema.

Once a migration adds columns the code relies on, today's code cannot fill a vault at an older
schema any more. So the fixture of an old schema is the demo desk built by the last commit whose
newest schema was that version, taken out of git history into a temporary folder and run in a
subprocess (vault files are never kept in git; the code that wrote them is).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Schema version -> the last commit whose code wrote that version (built with MIGRATIONS cut to it).
CODE_FOR_SCHEMA = {
    1: "40bdb34717d1bdef836b9e563dc769d846a9409b",
    2: "40bdb34717d1bdef836b9e563dc769d846a9409b",
}

_BUILD = r"""
import json, sys
from datetime import datetime
from vault import schema, store
version = int(sys.argv[2])
store.MIGRATIONS = schema.MIGRATIONS[:version]
store.LATEST_VERSION = version
from demo import build_demo_vault
desk = build_demo_vault(sys.argv[1], now=datetime.fromisoformat(sys.argv[3]))
if sys.argv[4]:
    from vault.clock import FixedClock
    from vault.config import AppConfig
    from vault.store import Vault
    with Vault.open(desk.path, raw_key=desk.raw_key, clock=FixedClock(datetime.fromisoformat(sys.argv[3])),
                    config=AppConfig(desk.folder / "then-config")) as vault:
        exec(sys.argv[4], {"vault": vault, "desk": desk})
print(json.dumps({"path": str(desk.path), "key": desk.raw_key.hex(), "passphrase": desk.passphrase}))
"""


@dataclass(frozen=True)
class OldDesk:
    path: Path
    raw_key: bytes
    passphrase: str


def old_code(version: int, folder: Path) -> Path | None:
    """The source tree that wrote schema ``version``, extracted from git, or None without history."""
    commit = CODE_FOR_SCHEMA[version]
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, "vault", "demo",
                                  "resources"], capture_output=True, check=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    target = folder / f"code-v{version}"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def build_old_desk(version: int, folder: Path, now: datetime, then: str = "") -> OldDesk | None:
    """The demo desk at schema ``version`` written by that version's code (None without git history);
    ``then`` is Python run by that code on the open desk (``vault``) to add what a test needs."""
    code = old_code(version, folder)
    if code is None:
        return None
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, "-c", _BUILD, str(folder / "desk"), str(version), now.isoformat(),
                           then],
                          env=env, capture_output=True, text=True, timeout=600, cwd=code)
    if done.returncode != 0:
        raise AssertionError(f"building the schema {version} desk failed:\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return OldDesk(Path(data["path"]), bytes.fromhex(data["key"]), data["passphrase"])

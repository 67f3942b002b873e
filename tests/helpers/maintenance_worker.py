"""Child process for crash tests of re-keying and backups; prints after each completed step."""

from __future__ import annotations

import sys
from pathlib import Path

from vault.store import Vault

PASSPHRASES = ("first passphrase A", "second passphrase B")


def main() -> None:
    mode, path, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
    vault = Vault.open(path, PASSPHRASES[start])
    current = start
    step = 0
    while True:
        step += 1
        if mode == "rekey":
            current = 1 - current
            vault.change_passphrase(PASSPHRASES[current])
            print(f"rekeyed {current}", flush=True)
        else:
            target = Path(path).with_name(f"backup-{step % 3}.cvault")
            vault.backup(target)
            print(f"backup {target.name}", flush=True)


if __name__ == "__main__":
    main()

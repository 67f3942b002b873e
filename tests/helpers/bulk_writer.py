"""Child process for the crash tests: commits people one transaction at a time and prints
'committed <uuid>' only after each COMMIT returned, so the parent knows what was acknowledged."""

from __future__ import annotations

import sys

from vault.people import NewContactPoint, PersonFields
from vault.store import Vault


def main() -> None:
    path, passphrase, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
    vault = Vault.open(path, passphrase)
    index = 0
    while True:
        index += 1
        person = vault.people.add(
            PersonFields(full_name=f"{prefix} Person {index}", organisation="Crash Test Ltd", notes="x" * 500),
            [NewContactPoint("email", f"{prefix.lower()}{index}@example.org")],
            ["crash"],
        )
        print(f"committed {person.uuid}", flush=True)


if __name__ == "__main__":
    main()

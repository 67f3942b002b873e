"""What every command needs: the vault path, the passphrase sources, and output in two forms."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

from vault import paths
from vault.config import AppConfig
from vault.errors import UnsafeOutput, ValidationError, WrongPassphrase
from vault.name_check import json_safe, visible_lines
from vault.store import Vault


class CliContext:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.json: bool = bool(getattr(args, "json", False))
        self.vault_path: Path = paths.resolve_vault_path(getattr(args, "vault", None))
        self.config = AppConfig()
        #: With ``--json``, what ``emit`` produced: printed when the command ends, or merged into
        #: the error object when it fails, so stdout always holds exactly one JSON document.
        self._output: list[Any] = []
        #: ``--out -``: the command's output goes to stdout, so its report goes to stderr.
        self.stdout_taken: bool = getattr(args, "out", None) == "-"

    # --- passphrases ------------------------------------------------------------------------

    def passphrase(self, prompt: str = "Passphrase: ", *, confirm: bool = False, env: bool = True) -> str:
        """``CONTACT_VAULT_PASSPHRASE``, then ``--passphrase-file``, then an interactive prompt."""
        if env and os.environ.get("CONTACT_VAULT_PASSPHRASE"):
            return os.environ["CONTACT_VAULT_PASSPHRASE"]
        file_arg = getattr(self.args, "passphrase_file", None)
        if file_arg:
            return read_secret_file(file_arg, "passphrase file")
        return self.prompt_secret(prompt, confirm=confirm)

    def prompt_secret(self, prompt: str, *, confirm: bool = False) -> str:
        if not sys.stdin.isatty():
            raise ValidationError(
                "passphrase", "none given: set CONTACT_VAULT_PASSPHRASE or use --passphrase-file"
            )
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass("Repeat: ") != first:
            raise ValidationError("passphrase", "the two entries differ")
        return first

    def open_vault(self, *, readonly: bool = False) -> Vault:
        """Open with the first passphrase source that exists, the keyring before the prompt.

        ``readonly`` is for commands that only inspect (``check``): they must not change the file.
        """
        path = self.vault_path
        if os.environ.get("CONTACT_VAULT_PASSPHRASE") or getattr(self.args, "passphrase_file", None):
            return Vault.open(path, self.passphrase(), config=self.config, readonly=readonly)
        from vault import remember  # the keyring costs 40 ms to import: only when it is asked

        vault_uuid = self.config.vault_uuid(path)
        raw = remember.recall(vault_uuid)
        if raw is not None:
            try:
                return Vault.open(path, raw_key=raw, config=self.config, readonly=readonly)
            except WrongPassphrase:
                pass  # stale entry (passphrase changed elsewhere): fall back to asking
        elif self.config.is_remembered(vault_uuid):  # remembered once, but the keyring has no key now
            self.say("note: this computer was set to remember the vault, but the key is no longer in the "
                     "system keyring (locked or removed); asking for the passphrase instead.")
        return Vault.open(path, self.prompt_secret("Passphrase: "), config=self.config, readonly=readonly)

    # --- output -----------------------------------------------------------------------------

    def emit(self, data: Any, human: str | None = None) -> None:
        # Names from outside (a package's sender, an old record) never reach the terminal with
        # characters that hide or reorder text (vault/name_check.py).
        if self.json:
            self._output.append(data)
        elif human is not None:
            print(visible_lines(human), file=self._stream)

    @property
    def _stream(self) -> Any:
        """stdout, unless ``--out -`` gave it to the command's output: then reports go to stderr."""
        return sys.stderr if self.stdout_taken else sys.stdout

    def take_output(self) -> list[Any]:
        """What ``emit`` held back in JSON mode (and forget it)."""
        output, self._output = self._output, []
        return output

    def flush(self) -> None:
        for data in self.take_output():
            print(json_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)), file=self._stream)

    def say(self, text: str) -> None:
        """Human-only progress and notes (stderr in JSON mode so stdout stays parseable)."""
        print(text, file=sys.stderr if self.json or self.stdout_taken else sys.stdout)

    # --- --out ------------------------------------------------------------------------------

    def out_target(self) -> str | BinaryIO:
        """``--out``: a path, or stdout's binary stream for ``-``."""
        out = str(self.args.out)
        if out == "-":
            sys.stdout.flush()
            return sys.stdout.buffer
        return out

    def out_file(self) -> str:
        """``--out`` for commands whose output must be a file (checked, recorded, atomic)."""
        out = str(self.args.out)
        if out == "-":
            raise UnsafeOutput("-", "this command writes a file that is checked and recorded, so it cannot go "
                                    "to standard output; give a file name")
        return out


def read_secret_file(path: str, what: str) -> str:
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise ValidationError(what, f"{path} cannot be read ({exc.strerror})") from exc
    return text.rstrip("\r\n")


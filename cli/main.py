"""``contact-vault`` sub-commands. Errors become one line on stderr; exit 0 done, 1 refused, 2 usage."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import sqlcipher3

from vault.atomic import sweep_staging
from vault.connection import storage_error
from vault.errors import ConstraintViolated, VaultDamaged, VaultError

from . import cmd_audit, cmd_contacts, cmd_people, cmd_sharing, cmd_vault
from .context import CliContext

#: Modules that add sub-commands; each has ``register(subparsers, common)``.
COMMAND_MODULES = [cmd_vault, cmd_people, cmd_audit, cmd_contacts, cmd_sharing]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: one line, exit 2
        self.exit(2, f"contact-vault: usage: {message} (see 'contact-vault --help')\n")


def _global_options(defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes. Sub-commands re-declare them with no default so that
    ``contact-vault --json person list`` and ``contact-vault person list --json`` both work."""
    common = _Parser(add_help=False)
    default: dict[str, object] = {} if defaults else {"default": argparse.SUPPRESS}
    common.add_argument("--vault", metavar="PATH", help="vault file (default: CONTACT_VAULT_PATH or the platform "
                        "folder)", **default)
    common.add_argument("--passphrase-file", metavar="FILE", help="read the passphrase from FILE", **default)
    common.add_argument("--json", action="store_true", help="machine-readable output", **default)
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _global_options(defaults=False)
    parser = _Parser(
        prog="contact-vault",
        description="Encrypted vault for recruiters. With no command, opens the desktop app.",
        parents=[_global_options(defaults=True)],
    )
    # Read by the launcher (ui.launcher.gui_options) when no command is given; listed here for --help.
    parser.add_argument("--demo", action="store_true", help="with no command: open the app on a throw-away "
                        "vault of fictional people")
    parser.add_argument("--self-check", action="store_true", help="with no command: check that the desktop app "
                        "can start on this machine, then exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.register(sub, common)
    return parser


def run(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv))
    handler: Callable[[CliContext], int | None] | None = getattr(args, "func", None)
    if handler is None:
        parser.print_usage(sys.stderr)
        return 2
    sweep_staging()  # temp files of commands that were killed: never left for long
    ctx = CliContext(args)
    try:
        return int(handler(ctx) or 0)
    except VaultError as exc:
        print(f"contact-vault: {exc}", file=sys.stderr)
        return exc.exit_code
    except sqlcipher3.IntegrityError as exc:  # a schema rule said no: bad input, never "damaged"
        print(f"contact-vault: {ConstraintViolated(str(exc))}", file=sys.stderr)
        return 1
    except sqlcipher3.DatabaseError as exc:
        # A full disk, a read-only folder or another process's lock is not damage: say which.
        error = storage_error(ctx.vault_path, exc) or VaultDamaged(str(ctx.vault_path), str(exc))
        print(f"contact-vault: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("contact-vault: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except OSError as exc:
        print(f"contact-vault: {exc.strerror or exc} ({exc.filename or 'file'}).", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    raise SystemExit(main())

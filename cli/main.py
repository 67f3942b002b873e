"""``contact-vault`` sub-commands. Errors become one line on stderr (and, with ``--json``, one JSON
object on stdout); exit 0 done, 1 refused, 2 usage."""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import sqlcipher3

from vault.atomic import sweep_staging
from vault.connection import storage_error
from vault.errors import ConstraintViolated, VaultDamaged, VaultError
from vault.name_check import json_safe, visible_lines

from .context import CliContext

#: Modules that add sub-commands; each has ``register(subparsers, common)``.
COMMAND_MODULES = ["cmd_vault", "cmd_people", "cmd_audit", "cmd_contacts", "cmd_sharing"]
#: Modules that add to the groups above (after them, so the groups exist; a group that is not
#: loaded is skipped) and own a few commands of their own.
EXTENDING_MODULES = ["cmd_manage"]
#: The commands cmd_manage extends or owns: only these (or the full parser) load it.
EXTENDED = frozenset({"resume", "audit", "recipient", "organisation", "settings"})
#: Each sub-command and the module that registers it: a command imports only its own module
#: (importing all five, with the keyring, packages and exports behind them, cost every command
#: 0.14 s). ``--help``, no command or an unknown one import them all.
COMMANDS: dict[str, str] = {
    **dict.fromkeys(("init", "check", "backup", "passwd", "identity", "remember"), "cmd_vault"),
    **dict.fromkeys(("person", "resume", "search"), "cmd_people"),
    "audit": "cmd_audit",
    **dict.fromkeys(("import", "export", "export-person", "erase", "retention", "outreach", "intake"),
                    "cmd_contacts"),
    **dict.fromkeys(("recipient", "organisation", "authorise", "revoke", "authorisations", "resume-sharing",
                     "share", "shares", "verify", "import-package", "intro"), "cmd_sharing"),
    "settings": "cmd_manage",
}
#: Global options that take a value (the word after them is not the command).
_VALUE_OPTIONS = ("--vault", "--passphrase-file")


class UsageError(Exception):
    """Bad command-line syntax (exit 2); raised by the parser so ``run`` can report it like any error."""

    exit_code = 2
    condition = "usage"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors: one line, exit 2
        raise UsageError(f"usage: {message} (see 'contact-vault --help')")


def _global_options(defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes. Sub-commands re-declare them with no default so that
    ``contact-vault --json person list`` and ``contact-vault person list --json`` both work."""
    common = _Parser(add_help=False)
    default: dict[str, Any] = {} if defaults else {"default": argparse.SUPPRESS}
    common.add_argument("--vault", metavar="PATH", help="vault file (default: CONTACT_VAULT_PATH or the platform "
                        "folder)", **default)
    common.add_argument("--passphrase-file", metavar="FILE", help="read the passphrase from FILE", **default)
    common.add_argument("--json", action="store_true", help="machine-readable output", **default)
    return common


def command_word(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv`` (the first word that is not a global option or its value)."""
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in _VALUE_OPTIONS:
            index += 2
            continue
        if arg.startswith("-"):
            index += 1
            continue
        return arg
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: with the sub-commands of its command's module only, when it names
    a known command; with every sub-command otherwise (or when ``argv`` is None)."""
    word = command_word(argv) if argv is not None else None
    if word in COMMANDS:
        modules = [COMMANDS[word], *(EXTENDING_MODULES if word in EXTENDED else [])]
    else:
        modules = [*COMMAND_MODULES, *EXTENDING_MODULES]
    modules = list(dict.fromkeys(modules))
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
    for name in modules:
        importlib.import_module(f".{name}", __package__).register(sub, common)
    return parser


def run(argv: Sequence[str]) -> int:
    argv = list(argv)
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        return report_failure(exc, "--json" in argv)
    handler: Callable[[CliContext], int | None] | None = getattr(args, "func", None)
    if handler is None:
        parser.print_usage(sys.stderr)
        return 2
    sweep_staging()  # temp files of commands that were killed: never left for long
    ctx = CliContext(args)
    try:
        code = int(handler(ctx) or 0)
    except VaultError as exc:
        return report_failure(exc, ctx.json, ctx.take_output())
    except sqlcipher3.IntegrityError as exc:  # a schema rule said no: bad input, never "damaged"
        return report_failure(ConstraintViolated(str(exc)), ctx.json, ctx.take_output())
    except sqlcipher3.DatabaseError as exc:
        # A full disk, a read-only folder or another process's lock is not damage: say which.
        error = storage_error(ctx.vault_path, exc) or VaultDamaged(str(ctx.vault_path), str(exc))
        return report_failure(error, ctx.json, ctx.take_output())
    except KeyboardInterrupt:
        return report_failure(Interrupted(), ctx.json, ctx.take_output())
    except BrokenPipeError:
        return 0
    except OSError as exc:
        return report_failure(FileProblem(exc), ctx.json, ctx.take_output())
    except Exception as exc:  # a bug: the traceback stays on stderr, a script still gets JSON
        if ctx.json:
            print(json.dumps({"error": {**error_json(exc), "kind": "InternalError",
                                        "condition": "internal-error"}}, indent=2, default=str))
        raise
    ctx.flush()
    return code


class Interrupted(VaultError):
    def __init__(self) -> None:
        super().__init__("interrupted; nothing half-written was kept.")


class FileProblem(VaultError):
    """An operating-system error on a file the command read or wrote."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(f"{exc.strerror or exc} ({exc.filename or 'file'}).")
        self.errno = exc.errno


def error_json(exc: Exception) -> dict[str, Any]:
    """The ``error`` object of a ``--json`` failure: the error's type, a stable ``condition`` code
    (a refused share names the rule that failed, e.g. ``expired``; other errors their type, e.g.
    ``not-found``), the sentence and the exit code."""
    kind = type(exc).__name__
    condition = getattr(exc, "condition", None) or re.sub(r"(?<!^)(?=[A-Z])", "-", kind).lower()
    data: dict[str, Any] = {"kind": kind, "condition": condition,
                            "message": str(exc), "exit_code": int(getattr(exc, "exit_code", 1))}
    field = getattr(exc, "field", None)
    if isinstance(field, str):
        data["field"] = field
    return data


def report_failure(exc: Exception, as_json: bool, output: list[Any] | None = None) -> int:
    """One sentence on stderr; with ``--json`` also one object on stdout. What the command had
    already produced (an ``audit verify`` report, say) stays in that object beside ``error``."""
    print(f"contact-vault: {visible_lines(str(exc))}", file=sys.stderr)
    if as_json:
        data: dict[str, Any] = {}
        for item in output or []:
            if isinstance(item, dict):
                data.update(item)
            else:
                data["output"] = item
        data["error"] = error_json(exc)
        print(json_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)))
    return int(getattr(exc, "exit_code", 1))


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    raise SystemExit(main())

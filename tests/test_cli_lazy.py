"""A CLI command imports only the module of its own sub-command, and parses exactly as before."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from cli import main

REPO = Path(__file__).resolve().parents[1]
SAMPLES = [
    ["search", "okafor"],
    ["--json", "search", "ja*", "--limit", "5"],
    ["--vault", "x.cvault", "person", "list", "--kind", "candidate"],
    ["check", "--quick"],
    ["check"],
    ["import", "cards.vcf", "--yes"],
    ["--passphrase-file", "pw", "audit", "export", "--format", "jsonl", "--out", "a.jsonl"],
    ["authorisations", "--expiring"],
    ["recipient", "list"],
]


def test_every_module_registers_exactly_the_commands_the_table_names():
    for name in main.COMMAND_MODULES:
        parser = main._Parser(prog="t")
        sub = parser.add_subparsers(dest="command", parser_class=main._Parser)
        importlib.import_module(f"{main.__package__}.{name}").register(sub, main._global_options(defaults=False))
        assert {command for command, module in main.COMMANDS.items() if module == name} == set(sub.choices)


@pytest.mark.parametrize("argv", SAMPLES)
def test_the_lazy_parser_parses_like_the_whole_one(argv):
    full = main.build_parser(None).parse_known_args(argv)
    lazy = main.build_parser(argv).parse_known_args(argv)
    assert vars(lazy[0]) == vars(full[0]) and lazy[1] == full[1]


def test_a_command_imports_its_module_only():
    """Nor the keyring, nor libphonenumber until a phone is read (a word search reads none)."""
    package = main.__package__
    code = (f"import sys\nfrom {package}.main import build_parser\n"
            "build_parser(['--vault', 'x', 'search', 'okafor'])\n"
            "import vault.store, vault.people, vault.search\n"
            "assert vault.search.phone_query('okafor') == ''\n"
            "print(' '.join(sorted(m for m in sys.modules\n"
            f"                      if m.startswith(('{package}.cmd_', 'keyring', 'phonenumbers')))))\n"
            "vault.search.phone_query('+44 20 7946 0958')\n"
            "assert 'phonenumbers' in sys.modules")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [f"{package}.cmd_people"]


def test_help_and_unknown_commands_still_list_everything(capsys):
    assert main.run(["no-such-command"]) == 2  # a usage error: one sentence, exit 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and "import-package" in err and "audit" in err

"""Vault-level commands: init, check, backup, passwd, identity, remember (audit: cmd_audit)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from vault import remember
from vault.passphrase_policy import check_new_passphrase
from vault.store import Vault

from .context import CliContext, read_secret_file


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("init", parents=[common], help="create a new vault")
    p.add_argument("--name", required=True, help="your name, as recipients will see it")
    p.add_argument("--org", default="", help="your organisation")
    p.add_argument("--email", default="", help="your e-mail")
    p.add_argument("--remember", action="store_true", help="remember the key in the system keyring")
    p.add_argument("--accept-weak-passphrase", action="store_true",
                   help="create the vault even though the passphrase is easy to guess (not recommended)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("check", parents=[common], help="verify the vault's integrity and audit chain")
    p.add_argument("--quick", action="store_true",
                   help="seconds, not minutes: the record tables, the latest checkpoint and the newest events "
                        "(document bytes, the search index and older events are left to the full check)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("backup", parents=[common], help="write a verified encrypted copy")
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("passwd", parents=[common], help="change the passphrase (verified re-key)")
    p.add_argument("--new-passphrase-file", metavar="FILE", help="read the new passphrase from FILE")
    p.add_argument("--accept-weak-passphrase", action="store_true",
                   help="use the new passphrase even though it is easy to guess (not recommended)")
    p.set_defaults(func=cmd_passwd)

    p = sub.add_parser("identity", parents=[common], help="print the owner's public key and fingerprint")
    p.set_defaults(func=cmd_identity)

    p = sub.add_parser("remember", parents=[common], help="remember or forget the key on this computer")
    p.add_argument("--forget", action="store_true")
    p.set_defaults(func=cmd_remember)


def cmd_init(ctx: CliContext) -> int:
    args = ctx.args
    passphrase = ctx.passphrase("New passphrase: ", confirm=True)
    check_new_passphrase(passphrase, accept_weak=args.accept_weak_passphrase,
                         user_inputs=(args.name, args.org, args.email))
    vault = Vault.create(ctx.vault_path, passphrase, owner_name=args.name, organisation=args.org,
                         email=args.email, config=ctx.config)
    try:
        remembered = False
        if args.remember:
            remember.remember(vault.uuid, vault.raw_key, ctx.config)
            remembered = True
        ctx.emit(
            {"id": vault.uuid, "path": str(vault.path), "fingerprint": vault.owner.fingerprint,
             "remembered": remembered},
            f"Created vault {vault.path}\nOwner key fingerprint: {vault.owner.fingerprint}\n"
            "Keep your passphrase safe: it cannot be recovered.",
        )
    finally:
        vault.close()
    return 0


def cmd_check(ctx: CliContext) -> int:
    with ctx.open_vault(readonly=True) as vault:
        quick = bool(ctx.args.quick)
        report = vault.check(quick=quick)
        healthy = (f"Quick check passed: record tables, latest checkpoint, audit chain {report.chain.describe()} "
                   "(run 'check' without --quick for everything)." if quick else
                   "Vault is healthy: both integrity checks passed, every row read, audit chain "
                   f"{report.chain.describe()}.")
        ctx.emit(
            {"ok": report.ok, "quick": quick, "problems": report.problems, "audit": report.chain.describe()},
            healthy if report.ok else
            "Vault check FAILED:\n" + "\n".join(f"  - {p}" for p in report.problems),
        )
        return 0 if report.ok else 1


def cmd_backup(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        out = vault.backup(ctx.out_file())
        ctx.emit({"path": str(out), "size": os.path.getsize(out)}, f"Verified encrypted backup written to {out}")
    return 0


def cmd_passwd(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        if ctx.args.new_passphrase_file:
            new = read_secret_file(ctx.args.new_passphrase_file, "new passphrase file")
        elif os.environ.get("CONTACT_VAULT_NEW_PASSPHRASE"):
            new = os.environ["CONTACT_VAULT_NEW_PASSPHRASE"]
        else:
            new = ctx.prompt_secret("New passphrase: ", confirm=True)
        check_new_passphrase(new, accept_weak=ctx.args.accept_weak_passphrase,
                             user_inputs=(vault.owner.name, vault.owner.organisation, vault.owner.email))
        vault.change_passphrase(new)
        ctx.emit({"changed": True}, "Passphrase changed; the vault was re-encrypted and verified.")
    return 0


def cmd_identity(ctx: CliContext) -> int:
    with ctx.open_vault(readonly=True) as vault:
        ident = vault.owner.identity
        ctx.emit(
            {"name": vault.owner.name, "organisation": vault.owner.organisation, "email": vault.owner.email,
             "public_key": ident.minisign_base64(), "fingerprint": ident.fingerprint,
             "key_id": ident.key_id[::-1].hex().upper()},
            ident.minisign_public_key_file().rstrip("\n") + f"\nfingerprint: {ident.fingerprint}",
        )
    return 0


def cmd_remember(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        if ctx.args.forget:
            remember.forget(vault.uuid, ctx.config)
            ctx.emit({"remembered": False}, "This computer no longer remembers the vault key.")
        else:
            remember.remember(vault.uuid, vault.raw_key, ctx.config)
            ctx.emit({"remembered": True}, "The vault key is now kept in the system keyring.")
    return 0

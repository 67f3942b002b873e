"""``contact-vault audit``: verify the vault's chain or an export, export the trail, save a checkpoint."""

from __future__ import annotations

import argparse
import json
from typing import Any

from vault.audit import witness
from vault.audit.export_format import FORMATS
from vault.audit.scope import ExportScope, make_scope
from vault.audit.verify import (
    load_checkpoint,
    read_public_key,
    verify_export,
    verify_stored_checkpoints,
    verify_vault_checkpoint,
)
from vault.audit.writers import export_audit, save_checkpoint
from vault.errors import AuditChainBroken, AuditExportInvalid, AuditTrailShortened, ValidationError

from .context import CliContext


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    audit = sub.add_parser("audit", parents=[common], help="the audit trail: list, show, verify, export, checkpoint")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    p = audit_sub.add_parser(
        "verify", parents=[common],
        help="recompute the vault's audit chain, or check an exported JSON Lines FILE",
        description="Without FILE, recompute the vault's own chain and its stored checkpoints. With FILE "
                    "(a JSON Lines export), recompute every hash and link and check the signed checkpoint; "
                    "no vault is needed.",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="a JSON Lines audit export")
    p.add_argument("--key", metavar="PUBKEY",
                   help="the owner's minisign public key (file or base64) the export must be signed with")
    p.add_argument("--checkpoint", metavar="FILE",
                   help="an earlier checkpoint (saved checkpoint, export or its header, share manifest) that "
                        "this history must still contain")
    p.set_defaults(func=cmd_verify)

    p = audit_sub.add_parser("export", parents=[common], help="export the audit trail (JSON Lines, CSV or PDF)")
    p.add_argument("--format", required=True, choices=FORMATS)
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--person", metavar="ID", help="only events about this person (id, prefix or erased UUID)")
    p.add_argument("--since", metavar="DATE", help="events on or after DATE (YYYY-MM-DD or ISO date-time)")
    p.add_argument("--until", metavar="DATE", help="events up to and including DATE (a date means the whole day)")
    p.add_argument("--action", action="append", metavar="A", help="only this action (repeatable)")
    p.set_defaults(func=cmd_export)

    p = audit_sub.add_parser("checkpoint", parents=[common], help="sign the chain's head and print or save it")
    p.add_argument("--out", metavar="FILE", help="save the checkpoint as JSON to FILE ('-': standard output)")
    p.add_argument("--reset-witness", action="store_true",
                   help="after restoring a backup on purpose: make this checkpoint the witness kept outside "
                        "the vault, even though the trail is shorter than the witness")
    p.set_defaults(func=cmd_checkpoint)


def cmd_verify(ctx: CliContext) -> int:
    args = ctx.args
    earlier = load_checkpoint(args.checkpoint) if args.checkpoint else None
    if args.file:
        key = read_public_key(args.key) if args.key else None
        result = verify_export(args.file, key, earlier)
        if not result.ok:
            if ctx.json:
                ctx.emit(result.to_json())
            raise AuditExportInvalid(result.line, result.reason)
        ctx.emit(result.to_json(), result.describe())
        return 0
    with ctx.open_vault(readonly=True) as vault:  # verifying the chain must not add to it
        if args.key:
            key = read_public_key(args.key)
            if key.public_key != vault.owner.identity.public_key:
                raise ValidationError("key", f"this vault's owner key ({vault.owner.fingerprint}) is not the key "
                                             f"given ({key.fingerprint})")
        status = vault.verify_audit_chain()
        data: dict[str, Any] = {"ok": status.ok, "verified_up_to": status.verified_up_to, "count": status.count,
                                "broken_at": status.broken_at, "reason": status.reason}
        if not status.ok:
            if ctx.json:
                ctx.emit(data)
            raise AuditChainBroken(status.broken_at, status.reason)
        problem = verify_stored_checkpoints(vault)
        if problem is None and earlier is not None:
            problem = verify_vault_checkpoint(vault, earlier)
        if problem:
            data.update(ok=False, broken_at=problem[0], reason=problem[1])
            if ctx.json:
                ctx.emit(data)
            raise AuditChainBroken(*problem)
        # The trail may be shorter than it was: compare with the witness kept outside the vault,
        # every stored checkpoint and the append-only triggers.
        trail = witness.compare(vault, use_keyring=True)
        triggers = witness.missing_triggers(vault.conn)
        if trail or triggers:
            missing = max((p.missing for p in trail), default=0)
            details = [p.detail for p in trail] + [f"the append-only trigger {t} is missing" for t in triggers]
            data.update(ok=False, missing_events=missing, reason="; ".join(details))
            if ctx.json:
                ctx.emit(data)
            raise AuditTrailShortened(missing, "; ".join(details))
        text = f"Audit chain {status.describe()}; every stored checkpoint still matches."
        if earlier is not None:
            text += f" The earlier checkpoint #{earlier.seq} is contained in this history."
        ctx.emit(data, text)
    return 0


def cmd_export(ctx: CliContext) -> int:
    args = ctx.args
    with ctx.open_vault() as vault:
        scope: ExportScope = make_scope(vault, person=args.person, since=args.since,
                                                     until=args.until, actions=args.action)
        result = export_audit(vault, ctx.out_target(), args.format, scope)
        note = " (the PDF table is cut short; the JSON Lines export holds every event)" if result.truncated else ""
        ctx.emit(
            {"id": result.checkpoint.seq, "path": str(result.path), "format": result.format,
             "events": result.events, "head_seq": result.head_seq, "scope": scope.to_json(),
             "checkpoint": result.checkpoint.to_json(), "truncated": result.truncated},
            f"Exported {result.events} audit events ({scope.describe()}) to {result.path}, with checkpoint "
            f"#{result.checkpoint.seq}{note}.",
        )
    return 0


def cmd_checkpoint(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        to_stdout = ctx.args.out == "-"
        checkpoint, data = save_checkpoint(vault, None if to_stdout else ctx.args.out)
        if ctx.args.reset_witness:
            witness.record(vault, checkpoint, force=True)
        if to_stdout:
            print(json.dumps(data, indent=2, sort_keys=True))
            return 0
        where = f" and saved to {ctx.args.out}" if ctx.args.out else ""
        ctx.emit({"id": checkpoint.seq, **data},
                 f"Checkpoint #{checkpoint.seq} (hash {checkpoint.hash}, {checkpoint.at}) signed{where}.")
    return 0

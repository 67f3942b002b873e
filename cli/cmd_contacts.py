"""Contacts in and out, and the privacy lifecycle: import, export, subject access, erasure,
retention, outreach and resume intake."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vault import contact_points, intake, outreach, vcard_export
from vault.errors import ValidationError
from vault.importing import apply_plan, keep_separate, plan_import, read_import_file
from vault.name_parts import split_full_name
from vault.people import NewContactPoint, PersonFields

from .context import CliContext


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("import", parents=[common], help="import contacts from a vCard or CSV file (preview with --dry-run)")
    p.add_argument("file")
    p.add_argument("--format", choices=["vcard", "linkedin", "google", "outlook", "csv"],
                   help="file format (default: detected)")
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                   help="CSV column (name or 1-based number) to a field: full_name, given_name, family_name, "
                        "organisation, title, headline, notes, tags, email, phone, address, link, ignore …")
    p.add_argument("--dry-run", action="store_true", help="show what would happen; write nothing")
    p.add_argument("--keep-separate", action="append", type=int, default=[], metavar="N",
                   help="card or row N is not the vault person it matched: import it as a new person "
                        "(repeatable; the numbers are those of the --dry-run report)")
    p.add_argument("--kind", choices=["contact", "candidate"], default="contact", help="kind of the new people")
    p.add_argument("--region", default="US", help="default phone region (ISO code)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", parents=[common], help="export people as vCard (a plaintext file you asked for)")
    p.add_argument("--format", choices=["vcard4", "vcard3"], default="vcard4")
    p.add_argument("--person", action="append", default=[], metavar="ID")
    p.add_argument("--all", action="store_true", help="everyone in the vault")
    p.add_argument("--with-notes", action="store_true", help="also write private notes (left out otherwise)")
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("export-person", parents=[common],
                       help="subject access: everything held about one person, in one zip")
    p.add_argument("id")
    p.add_argument("--out", required=True, metavar="ZIP")
    p.set_defaults(func=cmd_export_person)

    p = sub.add_parser("erase", parents=[common], help="erase a person for good (right to erasure)")
    p.add_argument("id")
    p.add_argument("--suppress", action="store_true",
                   help="keep their e-mails and phones (as keyed hashes) out of later imports")
    p.add_argument("--yes", action="store_true", help="confirm")
    p.set_defaults(func=cmd_erase)

    ret = sub.add_parser("retention", parents=[common], help="the retention review queue")
    rsub = ret.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    p = rsub.add_parser("list", parents=[common], help="people past their retention date")
    p.add_argument("--all", action="store_true", help="everyone, with their date")
    p.set_defaults(func=cmd_retention_list)
    p = rsub.add_parser("erase", parents=[common], help="erase people from the queue")
    p.add_argument("id", nargs="+")
    p.add_argument("--suppress", action="store_true")
    p.add_argument("--yes", action="store_true", help="confirm")
    p.set_defaults(func=cmd_retention_erase)
    p = rsub.add_parser("period", parents=[common], help="show or set the retention period in months")
    p.add_argument("months", nargs="?", type=int)
    p.set_defaults(func=cmd_retention_period)

    out = sub.add_parser("outreach", parents=[common], help="log and list calls, e-mails, messages, meetings")
    osub = out.add_subparsers(dest="outreach_command", metavar="ACTION", required=True)
    p = osub.add_parser("log", parents=[common], help="log an attempt and its outcome")
    p.add_argument("id", help="person")
    p.add_argument("--channel", required=True, choices=outreach.CHANNELS)
    p.add_argument("--outcome", required=True, choices=outreach.OUTCOMES)
    p.add_argument("--point", help="contact point used (its id or value)")
    p.add_argument("--note", default="")
    p.add_argument("--at", help="when (ISO date/time; default now)")
    p.add_argument("--override", action="store_true", help="log even through a do-not-contact point")
    p.set_defaults(func=cmd_outreach_log)
    p = osub.add_parser("list", parents=[common], help="a person's outreach history")
    p.add_argument("id")
    p.set_defaults(func=cmd_outreach_list)
    p = osub.add_parser("check", parents=[common], help="warnings before contacting a person")
    p.add_argument("id")
    p.add_argument("--point")
    p.add_argument("--channel", choices=outreach.CHANNELS)
    p.set_defaults(func=cmd_outreach_check)

    p = sub.add_parser("intake", parents=[common],
                       help="read a resume and suggest name, e-mail, phone and links (locally)")
    p.add_argument("file")
    p.add_argument("--create", action="store_true", help="add the person with the resume")
    p.add_argument("--name", help="use this name instead of the suggested one")
    p.add_argument("--kind", choices=["candidate", "contact"], default="candidate")
    p.add_argument("--region", default="US")
    p.add_argument("--despite-erasure", action="store_true",
                   help="the person was erased on request and asked to come back: add them (audited)")
    p.add_argument("--allow-duplicate", action="store_true",
                   help="add the person even though someone has the same e-mail, phone or profile link")
    p.set_defaults(func=cmd_intake)


def _parse_maps(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        column, sep, field = item.rpartition("=")
        if not sep or not column or not field:
            raise ValidationError("--map", f"'{item}' should look like COLUMN=FIELD")
        out[column] = field
    return out


def cmd_import(ctx: CliContext) -> int:
    args = ctx.args
    data = read_import_file(args.file)
    with ctx.open_vault() as vault:
        plan = plan_import(vault, data, Path(args.file).name, fmt=args.format, mapping=_parse_maps(args.map),
                           kind=args.kind, region=args.region)
        for index in args.keep_separate:
            keep_separate(plan, index)
        if not args.dry_run:
            apply_plan(vault, plan)
        ctx.emit(plan.to_json(), plan.human())
    return 0


def cmd_export(ctx: CliContext) -> int:
    args = ctx.args
    if not args.person and not args.all:
        raise ValidationError("--person", "choose who to export (--person ID, repeatable) or --all")
    with ctx.open_vault() as vault:
        path, count = vcard_export.export_vcards(vault, None if args.all else args.person, ctx.out_target(),
                                                 args.format, with_notes=args.with_notes)
        ctx.emit({"path": str(path), "count": count, "format": args.format},
                 f"Wrote {count} {'person' if count == 1 else 'people'} to {path} as {args.format} "
                 "(a plaintext file, as you asked).")
    return 0


def cmd_export_person(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        person = vault.people.get(ctx.args.id)
        path = vault.privacy.export_person(person.id, ctx.out_file())
        ctx.emit({"id": person.uuid, "path": str(path)},
                 f"Wrote everything held about {person.full_name} to {path} (plaintext; keep it safe).")
    return 0


def cmd_erase(ctx: CliContext) -> int:
    if not ctx.args.yes:
        raise ValidationError("--yes", "erasure is permanent and cannot be undone; add --yes to confirm")
    with ctx.open_vault() as vault:
        person = vault.people.get(ctx.args.id)
        report = vault.privacy.erase(person.id, suppress=ctx.args.suppress)
        extra = f"; {report.suppressed} e-mail/phone hash(es) added to the suppression list" if ctx.args.suppress else ""
        ctx.emit(report.to_json(), f"Erased {person.full_name} ({person.uuid}){extra}.")
    return 0


def cmd_retention_list(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        items = vault.retention.items() if ctx.args.all else vault.retention.queue()
        months = vault.retention.months()
        ctx.emit({"months": months, "people": [i.to_json() for i in items]},
                 "\n".join(f"{i.uuid[:8]}  due {i.due}  {i.full_name:30.30}  ({i.basis}; last activity "
                           f"{i.last_activity or 'none'})" for i in items)
                 + f"\n({len(items)} {'people' if ctx.args.all else 'past their retention date'}; "
                   f"period {months} months)")
    return 0


def cmd_retention_erase(ctx: CliContext) -> int:
    if not ctx.args.yes:
        raise ValidationError("--yes", "erasure is permanent and cannot be undone; add --yes to confirm")
    with ctx.open_vault() as vault:
        reports = vault.retention.erase(ctx.args.id, suppress=ctx.args.suppress)
        ctx.emit([r.to_json() for r in reports], f"Erased {len(reports)} {'person' if len(reports) == 1 else 'people'}.")
    return 0


def cmd_retention_period(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        if ctx.args.months is not None:
            vault.retention.set_months(ctx.args.months)
        months = vault.retention.months()
        ctx.emit({"months": months}, f"Retention period: {months} months after last activity.")
    return 0


def cmd_outreach_log(ctx: CliContext) -> int:
    args = ctx.args
    with ctx.open_vault() as vault:
        entry, warnings = vault.outreach.log(args.id, args.channel, args.outcome, point=args.point, note=args.note,
                                             at=args.at, override=args.override)
        for warning in warnings:
            ctx.say(f"warning: {warning.message}")
        ctx.emit({**entry.to_json(), "warnings": [w.to_json() for w in warnings]},
                 f"Logged {entry.channel} ({entry.outcome}) at {entry.at}, id {entry.uuid}.")
    return 0


def cmd_outreach_list(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        entries = vault.outreach.list(ctx.args.id)
        ctx.emit([e.to_json() for e in entries],
                 "\n".join(f"{e.at}  {e.channel:8}  {e.outcome:15}  {e.contact_value or ''}  {e.note}"
                           for e in entries) or "No outreach logged.")
    return 0


def cmd_outreach_check(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        warnings = vault.outreach.check(ctx.args.id, ctx.args.point, ctx.args.channel)
        ctx.emit([w.to_json() for w in warnings],
                 "\n".join(f"warning: {w.message}" for w in warnings) or "No warnings.")
    return 0


def cmd_intake(ctx: CliContext) -> int:
    args = ctx.args
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError("file", f"{path} cannot be read ({exc.strerror})") from exc
    suggestion, prepared = intake.suggest_from_resume(data, path.name, args.region)
    result: dict[str, Any] = {"suggestion": suggestion.to_json()}
    human = [f"name:   {suggestion.full_name or '(not found)'}",
             *(f"e-mail: {e}" for e in suggestion.emails), *(f"phone:  {p}" for p in suggestion.phones),
             *(f"link:   {u}" for u in suggestion.links), *(f"note:   {w}" for w in suggestion.warnings)]
    if args.create:
        name = intake.require_name(suggestion, args.name)
        points = []
        for kind, values in (("email", suggestion.emails), ("phone", suggestion.phones), ("link", suggestion.links)):
            for value in values:
                try:
                    contact_points.normalise(kind, value, args.region)
                except ValidationError:
                    continue  # a suggestion that does not validate is left out, not fatal
                points.append(NewContactPoint(kind, value))
        with ctx.open_vault() as vault, vault.transaction():
            given, family = split_full_name(name)
            fields = PersonFields(full_name=name, kind=args.kind, given_name=given, family_name=family)
            person = vault.people.add(fields, points, origin="resume", region=args.region,
                                      despite_erasure=args.despite_erasure, allow_duplicate=args.allow_duplicate)
            doc = vault.documents.add_bytes(person.id, data, path.name, prepared=prepared)
            result.update({"id": person.uuid, "document": doc.uuid})
            human.append(f"Added {person.full_name} ({person.uuid}) with {doc.file_name}.")
    ctx.emit(result, "\n".join(human))
    return 0

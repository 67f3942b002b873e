"""People, resumes and search from the command line."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from vault import contact_points as cp
from vault.merging import CHOICE_FIELDS, merge_people
from vault.name_parts import split_full_name
from vault.people import NewContactPoint, Person, PersonFields, PersonRow

from .context import CliContext


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    person = sub.add_parser("person", parents=[common], help="add, list, show, edit or delete people")
    psub = person.add_subparsers(dest="person_command", metavar="ACTION", required=True)

    p = psub.add_parser("add", parents=[common], help="add a person")
    _person_fields(p, creating=True)
    _gate_options(p)
    p.set_defaults(func=cmd_person_add)

    p = psub.add_parser("list", parents=[common], help="list people, a page at a time")
    p.add_argument("--kind", choices=["candidate", "contact"])
    p.add_argument("--tag")
    p.add_argument("--view", choices=["all", "do-not-contact", "retention-due"], default="all")
    p.add_argument("--sort", choices=["name", "organisation", "updated"], default="name")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)
    _readout_option(p)
    p.set_defaults(func=cmd_person_list)

    p = psub.add_parser("show", parents=[common], help="show one person")
    p.add_argument("id", help="person id (UUID or a unique prefix)")
    p.set_defaults(func=cmd_person_show)

    p = psub.add_parser("edit", parents=[common], help="change fields of a person")
    p.add_argument("id")
    _person_fields(p, creating=False)
    p.add_argument("--remove-tag", action="append", default=[], metavar="T")
    p.add_argument("--policy", choices=["on-authorisation", "locked"], help="sharing policy")
    p.add_argument("--do-not-contact", action="append", default=[], metavar="VALUE",
                   help="mark this e-mail, phone, address or link (its value or id) do-not-contact (repeatable)")
    p.add_argument("--contact-ok", action="append", default=[], metavar="VALUE",
                   help="clear the do-not-contact mark of this contact point (repeatable)")
    p.add_argument("--remove", action="append", default=[], metavar="VALUE",
                   help="remove this contact point (its value or id; repeatable)")
    p.add_argument("--despite-erasure", action="store_true",
                   help="an added e-mail or phone belongs to someone erased on request who asked to come back "
                        "(audited)")
    p.set_defaults(func=cmd_person_edit)

    p = psub.add_parser("merge", parents=[common],
                        help="merge two records of the same person (OTHER into KEEP), keeping everything both hold")
    p.add_argument("keep", metavar="KEEP", help="the record that stays")
    p.add_argument("other", metavar="OTHER", help="the record merged into KEEP, then removed")
    p.add_argument("--take", action="append", default=[], metavar="FIELD", choices=CHOICE_FIELDS,
                   help="use OTHER's value for FIELD (repeatable); empty fields of KEEP are filled anyway")
    p.set_defaults(func=cmd_person_merge)

    p = psub.add_parser("delete", parents=[common], help="erase a person and their documents (as 'erase' does)")
    p.add_argument("id")
    p.add_argument("--yes", action="store_true", help="confirm")
    p.set_defaults(func=cmd_person_delete)

    resume = sub.add_parser("resume", parents=[common], help="add, list, show, export or remove resumes; choose the default")
    rsub = resume.add_subparsers(dest="resume_command", metavar="ACTION", required=True)
    p = rsub.add_parser("add", parents=[common], help="store a resume for a person")
    p.add_argument("person")
    p.add_argument("file")
    p.add_argument("--not-default", action="store_true", help="keep the current default resume")
    p.set_defaults(func=cmd_resume_add)
    p = rsub.add_parser("list", parents=[common], help="list a person's documents")
    p.add_argument("person")
    p.set_defaults(func=cmd_resume_list)
    p = rsub.add_parser("export", parents=[common], help="write a plaintext copy of a document (audited)")
    p.add_argument("document")
    p.add_argument("--out", required=True, metavar="PATH")
    p.set_defaults(func=cmd_resume_export)

    p = sub.add_parser("search", parents=[common], help="full-text search: words, rob*, \"phrases\", AND/OR/NOT")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=50)
    _readout_option(p)
    p.set_defaults(func=cmd_search)


def _readout_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--contact-details", action="store_true",
                   help="also print each person's first e-mail and phone (a bulk read-out: audited as an export)")


def _list_rows(ctx: CliContext, vault: Any, command: str, rows: list[PersonRow]) -> list[dict[str, Any]]:
    """Names and ids; contact details only when asked, and then the read-out is audited like
    ``export`` (the rule: docs/design.md §2, README 'Security model')."""
    if not ctx.args.contact_details:
        return [{k: v for k, v in r.__dict__.items() if k not in ("email", "phone")} for r in rows]
    vault.people.record_readout(command, [r.uuid for r in rows])
    return [r.__dict__ for r in rows]


def _gate_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--despite-erasure", action="store_true",
                   help="the person was erased on request and asked to come back: add them again (audited; "
                        "takes them off the suppression list)")
    p.add_argument("--allow-duplicate", action="store_true",
                   help="add even though someone has the same e-mail, phone or profile link")


def _person_fields(p: argparse.ArgumentParser, *, creating: bool) -> None:
    p.add_argument("--name", required=creating, help="full name")
    p.add_argument("--kind", choices=["candidate", "contact"], default="candidate" if creating else None)
    p.add_argument("--given-name")
    p.add_argument("--family-name")
    p.add_argument("--email", action="append", default=[], metavar="E")
    p.add_argument("--phone", action="append", default=[], metavar="P")
    p.add_argument("--address", action="append", default=[], metavar="A")
    p.add_argument("--link", action="append", default=[], metavar="URL")
    p.add_argument("--org", help="current organisation")
    p.add_argument("--title", help="job title")
    p.add_argument("--headline")
    p.add_argument("--tag", action="append", default=[], metavar="T")
    p.add_argument("--note", help="private notes (never shared)")
    p.add_argument("--status", choices=["active", "passive", "placed", "not-looking"])
    p.add_argument("--retention-until", metavar="DATE")
    p.add_argument("--source", default="given", choices=cp.SOURCES,
                   help="where the contact points given here came from (an old document's are never shared)")
    p.add_argument("--outreach", default="ok", choices=cp.OUTREACH,
                   help="outreach flag of the contact points given here")
    p.add_argument("--region", default="US", help="default phone region (ISO code)")


def _fields(args: argparse.Namespace) -> PersonFields:
    return PersonFields(
        full_name=args.name, kind=args.kind, given_name=args.given_name, family_name=args.family_name,
        headline=args.headline, organisation=args.org, title=args.title, notes=args.note, status=args.status,
        retention_until=args.retention_until, sharing_policy=getattr(args, "policy", None),
    )


def _points(args: argparse.Namespace) -> list[NewContactPoint]:
    points: list[NewContactPoint] = []
    for kind, values in (("email", args.email), ("phone", args.phone), ("address", args.address),
                         ("link", args.link)):
        points.extend(NewContactPoint(kind, v, source=args.source, outreach=args.outreach) for v in values)
    return points


def describe(person: Person) -> str:
    lines = [f"{person.full_name}  [{person.kind}]  id {person.uuid}"]
    work = " at ".join(x for x in (person.title, person.organisation) if x)
    if work:
        lines.append(f"  {work}")
    if person.headline:
        lines.append(f"  {person.headline}")
    for point in person.contact_points:
        flag = "  DO NOT CONTACT" if point.outreach == "do-not-contact" else ""
        old = "  (from an old document)" if point.from_old_document else ""
        lines.append(f"  {point.kind:8} {point.value}   source: {point.source}, {point.obtained_on}{flag}{old}")
    if person.tags:
        lines.append(f"  tags: {', '.join(person.tags)}")
    lines.append(f"  status: {person.status}; sharing: {person.sharing_policy}")
    if person.retention_until:
        lines.append(f"  keep until: {person.retention_until}")
    if person.notes:
        lines.append(f"  notes: {person.notes}")
    return "\n".join(lines)


def cmd_person_add(ctx: CliContext) -> int:
    args = ctx.args
    fields = _fields(args)
    if args.given_name is None and args.family_name is None:  # vCards need N: split what was typed
        given, family = split_full_name(args.name)
        fields = replace(fields, given_name=given, family_name=family)
    with ctx.open_vault() as vault:
        person = vault.people.add(fields, _points(args), args.tag, region=args.region,
                                  despite_erasure=args.despite_erasure, allow_duplicate=args.allow_duplicate)
        ctx.emit(person.to_json(), f"Added {person.full_name} ({person.uuid})")
    return 0


def cmd_person_list(ctx: CliContext) -> int:
    args = ctx.args
    view = "tag" if args.tag else (args.kind or args.view)
    with ctx.open_vault() as vault:
        ids = vault.people.list_ids(view=view, tag=args.tag, sort=args.sort, limit=args.limit, offset=args.offset)
        rows = vault.people.rows(ids)
        total = vault.people.count(view, args.tag)
        shown = _list_rows(ctx, vault, "person list", rows)
        ctx.emit(
            {"total": total, "people": shown},
            "\n".join(f"{r.uuid[:8]}  {r.kind:9}  {r.full_name:30.30}  {r.organisation:24.24}"
                      + (f"  {r.email}  {r.phone}" if args.contact_details else "")
                      for r in rows) + f"\n({len(rows)} of {total})",
        )
    return 0


def cmd_person_show(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        person = vault.people.get(ctx.args.id)
        docs = vault.documents.for_person(person.id)
        human = describe(person)
        for doc in docs:
            human += (f"\n  {doc.role} v{doc.version}: {doc.file_name} ({doc.mime_type}, {doc.size} bytes)"
                      f"{' default' if doc.is_default else ''} id {doc.uuid[:8]}")
        ctx.emit({**person.to_json(), "documents": [d.to_json() for d in docs]}, human)
    return 0


def cmd_person_edit(ctx: CliContext) -> int:
    args = ctx.args
    with ctx.open_vault() as vault, vault.transaction():
        person = vault.people.update(args.id, _fields(args))
        for point in _points(args):
            vault.people.add_contact_point(person.id, point, args.region, despite_erasure=args.despite_erasure)
        # The same rules as the contact-point dialog: update_contact_point and remove_contact_point.
        for values, change in ((args.do_not_contact, "do-not-contact"), (args.contact_ok, "ok")):
            for value in values:
                found = vault.people.find_point(person.id, value, args.region)
                vault.people.update_contact_point(found.uuid, outreach=change, region=args.region)
        for value in args.remove:
            vault.people.remove_contact_point(vault.people.find_point(person.id, value, args.region).uuid)
        for tag in args.tag:
            vault.people.add_tag(person.id, tag)
        for tag in args.remove_tag:
            vault.people.remove_tag(person.id, tag)
        person = vault.people.get(person.id)
        ctx.emit(person.to_json(), f"Updated {person.full_name}")
    return 0


def cmd_person_merge(ctx: CliContext) -> int:
    args = ctx.args
    with ctx.open_vault() as vault:
        other = vault.people.get(args.other)
        report = merge_people(vault, args.keep, other.id, {name: "other" for name in args.take})
        kept = vault.people.get(report.kept)
        moved = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in report.moved.items() if n)
        ctx.emit(report.to_json(), f"Merged {other.full_name} ({other.uuid[:8]}) into {kept.full_name} "
                                   f"({kept.uuid[:8]}); moved {moved or 'nothing else'}.")
    return 0


def cmd_person_delete(ctx: CliContext) -> int:
    if not ctx.args.yes:
        from vault.errors import ValidationError

        raise ValidationError("--yes", "deleting a person is permanent; add --yes to confirm")
    with ctx.open_vault() as vault:
        person = vault.people.get(ctx.args.id)
        # The same erasure as 'erase' (search index optimised, WAL checkpointed, unused tags
        # dropped): a plain row delete could leave the person's words in index segments.
        report = vault.privacy.erase(person.id)
        ctx.emit({**report.to_json(), "deleted": True}, f"Deleted {person.full_name}")
    return 0


def cmd_resume_add(ctx: CliContext) -> int:
    args = ctx.args
    with ctx.open_vault() as vault:
        doc = vault.documents.add_file(args.person, args.file, make_default=not args.not_default)
        note = "" if doc.text_status == "extracted" else f"; text not extracted: {doc.text_error or 'no text'}"
        ctx.emit(doc.to_json(),
                 f"Stored {doc.file_name} as version {doc.version} ({doc.mime_type}), document id {doc.uuid}"
                 f"{note}")
    return 0


def cmd_resume_list(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        docs = vault.documents.for_person(ctx.args.person)
        ctx.emit(
            [d.to_json() for d in docs],
            "\n".join(f"{d.uuid[:8]}  {d.role} v{d.version}  {d.file_name}  {d.size} bytes  "
                      f"{'default ' if d.is_default else ''}{'' if d.shareable else 'excluded-from-sharing '}"
                      f"text: {d.text_status}" for d in docs) or "No documents.",
        )
    return 0


def cmd_resume_export(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        out = vault.documents.export(ctx.args.document, ctx.out_target())
        ctx.emit({"path": str(out)}, f"Wrote a plaintext copy to {out} (you asked for it; it is not encrypted).")
    return 0


def cmd_search(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        result = vault.search.query(ctx.args.query, limit=ctx.args.limit)
        rows = vault.people.rows(result.ids)
        shown = _list_rows(ctx, vault, "search", rows)
        ctx.emit(
            {"total": result.total, "people": shown},
            "\n".join(f"{r.uuid[:8]}  {r.full_name:30.30}  {r.organisation:24.24}"
                      + (f"  {r.email}  {r.phone}" if ctx.args.contact_details else "") for r in rows)
            + f"\n({result.total} found)",
        )
    return 0

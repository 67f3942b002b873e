"""People, resumes and search from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from vault.people import NewContactPoint, Person, PersonFields

from .context import CliContext


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    person = sub.add_parser("person", parents=[common], help="add, list, show, edit or delete people")
    psub = person.add_subparsers(dest="person_command", metavar="ACTION", required=True)

    p = psub.add_parser("add", parents=[common], help="add a person")
    _person_fields(p, creating=True)
    p.set_defaults(func=cmd_person_add)

    p = psub.add_parser("list", parents=[common], help="list people, a page at a time")
    p.add_argument("--kind", choices=["candidate", "contact"])
    p.add_argument("--tag")
    p.add_argument("--view", choices=["all", "do-not-contact", "retention-due"], default="all")
    p.add_argument("--sort", choices=["name", "organisation", "updated"], default="name")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)
    p.set_defaults(func=cmd_person_list)

    p = psub.add_parser("show", parents=[common], help="show one person")
    p.add_argument("id", help="person id (UUID or a unique prefix)")
    p.set_defaults(func=cmd_person_show)

    p = psub.add_parser("edit", parents=[common], help="change fields of a person")
    p.add_argument("id")
    _person_fields(p, creating=False)
    p.add_argument("--remove-tag", action="append", default=[], metavar="T")
    p.add_argument("--policy", choices=["on-authorisation", "locked"], help="sharing policy")
    p.set_defaults(func=cmd_person_edit)

    p = psub.add_parser("delete", parents=[common], help="erase a person and their documents (as 'erase' does)")
    p.add_argument("id")
    p.add_argument("--yes", action="store_true", help="confirm")
    p.set_defaults(func=cmd_person_delete)

    resume = sub.add_parser("resume", parents=[common], help="add, list or export resumes")
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
    p.set_defaults(func=cmd_search)


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
    p.add_argument("--source", default="given",
                   choices=["given", "referral", "job-board", "public-profile", "imported-file", "old-document",
                            "other"], help="where the contact points came from")
    p.add_argument("--region", default="US", help="default phone region (ISO code)")


def _fields(args: argparse.Namespace) -> PersonFields:
    return PersonFields(
        full_name=args.name, kind=args.kind, given_name=args.given_name, family_name=args.family_name,
        headline=args.headline, organisation=args.org, title=args.title, notes=args.note, status=args.status,
        retention_until=args.retention_until, sharing_policy=getattr(args, "policy", None),
    )


def _points(args: argparse.Namespace) -> list[NewContactPoint]:
    points = []
    for kind, values in (("email", args.email), ("phone", args.phone), ("address", args.address),
                         ("link", args.link)):
        points.extend(NewContactPoint(kind, v, source=args.source) for v in values)
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
    with ctx.open_vault() as vault:
        person = vault.people.add(_fields(args), _points(args), args.tag, region=args.region)
        ctx.emit(person.to_json(), f"Added {person.full_name} ({person.uuid})")
    return 0


def cmd_person_list(ctx: CliContext) -> int:
    args = ctx.args
    view = "tag" if args.tag else (args.kind or args.view)
    with ctx.open_vault() as vault:
        ids = vault.people.list_ids(view=view, tag=args.tag, sort=args.sort, limit=args.limit, offset=args.offset)
        rows = vault.people.rows(ids)
        total = vault.people.count(view, args.tag)
        ctx.emit(
            {"total": total, "people": [r.__dict__ for r in rows]},
            "\n".join(f"{r.uuid[:8]}  {r.kind:9}  {r.full_name:30.30}  {r.organisation:24.24}  {r.email}"
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
            vault.people.add_contact_point(person.id, point, args.region)
        for tag in args.tag:
            vault.people.add_tag(person.id, tag)
        for tag in args.remove_tag:
            vault.people.remove_tag(person.id, tag)
        person = vault.people.get(person.id)
        ctx.emit(person.to_json(), f"Updated {person.full_name}")
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
                 f"Stored {doc.file_name} as version {doc.version} ({doc.mime_type}){note}")
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
        ctx.emit(
            {"total": result.total, "people": [r.__dict__ for r in rows]},
            "\n".join(f"{r.uuid[:8]}  {r.full_name:30.30}  {r.organisation:24.24}  {r.email}" for r in rows)
            + f"\n({result.total} found)",
        )
    return 0

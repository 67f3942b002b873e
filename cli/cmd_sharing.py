"""Consent-gated sharing from the command line: recipients, authorisations, shares, packages."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vault import sharing
from vault.authorisations import METHODS, Authorisation, check_new_window, day
from vault.clock import Clock
from vault.errors import PackageInvalid, ValidationError
from vault.recipients import Recipient

from .context import CliContext, read_secret_file


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    rec = sub.add_parser("recipient", parents=[common], help="people and firms packages go to")
    rsub = rec.add_subparsers(dest="recipient_command", metavar="ACTION", required=True)
    p = rsub.add_parser("add", parents=[common], help="add a recipient")
    p.add_argument("name")
    _recipient_options(p)
    p.set_defaults(func=cmd_recipient_add)
    p = rsub.add_parser("edit", parents=[common], help="change a recipient")
    p.add_argument("recipient", help="id prefix, exact name or e-mail")
    p.add_argument("--name")
    _recipient_options(p)
    p.set_defaults(func=cmd_recipient_edit)
    p = rsub.add_parser("supersede", parents=[common],
                        help="record a change of name, e-mail or firm as a new record (the old one stays)")
    p.add_argument("recipient", help="id prefix, exact name or e-mail")
    p.add_argument("--name")
    _recipient_options(p)
    p.set_defaults(func=cmd_recipient_supersede)
    p = rsub.add_parser("move", parents=[common],
                        help="record that a recipient now works at another organisation (audited)")
    p.add_argument("recipient", help="id prefix, exact name or e-mail")
    p.add_argument("--organisation", metavar="ORG", required=True, help="created when new; '' for none")
    p.set_defaults(func=cmd_recipient_move)
    p = rsub.add_parser("list", parents=[common], help="list recipients")
    p.add_argument("--organisation", metavar="ORG")
    p.add_argument("--all", action="store_true", help="include superseded records")
    p.set_defaults(func=cmd_recipient_list)
    p = rsub.add_parser("show", parents=[common], help="show one recipient")
    p.add_argument("recipient")
    p.set_defaults(func=cmd_recipient_show)

    org = sub.add_parser("organisation", parents=[common], help="organisations recipients belong to")
    osub = org.add_subparsers(dest="organisation_command", metavar="ACTION", required=True)
    p = osub.add_parser("add", parents=[common], help="add an organisation")
    p.add_argument("name")
    p.add_argument("--website", default="")
    p.set_defaults(func=cmd_organisation_add)
    p = osub.add_parser("edit", parents=[common], help="rename or annotate an organisation")
    p.add_argument("organisation")
    p.add_argument("--name")
    p.add_argument("--website")
    p.add_argument("--notes")
    p.set_defaults(func=cmd_organisation_edit)
    p = osub.add_parser("supersede", parents=[common], help="record a renamed firm as a new organisation")
    p.add_argument("organisation")
    p.add_argument("--name", required=True)
    p.add_argument("--website")
    p.set_defaults(func=cmd_organisation_supersede)
    p = osub.add_parser("list", parents=[common], help="list organisations")
    p.set_defaults(func=cmd_organisation_list)

    p = sub.add_parser("authorise", parents=[common], help="log a person's consent to share")
    p.add_argument("person")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--recipient", metavar="R", help="the one recipient allowed")
    target.add_argument("--organisation", metavar="ORG", help="anyone at this organisation")
    p.add_argument("--scope", required=True, help="comma list: resume, document:<id>, email, phone, address, link")
    p.add_argument("--purpose", required=True, help="what it is for, e.g. the role")
    p.add_argument("--method", required=True, choices=METHODS)
    p.add_argument("--obtained", required=True, metavar="DATE", help="when consent was given")
    p.add_argument("--valid-until", metavar="DATE", help="last day it is valid (inclusive)")
    p.add_argument("--max-uses", type=int, metavar="N", help="how many packages it allows")
    naming = p.add_mutually_exclusive_group()
    naming.add_argument("--named", dest="may_name", action="store_const", const=True, default=None,
                        help="the person agreed to be named to the recipient")
    naming.add_argument("--no-name", dest="may_name", action="store_const", const=False,
                        help="the person agreed to a blind CV only: every share under it is anonymised")
    p.add_argument("--evidence", metavar="FILE", help="an e-mail, form or note proving consent (stored encrypted)")
    p.add_argument("--evidence-note", default="", metavar="TEXT")
    p.set_defaults(func=cmd_authorise)

    p = sub.add_parser("revoke", parents=[common], help="revoke an authorisation")
    p.add_argument("authorisation")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_revoke)

    p = sub.add_parser("authorisations", parents=[common], help="a person's authorisations, or those expiring")
    p.add_argument("person", nargs="?")
    p.add_argument("--expiring", nargs="?", const=30, type=int, metavar="DAYS",
                   help="those ending within DAYS (default 30)")
    p.set_defaults(func=cmd_authorisations)

    p = sub.add_parser("resume-sharing", parents=[common], help="exclude a document from sharing, or include it")
    p.add_argument("document")
    state = p.add_mutually_exclusive_group(required=True)
    state.add_argument("--exclude", action="store_true")
    state.add_argument("--include", action="store_true")
    p.set_defaults(func=cmd_resume_sharing)

    p = sub.add_parser("share", parents=[common], help="make a signed, stamped share package")
    p.add_argument("person")
    p.add_argument("--recipient", required=True, metavar="R")
    p.add_argument("--resume", metavar="DOC", help="which resume (default: the default resume)")
    p.add_argument("--fields", default="", metavar="LIST", help="contact fields to include: email,phone,...")
    p.add_argument("--no-resume", action="store_true", help="contact details only (an introduction)")
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--pdf-password-file", metavar="F", help="protect the PDFs (AES-256) with this password")
    p.add_argument("--anonymise", "--anonymize", action="store_true",
                   help="blind CV: a candidate reference instead of the name, no photo on page 1")
    p.add_argument("--redact", action="append", default=[], metavar="WORDS",
                   help="also remove these words from the documents (repeatable), e.g. a salary")
    p.set_defaults(func=cmd_share)

    p = sub.add_parser("shares", parents=[common], help="the submittal ledger")
    p.add_argument("person", nargs="?")
    p.set_defaults(func=cmd_shares)

    p = sub.add_parser("verify", parents=[common], help="check a share package: signature, hashes, expiry")
    p.add_argument("package")
    p.add_argument("--sender-key", metavar="KEY", help="the sender's minisign public key (file or base64)")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("import-package", parents=[common], help="import a received share package")
    p.add_argument("file")
    trust = p.add_mutually_exclusive_group()
    trust.add_argument("--sender-key", metavar="KEY", help="the sender's minisign public key (file or base64), "
                       "as they gave it to you")
    trust.add_argument("--trust-fingerprint", metavar="FPR", help="trust the package's key, after comparing this "
                       "fingerprint with the sender by another channel")
    p.add_argument("--despite-erasure", action="store_true",
                   help="the person was erased on request and asked to come back: add them (audited)")
    p.add_argument("--allow-duplicate", action="store_true",
                   help="add the person even though someone has the same e-mail, phone or profile link")
    p.set_defaults(func=cmd_import)

    intro = sub.add_parser("intro", parents=[common], help="introduction requests")
    isub = intro.add_subparsers(dest="intro_command", metavar="ACTION", required=True)
    p = isub.add_parser("request", parents=[common], help="log that someone asked for a contact's details")
    p.add_argument("person")
    p.add_argument("--recipient", metavar="R", help="who asked (a recipient)")
    p.add_argument("--requester", default="", metavar="NAME", help="who asked, when not a recipient")
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_intro_request)
    p = isub.add_parser("list", parents=[common], help="list introduction requests")
    p.add_argument("--status", choices=["pending", "authorised", "declined", "fulfilled"])
    p.add_argument("--person")
    p.set_defaults(func=cmd_intro_list)
    p = isub.add_parser("answer", parents=[common], help="record that the contact declined")
    p.add_argument("request")
    p.add_argument("--declined", action="store_true", required=True)
    p.add_argument("--note", default="")
    p.set_defaults(func=cmd_intro_answer)


def _recipient_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--email")
    p.add_argument("--organisation", metavar="ORG", help="created when new")
    p.add_argument("--public-key", metavar="KEY", help="their minisign public key (file or base64)")
    p.add_argument("--notes")


def _key_text(value: str | None) -> str | None:
    if value is None:
        return None
    path = Path(value)
    if value and len(value) < 4096 and path.is_file():
        return read_secret_file(value, "public key file")
    return value


def _describe_recipient(r: Recipient) -> str:
    lines = [f"{r.name}  id {r.uuid}"]
    if r.superseded_by:
        lines.append(f"  superseded by {r.superseded_by} (kept for the authorisations and shares naming it)")
    if r.organisation:
        lines.append(f"  organisation: {r.organisation}")
    if r.email:
        lines.append(f"  e-mail: {r.email}")
    if r.public_key:
        lines.append(f"  public key: {r.public_key}")
        lines.append(f"  fingerprint: {r.fingerprint}")
    if r.notes:
        lines.append(f"  notes: {r.notes}")
    return "\n".join(lines)


def _describe_auth(a: Authorisation, now: str) -> str:
    limit = f", {a.uses} of {a.max_uses} uses made" if a.max_uses else f", {a.uses} share(s) made"
    text = (f"{a.uuid[:8]}  {a.status(now):13} to {a.grantee}: {', '.join(a.scope)}; {a.method}, obtained "
            f"{day(a.obtained_at)}, valid until {day(a.valid_until)}{limit}; purpose: {a.purpose}")
    if a.revoked_at:
        text += f"\n          revoked {day(a.revoked_at)}: {a.revoked_reason}"
    return text


def cmd_recipient_add(ctx: CliContext) -> int:
    a = ctx.args
    with ctx.open_vault() as vault:
        r = vault.recipients.add(a.name, email=a.email or "", organisation=a.organisation,
                                 public_key=_key_text(a.public_key) or "", notes=a.notes or "")
        ctx.emit(r.to_json(), f"Added recipient {r.label} ({r.uuid})")
    return 0


def cmd_recipient_edit(ctx: CliContext) -> int:
    a = ctx.args
    with ctx.open_vault() as vault:
        r = vault.recipients.update(a.recipient, name=a.name, email=a.email, organisation=a.organisation,
                                    public_key=_key_text(a.public_key), notes=a.notes)
        ctx.emit(r.to_json(), f"Updated recipient {r.label}")
    return 0


def cmd_recipient_supersede(ctx: CliContext) -> int:
    a = ctx.args
    with ctx.open_vault() as vault:
        r = vault.recipients.supersede(a.recipient, name=a.name, email=a.email, organisation=a.organisation,
                                       public_key=_key_text(a.public_key), notes=a.notes)
        ctx.emit(r.to_json(), f"Added recipient {r.label} ({r.uuid}), superseding the old record, which stays for "
                 "the authorisations and shares that name it")
    return 0


def cmd_recipient_move(ctx: CliContext) -> int:
    a = ctx.args
    with ctx.open_vault() as vault:
        before = vault.recipients.get(a.recipient)
        r = vault.recipients.move(before.id, a.organisation)
        how = "as a new record superseding the old one" if r.uuid != before.uuid else "(audited)"
        ctx.emit(r.to_json(), f"Recorded that {r.name} is now at {r.organisation or 'no organisation'} {how}")
    return 0


def cmd_recipient_list(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        rows = vault.recipients.list(ctx.args.organisation, include_superseded=ctx.args.all)
        ctx.emit([r.to_json() for r in rows],
                 "\n".join(f"{r.uuid[:8]}  {r.name:30.30}  {r.organisation:24.24}  {r.email}"
                           f"{'  [key ' + r.fingerprint[:8] + ']' if r.public_key else ''}"
                           f"{'  [superseded]' if r.superseded_by else ''}" for r in rows) or "No recipients.")
    return 0


def cmd_recipient_show(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        r = vault.recipients.get(ctx.args.recipient)
        ctx.emit(r.to_json(), _describe_recipient(r))
    return 0


def cmd_organisation_add(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        org = vault.recipients.add_organisation(ctx.args.name, website=ctx.args.website)
        ctx.emit(org.to_json(), f"Added organisation {org.name} ({org.uuid})")
    return 0


def cmd_organisation_edit(ctx: CliContext) -> int:
    a = ctx.args
    with ctx.open_vault() as vault:
        org = vault.recipients.update_organisation(a.organisation, name=a.name, website=a.website, notes=a.notes)
        ctx.emit(org.to_json(), f"Updated organisation {org.name}")
    return 0


def cmd_organisation_supersede(ctx: CliContext) -> int:
    a = ctx.args
    with ctx.open_vault() as vault:
        org = vault.recipients.supersede_organisation(a.organisation, name=a.name, website=a.website)
        ctx.emit(org.to_json(), f"Added organisation {org.name} ({org.uuid}), superseding the old record")
    return 0


def cmd_organisation_list(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        orgs = vault.recipients.organisations()
        ctx.emit([o.to_json() for o in orgs],
                 "\n".join(f"{o.uuid[:8]}  {o.name}" for o in orgs) or "No organisations.")
    return 0


def cmd_authorise(ctx: CliContext) -> int:
    a = ctx.args
    if a.max_uses is not None and a.max_uses < 1:
        raise ValidationError("--max-uses", "must be at least 1")
    evidence_data = None
    if a.evidence:
        try:
            evidence_data = Path(a.evidence).read_bytes()
        except OSError as exc:
            raise ValidationError("--evidence", f"{a.evidence} cannot be read ({exc.strerror})") from exc
    with ctx.open_vault() as vault:
        warnings = check_new_window(a.obtained, a.valid_until, vault.now())
        person_id = vault.people.resolve(a.person)
        prepared = vault.documents.prepare(evidence_data, Path(a.evidence).name) if evidence_data else None
        with vault.transaction():
            evidence = None
            if evidence_data is not None and prepared is not None:
                evidence = vault.documents.add_bytes(person_id, evidence_data, Path(a.evidence).name,
                                                     role="evidence", prepared=prepared).uuid
            auth = vault.authorisations.log(
                person_id, scope=a.scope.split(","), purpose=a.purpose, method=a.method, obtained_at=a.obtained,
                recipient=a.recipient, organisation=a.organisation, valid_until=a.valid_until,
                max_uses=a.max_uses, evidence_document=evidence, evidence_note=a.evidence_note,
                may_name=a.may_name,
            )
        for warning in warnings:
            ctx.say(f"warning: {warning}")
        ctx.emit({**auth.to_json(vault.now()), "warnings": warnings},
                 f"Logged authorisation {auth.uuid} for {auth.grantee}")
    return 0


def cmd_revoke(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        auth = vault.authorisations.revoke(ctx.args.authorisation, ctx.args.reason)
        ctx.emit(auth.to_json(vault.now()), f"Revoked authorisation {auth.uuid}")
    return 0


def cmd_authorisations(ctx: CliContext) -> int:
    a = ctx.args
    with ctx.open_vault() as vault:
        now = vault.now()
        if a.expiring is not None:
            auths = vault.authorisations.expiring(a.expiring)
            if a.person:
                pid = vault.people.resolve(a.person)
                auths = [x for x in auths if x.person_id == pid]
        elif a.person:
            auths = vault.authorisations.for_person(a.person)
        else:
            raise ValidationError("person", "name a person, or use --expiring")
        ctx.emit([x.to_json(now) for x in auths],
                 "\n".join(_describe_auth(x, now) for x in auths) or "No authorisations.")
    return 0


def cmd_resume_sharing(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        doc = vault.documents.set_shareable(ctx.args.document, not ctx.args.exclude)
        ctx.emit(doc.to_json(), f"{doc.file_name} (version {doc.version}) is "
                 f"{'included in' if doc.shareable else 'excluded from'} sharing")
    return 0


def cmd_share(ctx: CliContext) -> int:
    a = ctx.args
    password = read_secret_file(a.pdf_password_file, "PDF password file") if a.pdf_password_file else None
    if a.pdf_password_file and not password:
        raise ValidationError("--pdf-password-file", "the file is empty")
    fields = [f for f in a.fields.split(",") if f.strip()]
    with ctx.open_vault() as vault:
        items = sharing.default_items(vault, a.person, fields, a.resume, include_resume=not a.no_resume)
        result = sharing.build_share(vault, a.person, a.recipient, items, ctx.out_file(), pdf_password=password,
                                     anonymise=a.anonymise, words=a.redact)
        human = [f"Wrote {result.path} (package {result.package_id})",
                 f"  under authorisation {result.authorisation.uuid}; sha256 {result.sha256}"]
        human += [f"  {f['name']} ({f['size']} bytes{', stamped' if f.get('stamped') else ''}"
                  f"{_removed_words(f.get('redactions') or {})})" for f in result.files]
        human += [f"Warning: {w}" for w in result.warnings]
        ctx.emit(result.to_json(), "\n".join(human))
    return 0


def _removed_words(counts: dict[str, int]) -> str:
    """", removed: 2 phone, 1 email" (nothing when nothing was removed)."""
    return (", removed: " + ", ".join(f"{n} {kind}" for kind, n in counts.items())) if counts else ""


def cmd_shares(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        rows = sharing.list_shares(vault, ctx.args.person)
        ctx.emit([r.to_json() for r in rows],
                 "\n".join(f"{r.created_at[:16]}  {r.person_name:24.24}  to {r.recipient_name}"
                           f"{' (' + r.organisation_name + ')' if r.organisation_name else ''}  "
                           f"{', '.join('resume' if i.startswith('document:') else i for i in r.items)}  package {r.package_id[:8]}"
                           for r in rows) or "No shares yet.")
    return 0


def cmd_verify(ctx: CliContext) -> int:
    report = sharing.verify_package(ctx.args.package, sender_key=_key_text(ctx.args.sender_key),
                                    now=Clock().now_iso())
    ctx.emit(report.to_json(), report.summary())
    if not report.ok:
        raise PackageInvalid(report.problems[0])
    if not report.sender_verified:
        print(f"contact-vault: Not verified: {report.unverified_sentence}.", file=sys.stderr)
        return 1
    return 0


def cmd_import(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        result = sharing.import_package(vault, ctx.args.file, sender_key=_key_text(ctx.args.sender_key),
                                        trust_fingerprint=ctx.args.trust_fingerprint,
                                        despite_erasure=ctx.args.despite_erasure,
                                        allow_duplicate=ctx.args.allow_duplicate)
        person = vault.people.get(result.person_id)
        sender = vault.recipients.get(result.sender_recipient_id)
        pinned = (f"\nTrusted key {result.sender_fingerprint} for {sender.label} from now on"
                  if result.key_pinned or ctx.args.sender_key or ctx.args.trust_fingerprint else "")
        ctx.emit(result.to_json(),
                 f"Imported {person.full_name} ({person.uuid}) from package {result.package_id}, sent by "
                 f"{sender.label}; sharing is locked, upstream authorisation {result.authorisation_id} attached "
                 f"(their consent for {sender.name} to share with you){pinned}")
    return 0


def cmd_intro_request(ctx: CliContext) -> int:
    a = ctx.args
    with ctx.open_vault() as vault:
        req = vault.introductions.request(a.person, recipient=a.recipient, requester=a.requester, reason=a.reason)
        ctx.emit(req.to_json(), f"Logged introduction request {req.uuid} from {req.who} (pending the contact's "
                 "authorisation)")
    return 0


def cmd_intro_list(ctx: CliContext) -> int:
    a = ctx.args
    with ctx.open_vault() as vault:
        rows = vault.introductions.list(status=a.status, person=a.person)
        ctx.emit([r.to_json() for r in rows],
                 "\n".join(f"{r.uuid[:8]}  {r.status:10}  {r.person_name:24.24}  asked by {r.who}"
                           f"{': ' + r.reason if r.reason else ''}" for r in rows) or "No introduction requests.")
    return 0


def cmd_intro_answer(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        req = vault.introductions.answer(ctx.args.request, "declined", ctx.args.note)
        ctx.emit(req.to_json(), f"Recorded that {req.person_name} declined")
    return 0

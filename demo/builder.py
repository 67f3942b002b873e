"""A throw-away demo vault full of realistic, entirely fictional data (``contact-vault --demo``).

A newcomer should be able to try every screen before trusting the app with real people, so
the demo holds a little of everything: candidates and network contacts, resumes (PDF and
DOCX), authorisations in every state (active, expired, revoked, used up, not yet valid, and
one for a whole organisation that expires soon), share packages, a refused share attempt,
introduction requests in every state, outreach (with a do-not-contact point and a run of
unanswered calls), tags, people past their retention date, an imported vCard, a package
received from another recruiter, an erasure, and the audit history of all of it.

Everything is written through the real services (people, documents, authorisations,
packages, importing, outreach, privacy) on a clock that walks forward over the past year, so
the audit trail reads like a year of work and its chain verifies. All names, addresses,
e-mails (``.example`` domains) and phone numbers (555 numbers) are made up.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from vault import sharing
from vault.clock import Clock, FixedClock, iso_ms
from vault.config import AppConfig
from vault.errors import ShareNotAuthorised
from vault.importing import apply_plan, plan_import
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault

from .documents import OWNER, PARTNER, RESUMES, Resume, evidence_pdf, imported_vcard, resume_docx, resume_pdf

#: The demo vault's passphrase: the vault is fictional and throw-away, so it is shown openly.
DEMO_PASSPHRASE = "demo-vault-passphrase"
DEMO_FILE = "demo.cvault"


@dataclass(frozen=True)
class DemoVault:
    """Where the demo vault is and how to open it; ``people`` maps demo names to UUIDs."""

    folder: Path
    path: Path
    passphrase: str
    raw_key: bytes
    people: dict[str, str] = field(default_factory=dict)
    packages: list[Path] = field(default_factory=list)


# --- the builder ----------------------------------------------------------------------------


class _Timeline:
    """A fixed clock that only walks forward: ``at(days_ago)`` sets it to now minus that."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.clock = FixedClock(now - timedelta(days=400))

    def at(self, days_ago: float, hour: int = 10) -> str:
        moment = (self.now - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0, microsecond=0)
        moment = min(moment, self.now)
        if moment < self.clock.now() - timedelta(hours=12):
            raise RuntimeError(f"the demo's timeline went backwards to {iso_ms(moment)}")
        if moment < self.clock.now():  # the same day again: just after what came before
            moment = self.clock.now() + timedelta(seconds=1)
        self.clock.set(moment)
        return iso_ms(moment)

    def later(self, minutes: float = 7) -> None:
        self.clock.advance(minutes=minutes)

    def ago(self, days: float) -> str:
        """The date ``days`` before the demo's present."""
        return (self.now - timedelta(days=days)).date().isoformat()

    def ahead(self, days: float) -> str:
        """The date ``days`` after the demo's present."""
        return (self.now + timedelta(days=days)).date().isoformat()


def _points(resume: Resume, *extra: NewContactPoint) -> list[NewContactPoint]:
    return [NewContactPoint("email", resume.email, label="personal"),
            NewContactPoint("phone", resume.phone, label="mobile"), *extra]


def build_demo_vault(folder: str | Path, *, passphrase: str = DEMO_PASSPHRASE, now: datetime | None = None,
                     config: AppConfig | None = None) -> DemoVault:
    """Create ``folder/demo.cvault`` full of fictional data and close it again.

    ``now`` pins the demo's present (tests); by default it is the real time, so authorisation
    states and the retention queue look right on the day the demo is opened.
    """
    folder = Path(folder).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "packages"
    out.mkdir(exist_ok=True)
    present = (now or datetime.now(UTC)).astimezone(UTC)
    time = _Timeline(present)
    config = config or AppConfig(folder / "config")
    time.at(400)
    vault = Vault.create(folder / DEMO_FILE, passphrase, owner_name=OWNER.name, organisation=OWNER.organisation,
                         email=OWNER.email, clock=time.clock, config=config)
    ids: dict[str, str] = {}
    packages: list[Path] = []
    try:
        _fill(vault, time, ids, packages, out, folder, config)
        vault.clock = Clock() if now is None else FixedClock(present)
        key = vault.raw_key
    finally:
        vault.close()
    return DemoVault(folder, folder / DEMO_FILE, passphrase, key, ids, packages)


def _fill(vault: Vault, time: _Timeline, ids: dict[str, str], packages: list[Path], out: Path, folder: Path,
          config: AppConfig) -> None:
    people, docs, auths, recipients = vault.people, vault.documents, vault.authorisations, vault.recipients

    def candidate(name: str, days_ago: float, tags: list[str], extra: tuple[NewContactPoint, ...] = (),
                  docx: bool = False, **values: str) -> str:
        time.at(days_ago)
        resume = RESUMES[name]
        given, _, family = name.partition(" ")
        person = people.add(
            PersonFields(full_name=name, kind="candidate", given_name=given, family_name=family,
                         headline=resume.headline, organisation=resume.jobs[0][2], title=resume.jobs[0][1],
                         **values),
            _points(resume, *extra), tags)
        time.later(5)
        slug = name.lower().replace(" ", "-")
        if docx:
            docs.add_bytes(person.id, resume_docx(resume), f"{slug}-resume.docx")
        else:
            docs.add_bytes(person.id, resume_pdf(resume), f"{slug}-resume.pdf")
        ids[name] = person.uuid
        return person.uuid

    def contact(name: str, days_ago: float, org: str, title: str, email: str, phone: str, tags: list[str],
                notes: str = "", extra: tuple[NewContactPoint, ...] = ()) -> str:
        time.at(days_ago)
        given, _, family = name.partition(" ")
        person = people.add(
            PersonFields(full_name=name, kind="contact", given_name=given, family_name=family, organisation=org,
                         title=title, headline=f"{title}, {org}", notes=notes),
            [NewContactPoint("email", email, label="work", source="referral"),
             NewContactPoint("phone", phone, label="direct", source="given"), *extra], tags)
        ids[name] = person.uuid
        return person.uuid

    def share(person: str, recipient: str, name: str, fields: list[str] | None = None,
              include_resume: bool = True) -> None:
        items = sharing.default_items(vault, person, fields, include_resume=include_resume)
        result = sharing.build_share(vault, person, recipient, items, out / f"{name}.cvpkg.zip")
        packages.append(result.path)

    # Clients and fellow recruiters packages go to.
    time.at(399)
    vault.set_setting("retention.months", "24")
    tom = recipients.add("Tom Harris", email="tom.harris@brightline.example", organisation="Brightline Capital",
                         notes="Hiring manager, data platform team.").uuid
    aisha = recipients.add("Aisha Khan", email="aisha.khan@harborhealth.example", organisation="Harbor Health",
                           notes="Talent partner; prefers PDFs.").uuid
    julia = recipients.add("Julia Weber", email="julia.weber@tidewater.example", organisation="Tidewater Robotics").uuid
    peter = recipients.add(PARTNER.name, email=PARTNER.email, organisation=PARTNER.organisation,
                           notes="Split placements on senior engineering roles.").uuid
    recipients.add_organisation("Cascade Vision", website="https://cascade-vision.example")

    # Jonas: consent for one client, shared while valid, long expired now.
    jonas = candidate("Jonas Lindqvist", 395, ["go", "backend"])
    time.at(394)
    auths.log(jonas, scope=["resume", "email"], purpose="Senior Backend Engineer (Go) at Brightline Capital",
              method="email", obtained_at=time.at(394), recipient=tom, valid_until=time.ago(60))
    time.at(390)
    share(jonas, tom, "jonas-lindqvist-to-brightline", ["email"])

    ethan = candidate("Ethan Cole", 330, ["ios"])
    lukas = candidate("Lukas Novak", 300, ["sre", "placed"], status="placed",
                      retention_until=time.ago(40))

    # Priya: shared once, then she withdrew consent.
    priya = candidate("Priya Raman", 210, ["product", "healthcare"])
    time.at(205)
    priya_auth = auths.log(priya, scope=["resume"], purpose="Group Product Manager at Harbor Health",
                           method="phone", obtained_at=time.at(205), recipient=aisha, valid_until=time.ahead(160),
                           evidence_note="Phone call; she asked for the March resume to be used.")
    time.at(200)
    share(priya, aisha, "priya-raman-to-harbor-health")

    fatima = candidate("Fatima Al-Sayed", 190, ["finance"], retention_until=time.ago(10))
    time.at(150)
    docs.add_bytes(fatima, resume_pdf(RESUMES["Fatima Al-Sayed"], version_note="Updated version, includes ACCA"),
                   "fatima-al-sayed-resume-2.pdf")

    grace = candidate("Grace Mensah", 140, ["security", "python"],
                      extra=(NewContactPoint("phone", "+1 312 555 0199", label="work", source="old-document",
                                             outreach="do-not-contact"),),
                      status="not-looking", not_looking_until=time.ahead(120))
    time.at(139)
    people.update(grace, PersonFields(notes="Happy at Lakeshore until the spring; do not call her work number."))

    # Mateo: consent for exactly one package, used.
    mateo = candidate("Mateo Alvarez", 95, ["devops", "kubernetes"])
    time.at(92)
    auths.log(mateo, scope=["resume"], purpose="Platform Engineer at Tidewater Robotics", method="written",
              obtained_at=time.at(92), recipient=julia, valid_until=time.ahead(275), max_uses=1)
    time.at(88)
    share(mateo, julia, "mateo-alvarez-to-tidewater")

    # Wei: consent for anyone at Harbor Health, with the e-mail kept as evidence; ends soon.
    wei = candidate("Wei Zhang", 70, ["ml", "python"])
    time.at(66)
    evidence = docs.add_bytes(wei, evidence_pdf("Consent e-mail from Wei Zhang", [
        "From: Wei Zhang <wei.zhang@post.example>",
        f"To: {OWNER.name} <{OWNER.email}>",
        "Subject: Re: ML roles at Harbor Health",
        "",
        "Hi Morgan, yes: please send my resume to the Harbor Health team",
        "for the ML Engineer and Senior ML Engineer roles. Thanks, Wei",
    ]), "consent-email-wei-zhang.pdf", role="evidence")
    auths.log(wei, scope=["resume", "email", "phone"], purpose="ML Engineer roles at Harbor Health",
              method="email", obtained_at=time.at(66), organisation="Harbor Health", valid_until=time.ahead(18),
              evidence_document=evidence.uuid, evidence_note="Reply to my e-mail of the same day.")
    time.at(60)
    share(wei, aisha, "wei-zhang-to-harbor-health", ["email"])

    # Sofia asked not to be shared anywhere: her policy is locked, and an attempt is refused.
    sofia = candidate("Sofia Rossi", 58, ["qa"], sharing_policy="locked")

    # Network contacts (hiring managers, founders).
    lena = contact("Lena Fischer", 55, "Brightline Capital", "VP Engineering", "lena.fischer@brightline.example",
                   "+1 415 555 0131", ["leadership", "fintech"], notes="Met at the Data Council dinner.")
    marcus = contact("Marcus Reid", 50, "Tidewater Robotics", "Founder & CEO", "marcus@tidewater.example",
                     "+1 503 555 0145", ["founder", "robotics"])
    nadia = contact("Nadia Petrova", 48, "Harbor Health", "Chief Technology Officer",
                    "nadia.petrova@harborhealth.example", "+1 646 555 0172", ["leadership", "healthcare"])
    samuel = contact("Samuel Adeyemi", 45, "Northwind Ventures", "Partner", "samuel@northwind-ventures.example",
                     "+1 650 555 0166", ["investor"])
    chloe = contact("Chloe Martin", 44, "Kiezbank", "Engineering Manager", "chloe.martin@kiezbank.example",
                    "+49 30 555 0107", ["leadership"],
                    extra=(NewContactPoint("email", "chloe.m@oldmail.example", label="old", source="old-document",
                                           outreach="do-not-contact"),))

    # Contacts imported from a vCard file (the contact points get the file as their source).
    time.at(42)
    plan = plan_import(vault, imported_vcard(), "conference-contacts.vcf", kind="contact")
    apply_plan(vault, plan)

    # Amara: active consent, shared with her e-mail.
    amara = candidate("Amara Okafor", 40, ["python", "data", "spark"])
    time.later(20)
    auths.log(amara, scope=["resume"], purpose="Data Engineer at Harbor Health (a role she then turned down)",
              method="email", obtained_at=time.ago(40), recipient=aisha, valid_until=time.ago(20))
    time.at(36)
    auths.log(amara, scope=["resume", "email", "phone"], purpose="Staff Data Engineer at Brightline Capital",
              method="in-person", obtained_at=time.at(36), recipient=tom, valid_until=time.ahead(150))
    time.at(30)
    share(amara, tom, "amara-okafor-to-brightline", ["email"])

    # Introductions: Marcus agreed to meet Peter; the package went out.
    time.at(28)
    vault.introductions.request(marcus, recipient=peter, reason="Peter's client wants to talk about robotics hires.")
    time.at(25)
    people.set_sharing_policy(marcus, "on-authorisation")
    auths.log(marcus, scope=["email", "phone"], purpose="Introduction to Peter Walsh (Summit Search)",
              method="phone", obtained_at=time.at(25), recipient=peter, valid_until=time.ahead(5))
    time.at(24)
    share(marcus, peter, "marcus-reid-introduction-to-summit", ["email", "phone"], include_resume=False)

    # Daniel: a DOCX resume, a phone from an old document, and calls nobody answers.
    daniel = candidate("Daniel Kim", 22, ["frontend", "react"], docx=True,
                       extra=(NewContactPoint("phone", "+1 213 555 0111", label="old", source="old-document"),))

    def chase_daniel(days: float, channel: str, outcome: str) -> None:
        time.at(days)
        vault.outreach.log(daniel, channel, outcome, point="+12135550176" if channel == "call" else None,
                           note="About the Staff Frontend role.")

    chase_daniel(21, "call", "no-answer")
    time.at(20)
    vault.outreach.log(amara, "call", "interested", point="+14155550142", note="Keen on Brightline; salary ok.")
    time.at(19)
    vault.outreach.log(lena, "meeting", "meeting-booked", note="Coffee to discuss the data platform team.")

    # Someone the recruiter does not represent asked for Nadia's number; she said no.
    time.at(18)
    nadia_request = vault.introductions.request(nadia, requester="A founder at a stealth start-up",
                                                reason="Wants advice on hiring a first CTO.")
    time.at(16)
    vault.introductions.answer(nadia_request.uuid, "declined", "Nadia is not taking intro calls this quarter.")

    # Ethan asked to be forgotten: erased, and kept out of future imports.
    time.at(15)
    vault.privacy.erase(ethan, suppress=True)
    ids.pop("Ethan Cole")

    chase_daniel(14, "call", "voicemail")

    # Priya withdrew her consent.
    time.at(12)
    auths.revoke(priya_auth.uuid, "She accepted another offer and asked us to stop sending her resume.")

    # A refused attempt: Sofia's policy is locked.
    time.at(10)
    try:
        auths.check(sofia, tom, sharing.default_items(vault, sofia))
    except ShareNotAuthorised:
        pass
    time.at(9)
    try:  # Jonas's consent has expired.
        auths.check(jonas, tom, sharing.default_items(vault, jonas))
    except ShareNotAuthorised:
        pass

    chase_daniel(7, "email", "no-reply")

    # Pending and authorised introduction requests.
    time.at(6)
    vault.introductions.request(samuel, recipient=tom, reason="Tom wants to meet investors in data tooling.")
    time.at(4)
    vault.introductions.request(lena, recipient=aisha, reason="Aisha is benchmarking engineering leadership.")
    time.at(2)
    people.set_sharing_policy(samuel, "on-authorisation")
    auths.log(samuel, scope=["email"], purpose="Introduction to Tom Harris (Brightline Capital)", method="email",
              obtained_at=time.at(2), recipient=tom, valid_until=time.ahead(60))

    # Hannah agreed to be put forward from next week, when her notice period starts.
    hannah = candidate("Hannah Becker", 2, ["design", "accessibility"])
    time.at(1)
    auths.log(hannah, scope=["resume"], purpose="Head of Design at Kiezbank", method="form",
              obtained_at=time.ahead(5), organisation=recipients.ensure_organisation("Kiezbank"),
              valid_until=time.ahead(95))

    # A candidate received from another recruiter (their signed package, imported here).
    time.at(1, hour=14)
    _receive_partner_package(vault, time, folder, config, ids)
    time.at(0.02)
    vault.outreach.log(chloe, "email", "replied", point="chloe.martin@kiezbank.example",
                       note="Open to hearing about senior roles in Berlin.")
    del lukas, fatima, grace


def _receive_partner_package(vault: Vault, time: _Timeline, folder: Path, config: AppConfig,
                             ids: dict[str, str]) -> None:
    """Peter Walsh's own vault sends us Noah Williams under Noah's authorisation."""
    partner_dir = folder / "partner"
    partner_dir.mkdir(exist_ok=True)
    partner = Vault.create(partner_dir / "partner.cvault", DEMO_PASSPHRASE, owner_name=PARTNER.name,
                           organisation=PARTNER.organisation, email=PARTNER.email, clock=time.clock,
                           config=AppConfig(partner_dir / "config"))  # not in the demo's recent list
    try:
        noah = partner.people.add(
            PersonFields(full_name="Noah Williams", kind="candidate", given_name="Noah", family_name="Williams"),
            _points(RESUMES["Noah Williams"]), ["leadership"])
        partner.documents.add_bytes(noah.id, resume_pdf(RESUMES["Noah Williams"]), "noah-williams-resume.pdf")
        me = partner.recipients.add(OWNER.name, email=OWNER.email, organisation=OWNER.organisation,
                                    public_key=vault.owner.identity.minisign_base64())
        partner.authorisations.log(noah.id, scope=["resume", "email"], recipient=me.uuid, method="email",
                                   purpose="Engineering Manager roles, shared with Ellis Talent Partners",
                                   obtained_at=vault.now(), valid_until=time.ahead(60))
        received = partner_dir / "noah-williams-from-summit.cvpkg.zip"
        items = sharing.default_items(partner, noah.id, ["email"])
        sharing.build_share(partner, noah.id, me.uuid, items, received)
        partner_key = partner.owner.identity.minisign_public_key_file()
    finally:
        partner.close()
    time.later(30)
    # Peter gave us his key in person: the import trusts it explicitly (never on first sight).
    result = sharing.import_package(vault, received, sender_key=partner_key)
    ids["Noah Williams"] = result.person_id
    time.later(10)
    noah_cv = RESUMES["Noah Williams"]
    vault.people.update(result.person_id, PersonFields(headline=noah_cv.headline, organisation=noah_cv.jobs[0][2],
                                                       title=noah_cv.jobs[0][1]))
    vault.people.add_tag(result.person_id, "leadership")
    shutil.rmtree(partner_dir, ignore_errors=True)

"""What a share will contain, worked out once for both the wizard's preview and the build.

The preview must show exactly what the package will hold, so both ask ``plan_share``: the
same items, the same shareable values, the same stamped documents. Only the package id differs
(the preview has none yet).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vault.authorisations import FIELDS, Authorisation, day
from vault.documents import safe_file_name
from vault.name_check import visible

from .convert import convert_to_pdf
from .ledger import represent_warnings
from .package_format import RESERVED
from .redaction import RedactionReport, RedactionRules
from .stamping import StampText, share_pdf_isolated

if TYPE_CHECKING:
    from vault.people import Person
    from vault.recipients import Recipient
    from vault.store import Vault



def stamp_text_for(vault: Vault, recipient_label: str, auth: Authorisation, package_id: str, now: str) -> StampText:
    """What the band on every page says (also used by the share wizard's preview)."""
    owner = vault.owner
    sender = owner.name + (f" ({owner.organisation})" if owner.organisation else "")
    # Names go on the page as the record holds them, with any hidden character written out, so the
    # band can never read differently from the record (vault/name_check.py).
    return StampText(
        sender=visible(sender), recipient=visible(recipient_label), shared_on=now[:10], purpose=visible(auth.purpose),
        authorisation_id=auth.uuid, method=auth.method, obtained_on=day(auth.obtained_at),
        valid_until=day(auth.valid_until), package_id=package_id,
    )


@dataclass(frozen=True)
class PackageFile:
    name: str
    data: bytes
    role: str
    media_type: str
    original_sha256: str | None = None
    stamped: bool = False
    encrypted: bool = False
    #: What was removed, by kind (counts only: the values never leave, not even in the manifest).
    redactions: dict[str, int] = field(default_factory=dict)
    anonymised: bool = False
    #: The converter that made a PDF of a non-PDF original: {"name": ..., "version": ...}.
    converter: dict[str, str] | None = None
    #: The full report (values included) for the wizard's preview; never written to the package.
    report: RedactionReport | None = field(default=None, compare=False, repr=False)

    def entry(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name, "size": len(self.data), "sha256": hashlib.sha256(self.data).hexdigest(),
            "role": self.role, "media_type": self.media_type,
        }
        if self.role == "resume":
            data["stamped"] = self.stamped
            data["encrypted"] = self.encrypted
            data["original_sha256"] = self.original_sha256
            data["redactions"] = dict(self.redactions)
            data["anonymised"] = self.anonymised
            data["converter"] = self.converter
        return data


def _entry_name(file_name: str, taken: set[str]) -> str:
    name = safe_file_name(file_name).replace("/", "_")
    if name.startswith(".") or name.lower() in RESERVED:
        name = f"resume-{name.lstrip('.') or 'document'}"
    base, ext = os.path.splitext(name)
    candidate, n = name, 2
    while candidate.lower() in taken:
        candidate = f"{base}-{n}{ext}"
        n += 1
    taken.add(candidate.lower())
    return candidate



@dataclass(frozen=True)
class SharePlan:
    """A share worked out but not yet written: who, to whom, under which authorisation, with what."""

    person: Person
    recipient: Recipient
    authorisation: Authorisation
    items: list[str]
    #: The contact values that may leave, by field (do-not-contact and old-document ones never do).
    points: dict[str, list[str]]
    stamp: StampText
    #: The documents as they will be in the package (PDFs stamped).
    documents: list[PackageFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Blind CV: the candidate reference that stands for the person's name ("" when named).
    candidate: str = ""

    @property
    def shown_name(self) -> str:
        """The person's name as the package shows it (the candidate reference in a blind CV)."""
        return self.candidate or self.person.full_name


#: Crockford's base32: no I, L, O or U to misread.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def candidate_reference(person_uuid: str) -> str:
    """A stable stand-in for the name in a blind CV ("Candidate 7F3K"): the same person always
    gets the same reference, and it says nothing about them (a hash of their random id)."""
    digest = hashlib.sha256(f"contact-vault candidate reference {person_uuid}".encode()).digest()
    number = int.from_bytes(digest[:4], "big")
    code = "".join(_REFERENCE_ALPHABET[(number >> (5 * i)) & 31] for i in range(4))
    return f"Candidate {code}"


def phone_region(person: Person) -> str:
    """The region numbers without a country code are read in: the person's own numbers say it."""
    import phonenumbers

    for point in person.contact_points:
        if point.kind != "phone":
            continue
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(point.normalized or point.value, None))
        except phonenumbers.NumberParseException:
            continue
        if region and region != "ZZ":
            return region
    return "US"


def redaction_rules(person: Person, wanted: list[str], *, anonymise: bool = False,
                    words: list[str] | tuple[str, ...] = ()) -> RedactionRules:
    """What must leave the shared documents (design rule 6): every contact point of the person
    outside the scope, every do-not-contact or old-document one, and (blind CV) the name."""
    shareable = {kind: [p.value for p in person.shareable_points(kind)] for kind in FIELDS if kind in wanted}
    allowed = {(kind, value) for kind, values in shareable.items() for value in values}
    remove = [(p.kind, p.value) for p in person.contact_points if (p.kind, p.value) not in allowed]
    names = [person.full_name, person.given_name, person.family_name] if anonymise else []
    return RedactionRules(remove=remove, keep=shareable, region=phone_region(person), names=[n for n in names if n],
                          candidate=candidate_reference(person.uuid) if anonymise else "",
                          words=[w.strip() for w in words if w.strip()])


def plan_share(vault: Vault, person: str | int, recipient: str | int, items: list[str], *, package_id: str,
               now: str, pdf_password: str | None = None, authorisation: str | None = None,
               preview: bool = False, anonymise: bool = False, words: list[str] | tuple[str, ...] = ()) -> SharePlan:
    """Check the share (audited; a refusal raises ShareNotAuthorised) and prepare its content.

    ``authorisation`` names the one the wizard already checked on its authorisation page, so its
    preview does not audit a second check; ``preview`` converts and stamps only the first document
    (the one shown), so a preview plan must never be written out.
    ``anonymise`` makes a blind CV; ``words`` are the user's own redaction marks.
    """
    person_id = vault.people.resolve(person)
    rec = vault.recipients.get(recipient)
    wanted = vault.authorisations.clean_items(person_id, items)
    if authorisation is None:
        auth = vault.authorisations.check(person_id, rec.id, wanted)
    else:
        auth = vault.authorisations.get(authorisation)
    who = vault.people.get(person_id)
    # A person who agreed to be shared only as a blind CV is never named under this authorisation.
    anonymise = anonymise or auth.may_name is False
    # The check refused (and recorded) a field with no shareable value, so each has one here.
    points = {kind: [p.value for p in who.shareable_points(kind)] for kind in wanted if kind in FIELDS}
    stamp = stamp_text_for(vault, rec.label, auth, package_id, now)
    rules = redaction_rules(who, wanted, anonymise=anonymise, words=words)
    taken: set[str] = set(RESERVED)
    documents: list[PackageFile] = []
    for item in wanted:
        if not item.startswith("document:"):
            continue
        doc = vault.documents.get(item[9:])
        if preview and any(d.stamped for d in documents):
            # The preview shows the first document only; the build converts and stamps them all.
            documents.append(PackageFile(doc.file_name, b"", "resume", doc.mime_type, doc.sha256))
            continue
        data = vault.documents.data(doc.id)
        converter: dict[str, str] | None = None
        file_name = doc.file_name
        if doc.mime_type != "application/pdf":
            # Never shared raw (design rule 6): converted, then sanitised, redacted and stamped.
            data, made_by = convert_to_pdf(data, doc.mime_type, doc.file_name)
            converter = made_by.to_json()
            file_name = os.path.splitext(doc.file_name)[0] + ".pdf"
        # A blind CV's file name must not name the person either.
        name = _entry_name("resume.pdf" if anonymise else file_name, taken)
        stamped, report = share_pdf_isolated(data, stamp, file_name=doc.file_name, password=pdf_password or None,
                                             rules=rules)
        documents.append(PackageFile(name, stamped, "resume", "application/pdf", doc.sha256, True,
                                     bool(pdf_password), report.summary(), rules.anonymise, converter, report))
    return SharePlan(who, rec, auth, wanted, points, stamp, documents,
                     represent_warnings(vault, person_id, rec.id), rules.candidate)

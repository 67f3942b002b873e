"""vCard 4.0 (RFC 6350) and 3.0 (RFC 2426) export of chosen people: explicit and audited.

Written by hand rather than through vobject so that both versions come out the same way
(vobject only serialises 3.0): escaped text, lines folded at 75 octets without splitting a
UTF-8 character, CRLF endings. Everything the importer reads back is written: name parts,
organisation, title, headline (ROLE), every contact point with its label, tags (CATEGORIES),
and the person's kind in ``X-CONTACT-VAULT-KIND``.

Restrictions travel with the data, so a round trip through our own export loses none: each
contact point carries its source and outreach flag as the parameters
``X-CONTACT-VAULT-SOURCE`` and ``X-CONTACT-VAULT-OUTREACH`` (RFC 6350 §5: x-name parameters,
ignored by other readers), and the person's sharing policy is ``X-CONTACT-VAULT-SHARING``.
Private notes ("never shared") are written only when asked for (``with_notes``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .atomic import staged_file
from .errors import ValidationError
from .name_check import visible_lines
from .people import Person

if TYPE_CHECKING:
    from .store import Vault

VERSIONS = {"vcard4": "4.0", "vcard3": "3.0"}


def escape(text: str) -> str:
    # Bidi controls and invisible characters are written visibly: a card never shows a name that
    # reads differently from the record (vault/name_check.py).
    text = visible_lines(text.replace("\r\n", "\n").replace("\r", "\n"))
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold at 75 octets, never inside a UTF-8 sequence."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += ch
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _param_value(text: str) -> str:
    clean = text.replace('"', "'").replace("\n", " ")
    if any(ch in clean for ch in ",;: ") or not clean.isascii():
        return f'"{clean}"'
    return clean


def _type_param(label: str) -> str:
    if not label:
        return ""
    return ";TYPE=" + ",".join(_param_value(part.strip()) for part in label.split(",") if part.strip())


SOURCE_PARAM = "X-CONTACT-VAULT-SOURCE"
OUTREACH_PARAM = "X-CONTACT-VAULT-OUTREACH"
SHARING_PROPERTY = "X-CONTACT-VAULT-SHARING"


def person_vcard(person: Person, version: str = "4.0", *, with_notes: bool = False) -> str:
    if version not in ("4.0", "3.0"):
        raise ValidationError("version", "must be 4.0 or 3.0")
    lines = ["BEGIN:VCARD", f"VERSION:{version}"]
    if version == "4.0":
        lines.append("KIND:individual")
    lines.append(f"FN:{escape(person.full_name)}")
    lines.append(f"N:{escape(person.family_name)};{escape(person.given_name)};;;")
    if person.organisation:
        lines.append(f"ORG:{escape(person.organisation)}")
    if person.title:
        lines.append(f"TITLE:{escape(person.title)}")
    if person.headline:
        lines.append(f"ROLE:{escape(person.headline)}")
    for point in person.contact_points:
        params = _type_param(point.label) + f";{SOURCE_PARAM}={point.source};{OUTREACH_PARAM}={point.outreach}"
        if point.kind == "email":
            lines.append(f"EMAIL{params}:{escape(point.value)}")
        elif point.kind == "phone":
            if version == "4.0":
                value = f"tel:{point.value}" if point.value.startswith("+") else point.value
                kind = ";VALUE=uri" if value.startswith("tel:") else ";VALUE=text"
                lines.append(f"TEL{kind}{params}:{value}")
            else:
                lines.append(f"TEL{params}:{escape(point.value)}")
        elif point.kind == "address":
            # The vault keeps an address as one line of text: it goes in the street component.
            lines.append(f"ADR{params}:;;{escape(point.value)};;;;")
        elif point.kind == "link":
            lines.append(f"URL{params}:{point.value}")
    if person.tags:
        lines.append("CATEGORIES:" + ",".join(escape(t) for t in person.tags))
    if person.notes and with_notes:
        lines.append(f"NOTE:{escape(person.notes)}")
    lines.append(f"X-CONTACT-VAULT-KIND:{person.kind}")
    lines.append(f"{SHARING_PROPERTY}:{person.sharing_policy}")
    lines.append(f"UID:urn:uuid:{person.uuid}")
    lines.append(f"REV:{person.updated_at.replace('-', '').replace(':', '').split('.')[0]}Z")
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)


def render(people: Iterable[Person], version: str = "4.0", *, with_notes: bool = False) -> bytes:
    return "".join(person_vcard(p, version, with_notes=with_notes) for p in people).encode("utf-8")


def export_vcards(vault: Vault, people: Iterable[str | int] | None, destination: str | os.PathLike[str] | BinaryIO,
                  fmt: str = "vcard4", *, with_notes: bool = False) -> tuple[Path, int]:
    """Write the chosen people (all when ``people`` is None) to one .vcf file, atomically.

    A plaintext export the user asked for; the audit event lists the exported person ids.
    """
    if fmt not in VERSIONS:
        raise ValidationError("--format", f"must be one of {', '.join(VERSIONS)}")
    if people is None:
        ids = [r[0] for r in vault.conn.execute("SELECT id FROM people ORDER BY sort_name COLLATE NOCASE, id")]
    else:
        ids = list(dict.fromkeys(vault.people.resolve(p) for p in people))
    if not ids:
        raise ValidationError("--person", "there is nobody to export")
    found = vault.people.get_many(ids)
    chosen = [found[i] for i in ids]
    data = render(chosen, VERSIONS[fmt], with_notes=with_notes)
    if hasattr(destination, "write"):  # an open stream (the CLI's --out -)
        with vault.transaction():
            vault.record("export.vcard", "vault", vault.uuid,
                         {"format": fmt, "count": len(chosen), "people": [p.uuid for p in chosen]})
        destination.write(data)
        return Path("-"), len(chosen)
    target = vault.output_path(destination)
    with staged_file(target, data), vault.transaction():
        vault.record("export.vcard", "vault", vault.uuid,
                     {"format": fmt, "count": len(chosen), "people": [p.uuid for p in chosen], "notes": with_notes})
    return target, len(chosen)

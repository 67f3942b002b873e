"""What a parser hands to the planner: one candidate record per card or row, or why it failed.

Parsers never touch the vault. They turn bytes into ``SourceRecord`` objects (or a failure
with a reason), so vCard and CSV share the same duplicate detection, suppression check and
one-transaction apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vault.people import NewContactPoint, PersonFields

# Limits that keep a hostile or accidental giant file from eating memory.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_RECORD_BYTES = 1024 * 1024
MAX_PHOTO_BYTES = 512 * 1024
MAX_RECORDS = 100_000


@dataclass
class Photo:
    data: bytes
    mime_type: str


@dataclass
class SourceRecord:
    """One contact as read from the file, before validation against the vault."""

    full_name: str = ""
    given_name: str = ""
    family_name: str = ""
    organisation: str = ""
    title: str = ""
    headline: str = ""
    notes: str = ""
    kind: str = ""
    emails: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    phones: list[tuple[str, str]] = field(default_factory=list)
    addresses: list[tuple[str, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    photo: Photo | None = None
    warnings: list[str] = field(default_factory=list)
    #: Restrictions our own export wrote: (kind, value as read) -> (source, outreach).
    restrictions: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    sharing_policy: str = ""


@dataclass
class ParsedItem:
    """A card or a row: its position in the file, and either a record or the reason it failed."""

    index: int  # 1-based card number or data-row line number
    label: str  # "card 3" / "row 7"
    record: SourceRecord | None
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    #: A card that failed but whose FN line was read: the report names it instead of "(no name)".
    name: str = ""


@dataclass
class ParsedFile:
    format: str
    items: list[ParsedItem]
    encoding: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class PreparedRecord:
    """A record validated into the vault's own types (points normalised, name decided)."""

    fields: PersonFields
    points: list[NewContactPoint]
    tags: list[str]
    photo: Photo | None
    warnings: list[str]

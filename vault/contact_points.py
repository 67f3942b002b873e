"""Validation and normalisation of e-mails, phones, addresses and links.

Phones go through Google's libphonenumber port (``phonenumbers``) to E.164 where the number
parses; anything else is kept as typed, with its digits as the match key.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from .errors import ValidationError

if TYPE_CHECKING:
    import phonenumbers

KINDS = ("email", "phone", "address", "link")
SOURCES = (
    "given",
    "referral",
    "job-board",
    "public-profile",
    "imported-file",
    "old-document",
    "package",
    "other",
)
OUTREACH = ("ok", "do-not-contact")

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
MAX_VALUE = 500


def normalise_email(value: str, field: str = "email") -> str:
    value = value.strip()
    if not value:
        raise ValidationError(field, "is empty")
    if len(value) > 254 or not _EMAIL.match(value) or ".." in value:
        raise ValidationError(field, f"'{value}' is not a valid e-mail address")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


#: Phone parses remembered inside ``parsing_many()`` (None outside it). ``(value, region)`` ->
#: the parsed number, or None when it does not parse.
_phone_memo: ContextVar[dict[tuple[str, str], phonenumbers.PhoneNumber | None] | None] = ContextVar(
    "phone_memo", default=None)


@contextlib.contextmanager
def parsing_many(memo: dict[tuple[str, str], phonenumbers.PhoneNumber | None] | None = None) -> Iterator[None]:
    """For bulk work (an import's plan, then its apply): each number is validated, keyed and
    indexed, and libphonenumber's parse was a tenth of an import. Parses are remembered in
    ``memo`` (a new one when not given) for the block only, so no contact value outlives its
    holder; an import plan hands its memo to its apply."""
    if _phone_memo.get() is not None:
        yield
        return
    token = _phone_memo.set({} if memo is None else memo)
    try:
        yield
    finally:
        _phone_memo.reset(token)


def _memo_key(value: str, region: str) -> tuple[str, str]:
    # A number written with its country code parses the same whatever the default region.
    return (value, "") if value.startswith("+") else (value, region)


def parse_phone(value: str, region: str) -> phonenumbers.PhoneNumber | None:
    """``phonenumbers.parse``, or None when the text is not a number it can read.

    libphonenumber is imported here, on the first phone, not with this module: its metadata
    costs a command that never reads a phone (a CLI search, most commands) 40 ms of start-up.
    """
    import phonenumbers

    memo = _phone_memo.get()
    key = _memo_key(value, region)
    if memo is not None and key in memo:
        return memo[key]
    try:
        parsed: phonenumbers.PhoneNumber | None = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if memo is not None:
        memo[key] = parsed
    return parsed


def normalise_phone(value: str, region: str = "US", field: str = "phone") -> tuple[str, str]:
    """Return (display value, match key). The key is E.164 when the number parses."""
    value = value.strip()
    if not value:
        raise ValidationError(field, "is empty")
    digits = re.sub(r"\D", "", value)
    if len(digits) < 5 or len(digits) > 17:
        raise ValidationError(field, f"'{value}' does not look like a phone number")
    parsed = parse_phone(value, region)
    import phonenumbers  # imported by parse_phone already: a dictionary look-up

    if parsed is not None and phonenumbers.is_possible_number(parsed):
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        memo = _phone_memo.get()
        if memo is not None:  # the stored form is normalised (and indexed) again later
            memo.setdefault(_memo_key(e164, region), parsed)
        return e164, e164
    return value, digits


def normalise_link(value: str, field: str = "link") -> tuple[str, str]:
    value = value.strip()
    if not value:
        raise ValidationError(field, "is empty")
    candidate = value if "://" in value else f"https://{value}"
    parts = urlsplit(candidate)
    if parts.scheme.lower() not in ("http", "https") or "." not in parts.netloc:
        raise ValidationError(field, f"'{value}' is not a web link")
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    key = urlunsplit(("https", host, path, "", "")).lower()
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, "")), key


def normalise(kind: str, value: str, region: str = "US") -> tuple[str, str]:
    """Validate one contact point; return (stored value, normalised match key)."""
    if kind not in KINDS:
        raise ValidationError("kind", f"must be one of {', '.join(KINDS)}")
    if len(value) > MAX_VALUE:
        raise ValidationError(kind, f"is longer than {MAX_VALUE} characters")
    if kind == "email":
        email = normalise_email(value)
        return email, email.lower()
    if kind == "phone":
        return normalise_phone(value, region)
    if kind == "link":
        return normalise_link(value)
    text = " ".join(value.split())
    if not text:
        raise ValidationError("address", "is empty")
    return value.strip(), text.lower()

"""Resume intake: read a resume locally and suggest the new person's name, e-mails, phones and
profile links, for the user to review before anything is saved.

Text comes from ``extraction.extract_text`` (the limited child process); the rest is plain
pattern matching, so nothing leaves the machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from . import sniff
from .errors import ValidationError
from .extraction import ExtractionResult, extract_text

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]|,]+|(?:linkedin\.com|github\.com|gitlab\.com)/[^\s<>\"')\]|,]+",
                   re.IGNORECASE)
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'’.-]*(?:[-'’.][^\W\d_]+)*\.?$")
_NOT_A_NAME = {"resume", "résumé", "curriculum", "vitae", "cv", "profile", "summary", "contact", "experience",
               "education", "skills", "objective", "page", "about", "me", "personal", "information", "sample",
               "template", "name", "your"}
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


@dataclass
class IntakeSuggestion:
    full_name: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"full_name": self.full_name, "emails": self.emails, "phones": self.phones, "links": self.links,
                "warnings": self.warnings}


_HEADINGS = {"contact", "summary", "experience", "education", "skills", "objective", "profile", "about"}
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                         "\u2212": "-", "\u00ad": None, "\r": " "})


def _guess_name(lines: list[str]) -> str:
    for line in lines[:12]:
        text = " ".join(line.replace("|", " ").split())
        if text.lower().strip(":") in _HEADINGS:
            break  # past the header block: a place or a company is no name
        if not text or len(text) > 60 or _EMAIL.search(text) or any(ch.isdigit() for ch in text):
            continue
        words = text.split()
        if not 2 <= len(words) <= 4:
            continue
        if any(w.lower().strip(".:") in _NOT_A_NAME for w in words):
            continue
        if all(_NAME_WORD.match(w) and (w[0].isupper()) for w in words):
            return text.title() if text.isupper() else text
    return ""


def suggest_from_text(text: str, region: str = "US") -> IntakeSuggestion:
    text = _PRIVATE_USE.sub(" ", text).translate(_DASHES)  # Word's CR separators, soft hyphens, odd dashes
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    suggestion = IntakeSuggestion(full_name=_guess_name(lines))
    for match in _EMAIL.findall(text):
        if match.lower() not in (e.lower() for e in suggestion.emails):
            suggestion.emails.append(match)
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        formatted = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        digits = re.sub(r"\D", "", match.raw_string)
        if len(digits) >= 7 and formatted not in suggestion.phones:
            suggestion.phones.append(formatted)
    for match in _LINK.findall(text):
        link = match.rstrip(".;:")
        if "@" in link:
            continue
        if not link.lower().startswith("http"):
            link = "https://" + link
        if link.lower() not in (x.lower() for x in suggestion.links):
            suggestion.links.append(link)
    if not suggestion.full_name:
        suggestion.warnings.append("no name was recognised; type it in")
    return suggestion


def suggest_from_resume(data: bytes, file_name: str, region: str = "US"
                        ) -> tuple[IntakeSuggestion, tuple[str, ExtractionResult]]:
    """Suggestion plus the (mime, extraction) pair, so storing the resume need not extract again."""
    mime = sniff.sniff(data, file_name)
    result = extract_text(data, mime)
    if not result.ok:
        suggestion = IntakeSuggestion(warnings=[f"the text could not be read: {result.error}"])
    elif not result.text.strip():
        suggestion = IntakeSuggestion(warnings=["the document holds no text (a scan?); fill the form by hand"])
    else:
        suggestion = suggest_from_text(result.text, region)
    return suggestion, (mime, result)


def require_name(suggestion: IntakeSuggestion, override: str | None) -> str:
    name = (override or suggestion.full_name).strip()
    if not name:
        raise ValidationError("name", "none was found in the resume; give one with --name")
    return name

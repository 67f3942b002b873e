"""How the names of parties (recipients, senders, organisations) are checked, compared and shown.

A share is only as safe as the name it names: a package that calls itself "Rita Recruiter" with a
zero-width space, a doubled space or a Cyrillic "і" must not pass for Rita, and a right-to-left
override must not make a stamp read differently from the record. So:

- names typed or imported are refused when they hold bidi controls or invisible characters
  (Unicode Default_Ignorable_Code_Point, controls, separators);
- two names are *the same* when they are equal after NFKC, case folding and whitespace folding;
- two names *look alike* when their confusables skeletons (UTS #39) are equal. The skeleton
  tables are ICU's (``SpoofChecker.getSkeleton`` through PyICU), kept up to date with Unicode
  rather than copied here;
- text from outside that is shown anyway (a manifest on the terminal, a stored name in a stamp)
  goes through ``visible()``, which writes such characters as ``<U+202E>``.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import icu

from .errors import ValidationError

#: Joiners are part of the spelling in scripts that shape letters (Persian, Indic): allowed between
#: two letters of such a script, refused anywhere else.
_JOINERS = {"\u200c", "\u200d"}
_LATIN_LIKE = ("LATIN", "GREEK", "CYRILLIC", "ARMENIAN", "CHEROKEE")


@lru_cache(maxsize=1)
def _checker() -> icu.SpoofChecker:
    return icu.SpoofChecker()


def _is_ignorable(ch: str) -> bool:
    return bool(icu.Char.hasBinaryProperty(ch, icu.UProperty.DEFAULT_IGNORABLE_CODE_POINT))


def _is_bidi_control(ch: str) -> bool:
    return bool(icu.Char.hasBinaryProperty(ch, icu.UProperty.BIDI_CONTROL))


def _joins_letters(text: str, index: int) -> bool:
    """A ZWJ/ZWNJ between two letters of a shaping script (not Latin, Greek, Cyrillic…)."""
    if index == 0 or index == len(text) - 1:
        return False
    before, after = text[index - 1], text[index + 1]
    if not (before.isalpha() or unicodedata.category(before) == "Mn") or not after.isalpha():
        return False
    return not any(unicodedata.name(c, "").startswith(_LATIN_LIKE) for c in (before, after))


def unsafe_characters(text: str) -> list[str]:
    """The bidi controls and invisible characters in ``text``, as ``U+XXXX`` (empty when clean)."""
    if text.isascii() and text.isprintable():
        return []
    found: list[str] = []
    for index, ch in enumerate(text):
        if ch in (" ",):
            continue
        category = unicodedata.category(ch)
        bad = (_is_bidi_control(ch) or category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
               or _is_ignorable(ch))
        if bad and ch in _JOINERS and _joins_letters(text, index):
            bad = False
        if bad:
            code = f"U+{ord(ch):04X}"
            if code not in found:
                found.append(code)
    return found


def fold_spaces(text: str) -> str:
    """Every run of whitespace (tabs, no-break and ideographic spaces too) becomes one space."""
    return " ".join(text.split())


def clean_name(field: str, value: str) -> str:
    """A name as stored: canonical (NFC), whitespace folded, refused when it hides characters."""
    value = unicodedata.normalize("NFC", fold_spaces(value))
    bad = unsafe_characters(value)
    if bad:
        raise ValidationError(field, f"contains invisible or text-direction characters ({', '.join(bad)}), "
                              "which could make it look like another name")
    return value


def same_key(name: str) -> str:
    """Equal for names people read as the same text: NFKC, case folded, whitespace folded."""
    folded = unicodedata.normalize("NFKC", fold_spaces(name)).casefold()
    return unicodedata.normalize("NFKC", fold_spaces(folded))


def skeleton(name: str) -> str:
    """UTS #39 confusables skeleton of the folded name: equal skeletons look alike."""
    return str(_checker().getSkeleton(0, same_key(name)))


def same_name(a: str, b: str) -> bool:
    return same_key(a) == same_key(b)


def looks_like(a: str, b: str) -> bool:
    """The two names can be mistaken for each other but are not the same name."""
    return not same_name(a, b) and skeleton(a) == skeleton(b)


def visible(text: str) -> str:
    """``text`` with every bidi control, invisible or control character written as ``<U+XXXX>``."""
    if text.isascii() and text.isprintable():
        return text
    bad = set(unsafe_characters(text))
    if not bad:
        return text
    return "".join(f"<U+{ord(ch):04X}>" if f"U+{ord(ch):04X}" in bad else ch for ch in text)


def visible_lines(text: str) -> str:
    """``visible()`` for each line of a terminal message (newlines and tabs are layout, kept)."""
    return "\n".join("\t".join(visible(part) for part in line.split("\t")) for line in text.split("\n"))


def json_safe(text: str) -> str:
    """JSON text with bidi controls and invisible characters written as ``\\uXXXX`` escapes: the same
    data, but nothing on the terminal that reorders or hides what is shown."""
    if text.isascii():
        return text
    bad = set(unsafe_characters(text))
    if not bad:
        return text
    out = []
    for ch in text:
        if f"U+{ord(ch):04X}" in bad and ch not in "\n\t":
            out.append("".join(f"\\u{unit:04x}" for unit in _utf16(ch)))
        else:
            out.append(ch)
    return "".join(out)


def _utf16(ch: str) -> list[int]:
    data = ch.encode("utf-16-be")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]

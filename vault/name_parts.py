"""Given and family names from a full name, for people added with only ``--name``.

A vCard's ``N`` property and the list's sort order need the two parts; a recruiter typing
``--name "Jane Doe"`` should not have to repeat them. The split is a best guess by script and
punctuation, never a rule: ``--given-name``/``--family-name`` (or the app's fields) override it.
"""

from __future__ import annotations

import re
import unicodedata

#: Words before a family name that belong to it ("Ludwig van Beethoven", "Juan de la Cruz").
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "dos", "du", "la",
                        "le", "ter", "ten", "bin", "ibn", "al", "el", "af", "zu", "st.", "wa"})
_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "herr", "frau", "mme",
                         "mlle", "m"})
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "mba", "cpa"})


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    for script in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL"):
        if name.startswith(script) or f" {script}" in name:
            return script
    return "OTHER"


def _is_east_asian(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(_script(c) != "OTHER" for c in letters)


def split_full_name(full_name: str) -> tuple[str, str]:
    """``(given, family)``; either may be empty when the name gives no clue (a single word).

    - "Family, Given" (a comma) is taken as written.
    - Chinese, Japanese and Korean names are family name first: "山田 太郎" -> ("太郎", "山田");
      without a space, a Chinese or Korean name's first character is the family name.
    - Otherwise the last word is the family name, with particles before it ("van", "de la")
      and without titles or suffixes ("Dr.", "Jr.").
    """
    text = " ".join(full_name.split())
    if not text:
        return "", ""
    if "," in text:
        family, _, given = (part.strip() for part in text.partition(","))
        if family and given and _word_key(given) not in _SUFFIXES:
            return given, family
        text = family if _word_key(given) in _SUFFIXES else text.replace(",", " ")
    if _is_east_asian(text):
        parts = text.split(" ")
        if len(parts) > 1:
            return " ".join(parts[1:]), parts[0]
        if any(_script(c) in ("HIRAGANA", "KATAKANA") for c in text) or len(text) < 2:
            return "", ""  # a Japanese name without a space: no safe split
        return text[1:], text[0]
    words = [w for w in text.split(" ") if w]
    while len(words) > 1 and _word_key(words[0]) in _HONORIFICS:
        words.pop(0)
    while len(words) > 1 and _word_key(words[-1]) in _SUFFIXES:
        words.pop()
    if len(words) == 1:
        return words[0], ""
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def _word_key(word: str) -> str:
    return re.sub(r"[.\s]", "", word).lower()

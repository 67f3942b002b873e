"""Reading text of unknown encoding (import files, plain-text resumes): one set of rules.

Exporters write UTF-8 (with or without a BOM), UTF-16 (Outlook and Windows address books, with
a BOM, or without one but recognisable by the zero bytes of ASCII text) or, in old files,
Windows-1252. Undecodable bytes become U+FFFD: a damaged file reads with a few replacement
characters, never with an exception.
"""

from __future__ import annotations

UTF8_BOM = b"\xef\xbb\xbf"


def utf16_variant(data: bytes) -> str | None:
    """``utf-16`` (a BOM says which byte order), ``utf-16-le``/``-be`` (no BOM, ASCII's zero
    bytes give it away), or None for anything else."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        return "utf-16-le"
    if len(data) >= 4 and data[0] == 0 and data[2] == 0 and data[1] != 0:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """The text, and the name of the encoding that read it."""
    variant = utf16_variant(data)
    if variant is not None:
        return data.decode(variant, errors="replace"), variant
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(UTF8_BOM) else "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"

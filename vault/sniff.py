"""What a document really is, judged from its bytes, never from its name.

Five formats are accepted; their signatures are simple and stable, so a few lines of code
decide them without a libmagic dependency (which would not tell DOCX from any other zip).
"""

from __future__ import annotations

import io
import zipfile

from .errors import UnsupportedDocument

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
RTF = "application/rtf"
TEXT = "text/plain"
ACCEPTED = (PDF, DOCX, ODT, RTF, TEXT)
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", ODT: ".odt", RTF: ".rtf", TEXT: ".txt"}


def sniff(data: bytes, name: str = "document") -> str:
    """Return the MIME type of ``data`` or raise ``UnsupportedDocument``."""
    if not data:
        raise UnsupportedDocument(name, "the file is empty")
    if b"%PDF-" in data[:1024]:  # readers accept leading junk up to 1 KB before the header
        return PDF
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        return _sniff_zip(data, name)
    if data.lstrip()[:5] == b"{\\rtf":
        return RTF
    if _looks_like_text(data):
        return TEXT
    raise UnsupportedDocument(name, "its content is not a known document format")


def _sniff_zip(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].strip()
                if mimetype == ODT.encode():
                    return ODT
            if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
                return DOCX
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError) as exc:
        raise UnsupportedDocument(name, "it is a damaged zip archive") from exc
    raise UnsupportedDocument(name, "it is a zip archive but not a DOCX or ODT document")


def _looks_like_text(data: bytes) -> bool:
    sample = data[:65536]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            sample.decode("utf-16")
            return True
        except UnicodeDecodeError:
            return False
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4:  # cut in the middle of a character by the sample
            return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls == 0  # cp1252 / latin-1 text

"""One set of rules reads import files and plain-text resumes of unknown encoding."""

from __future__ import annotations

import pytest

from vault.extraction import extract_in_this_process
from vault.importing.csv_import import parse_csv
from vault.importing.vcard import parse_vcards
from vault.sniff import TEXT
from vault.text_decoding import decode_text, utf16_variant

CSV = "First Name,Last Name,E-mail Address\nZoë,Ångström,zoe@example.com\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (("\ufeff" + CSV).encode("utf-16-le"), "utf-16"),
    (("\ufeff" + CSV).encode("utf-16-be"), "utf-16"),
    (CSV.encode("utf-16-le"), "utf-16-le"),
    (CSV.encode("utf-16-be"), "utf-16-be"),
    (b"\xef\xbb\xbf" + CSV.encode(), "utf-8-sig"),
    (CSV.encode(), "utf-8"),
    (CSV.encode("cp1252"), "cp1252"),
])
def test_every_encoding_an_exporter_writes_reads_back(data: bytes, encoding: str) -> None:
    assert decode_text(data) == (CSV, encoding)


@pytest.mark.parametrize("data", [b"\xfe\xff\x00", b"\xff\xfe\x00", b"\xff\xfeA\x00B", b"A\x00B\x00\x00\xd8"])
def test_broken_utf16_reads_with_replacement_characters_never_an_exception(data: bytes) -> None:
    """Found by Hypothesis: a UTF-16 BOM and an odd byte raised UnicodeDecodeError in the CSV
    and vCard readers, where only typed errors may come out."""
    assert utf16_variant(data) is not None
    text, _ = decode_text(data)
    assert "\ufffd" in text
    parse_csv(data, "csv", None)
    parse_vcards(data)


def test_plain_text_resumes_use_the_same_rules() -> None:
    text = "Zoë Ångström\nSenior engineer"
    assert extract_in_this_process(("\ufeff" + text).encode("utf-16-le"), TEXT).strip() == text
    assert extract_in_this_process(text.encode("cp1252"), TEXT).strip() == text

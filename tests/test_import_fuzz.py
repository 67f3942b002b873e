"""No exception escapes the parsers: arbitrary bytes and mangled vCard/CSV text give records or
per-item failures, never a traceback (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault.errors import VaultError
from vault.importing import apply_plan, plan_import
from vault.importing.csv_import import parse_csv
from vault.importing.vcard import parse_vcards

PIECES = ["BEGIN:VCARD", "END:VCARD", "VERSION:2.1", "VERSION:4.0", "FN:", "N:", ";", ":", ",", "=", "\\",
          "\r\n", "\n", " ", "\t", "item1.", "EMAIL;TYPE=work:", "TEL;CELL:", "ENCODING=QUOTED-PRINTABLE",
          ";CHARSET=UTF-8", "=C3=91", "=\r\n", "PHOTO;ENCODING=b:", "iVBORw0KGgo=", "data:image/png;base64,",
          "CATEGORIES:", "ORG:", "NOTE:", "ADR:;;", '"', "é", "\x00", "\ufeff", "a@b.co", "+1 415 555 0100"]

vcardish = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
csvish = st.lists(st.sampled_from(["First Name", "Last Name", "E-mail Address", "Notes:", ",", ";", "\t", '"',
                                   "\n", "\r\n", "Ann", "a@b.co", "+44 20 7946 0000", "é", "\x00", " ::: "]),
                  max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=400), vcardish.map(lambda t: t.encode("utf-8")),
                 vcardish.map(lambda t: t.encode("utf-16"))))
def test_vcard_parser_never_raises(data: bytes) -> None:
    parsed = parse_vcards(data)
    for item in parsed.items:
        assert item.record is not None or item.error


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=400), csvish.map(lambda t: t.encode("utf-8")),
                 csvish.map(lambda t: t.encode("cp1252", errors="replace"))))
def test_csv_parser_never_raises_beyond_a_typed_error(data: bytes) -> None:
    try:
        parsed = parse_csv(data)
    except VaultError:
        return
    for item in parsed.items:
        assert item.record is not None or item.error


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vcardish)
def test_planning_and_applying_never_raise(vault, text: str) -> None:
    try:
        plan = plan_import(vault, text.encode("utf-8"), "fuzz.vcf")
    except VaultError:
        return
    for row in plan.rows:
        assert row.outcome != "failed" or row.reason
    apply_plan(vault, plan)
    assert all(r.person_uuid for r in plan.rows if r.outcome in ("new", "merge", "duplicate"))

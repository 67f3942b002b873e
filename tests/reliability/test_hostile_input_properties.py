"""Property tests over hostile input: vCard and CSV import, package verification and import.

Whatever bytes arrive, the only exceptions allowed out of the core are the typed VaultError
family; and a package that was tampered with in any way never verifies or imports.
"""

from __future__ import annotations

import base64
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault import sharing
from vault.errors import VaultError
from vault.importing import plan_import
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

CARD_LINES = st.sampled_from([
    b"BEGIN:VCARD", b"END:VCARD", b"VERSION:2.1", b"VERSION:3.0", b"VERSION:4.0", b"FN:Ann Example",
    b"N:Example;Ann;;;", b"EMAIL;TYPE=WORK:ann@example.org", b"EMAIL:not an email", b"TEL;CELL:+1 415 555 0100",
    b"TEL:12", b"item1.EMAIL;type=INTERNET:x@y.example", b"item1.X-ABLabel:Other", b"ORG:Acme;Dept",
    b"TITLE:Boss", b"CATEGORIES:a,b,,c", b"NOTE;ENCODING=QUOTED-PRINTABLE:caf=C3=A9=", b"=0D=0Aline",
    b"PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQ", b"PHOTO;VALUE=uri:http://example.invalid/x.jpg",
    b"ADR;TYPE=HOME:;;1 Main St;Springfield;;12345;USA", b"URL:https://example.org/ann", b" folded continuation",
    b"\tfolded tab", b"FN;CHARSET=ISO-8859-1:Ren\xe9", b"FN:\xff\xfe\x00bad utf8", b"X-UNKNOWN;;;:::", b"",
    b"BEGIN:VCARD\r\nBEGIN:VCARD", b":", b";;;", b"N:" + b";" * 40,
])


def _expect_typed(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except VaultError:
        return None


@SETTINGS
@given(st.lists(CARD_LINES, max_size=40), st.sampled_from([b"\r\n", b"\n"]))
def test_vcard_import_plans_never_raise_untyped(vault, lines, newline):
    data = newline.join(lines)
    plan = _expect_typed(plan_import, vault, data, "fuzz.vcf", fmt="vcard")
    if plan is not None:
        assert len(plan.rows) >= 0


@SETTINGS
@given(st.binary(max_size=2000))
def test_vcard_import_of_random_bytes(vault, data):
    _expect_typed(plan_import, vault, b"BEGIN:VCARD\r\n" + data + b"\r\nEND:VCARD\r\n", "random.vcf", fmt="vcard")


CSV_CELLS = st.one_of(st.text(max_size=30), st.sampled_from(["ann@example.org", "+1 415 555 0100", "=cmd|'/c calc'!A1",
                                                             "\"quoted, comma\"", "Notes:", "First Name"]))


@SETTINGS
@given(st.lists(st.lists(CSV_CELLS, min_size=1, max_size=8), max_size=20),
       st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
       st.sampled_from(["csv", "linkedin", "google", "outlook", None]))
def test_csv_import_plans_never_raise_untyped(vault, rows, delimiter, encoding, fmt):
    text = "\n".join(delimiter.join(row) for row in rows)
    data = text.encode(encoding, errors="replace")
    _expect_typed(plan_import, vault, data, "fuzz.csv", fmt=fmt)


@SETTINGS
@given(st.binary(max_size=3000))
def test_csv_import_of_random_bytes(vault, data):
    _expect_typed(plan_import, vault, data, "random.csv", fmt="csv")


# --- packages --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_package(tmp_path_factory, template_vault) -> tuple[bytes, str]:
    import shutil

    from vault.config import AppConfig

    folder = tmp_path_factory.mktemp("pkg")
    path = folder / "sender.cvault"
    shutil.copyfile(template_vault[0], path)
    vault = Vault.open(path, raw_key=template_vault[1], config=AppConfig(folder / "cfg"))
    try:
        person = vault.people.add(PersonFields(full_name="Packaged Person"),
                                  [NewContactPoint("email", "packaged@example.org")])
        # Addressed to the receiving vault's owner (the same template key), so the import gets as far as the bytes.
        vault.recipients.add("Prop Recipient", email="prop@client.example",
                             public_key=vault.owner.identity.minisign_base64())
        from tests.helpers.docs_factory import make_pdf

        doc = vault.documents.add_bytes(person.uuid, make_pdf(["Resume of Packaged Person"], pages=2), "cv.pdf")
        vault.authorisations.log(person.uuid, recipient="Prop Recipient", scope=["resume", "email"],
                                 purpose="Property testing", method="written", obtained_at="2026-01-01")
        result = sharing.build_share(vault, person.uuid, "Prop Recipient", [f"document:{doc.uuid}", "email"],
                                     folder / "good.zip")
        return result.path.read_bytes(), vault.owner.identity.minisign_base64()
    finally:
        vault.close()


NOW = "2026-03-01T09:30:00.000Z"


def _entries(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _rezip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_the_untouched_package_verifies(good_package, tmp_path):
    archive, key = good_package
    path = tmp_path / "ok.zip"
    path.write_bytes(archive)
    assert sharing.verify_package(path, sender_key=key, now=NOW).ok


@SETTINGS
@given(data=st.data())
def test_any_change_to_any_file_of_a_package_is_rejected(good_package, tmp_path, data):
    archive, key = good_package
    entries = _entries(archive)
    name = data.draw(st.sampled_from(sorted(entries)))
    content = entries[name]
    position = data.draw(st.integers(0, max(0, len(content) - 1)))
    mask = data.draw(st.integers(1, 255))
    changed = bytearray(content)
    if changed:
        changed[position] ^= mask
    else:
        changed = bytearray(b"x")
    entries[name] = bytes(changed)
    path = tmp_path / "tampered.zip"
    path.write_bytes(_rezip(entries))
    report = sharing.verify_package(path, sender_key=key, now=NOW)
    assert not report.ok
    assert report.problems


@SETTINGS
@given(st.binary(min_size=0, max_size=4000))
def test_random_bytes_as_a_package_are_refused(tmp_path, data):
    path = tmp_path / "random.zip"
    path.write_bytes(data)
    report = sharing.verify_package(path, now=NOW)
    assert not report.ok


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_importing_a_mangled_package_writes_nothing(vault, good_package, tmp_path, data):
    archive, key = good_package
    position = data.draw(st.integers(0, len(archive) - 1))
    mangled = bytearray(archive)
    mangled[position] ^= data.draw(st.integers(1, 255))
    path = tmp_path / "mangled.zip"
    path.write_bytes(bytes(mangled))
    before = vault.conn.execute("SELECT count(*) FROM people").fetchone()[0]
    try:
        sharing.import_package(vault, path, sender_key=key)
        imported = True
    except VaultError:
        imported = False
    after = vault.conn.execute("SELECT count(*) FROM people").fetchone()[0]
    if imported:
        # Only a change outside every file's bytes (zip metadata such as a timestamp) can pass.
        assert _entries(bytes(mangled)) == _entries(archive)
        vault.people.delete(vault.people.list_ids(limit=1)[0])
    else:
        assert after == before


# --- extreme vCards --------------------------------------------------------------------------


def test_vcard_with_a_50_mb_photo_is_reported_not_fatal(vault):
    photo = base64.b64encode(b"\xff\xd8\xff" + b"\0" * (50 * 1024 * 1024))
    data = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Huge Photo\r\nPHOTO;ENCODING=b;TYPE=JPEG:" + photo +
            b"\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Small Card\r\nEND:VCARD\r\n")
    try:
        plan = plan_import(vault, data, "huge.vcf", fmt="vcard")
    except VaultError as exc:
        assert "MB" in str(exc)  # refused as a whole file, with the limit named
        return
    outcomes = {row.label: row.outcome for row in plan.rows}
    assert outcomes.get("Small Card") == "new"
    assert any(row.outcome == "failed" or row.warnings for row in plan.rows)


def test_vcard_with_invalid_utf8_is_imported_or_reported(vault):
    data = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad \xff\xfe Bytes\r\nEMAIL:bad@example.org\r\nEND:VCARD\r\n"
    plan = plan_import(vault, data, "bad.vcf", fmt="vcard")
    assert len(plan.rows) == 1
    assert plan.rows[0].outcome in ("new", "failed")


@pytest.mark.slow
def test_a_hundred_thousand_cards(vault, tmp_path):
    cards = b"".join(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bulk Person %d\r\nEMAIL:bulk%d@example.net\r\nORG:Firm %d\r\nEND:VCARD\r\n"
        % (i, i, i) for i in range(100_000))
    try:
        plan = plan_import(vault, cards, "bulk.vcf", fmt="vcard")
    except VaultError as exc:
        assert "cards" in str(exc) or "MB" in str(exc)  # a stated limit, not a crash
        return
    assert len(plan.rows) == 100_000 or any(row.outcome == "failed" for row in plan.rows)



def test_an_oversized_card_inside_an_acceptable_file_is_skipped_with_a_reason(vault):
    photo = base64.b64encode(b"\xff\xd8\xff" + b"\0" * (25 * 1024 * 1024))
    data = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big Photo\r\nPHOTO;ENCODING=b;TYPE=JPEG:" + photo +
            b"\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Small Card\r\nEND:VCARD\r\n")
    plan = plan_import(vault, data, "big.vcf", fmt="vcard")
    by_outcome = {row.outcome: row for row in plan.rows}
    assert by_outcome["new"].label == "card 2"  # labels name the card by its position
    assert "failed" in by_outcome and by_outcome["failed"].reason

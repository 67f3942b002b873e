"""Acceptance: export → import into a new vault gives the same people, contact points, tags and
notes, in vCard 4.0 and 3.0. The exported files are also read back with vobject, an
independent parser, so they are valid vCards and not only readable by our own importer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import vobject

from tests.conftest import corpus_file
from tests.helpers.contact_files import folded_utf8_vcard
from vault import audit
from vault.config import AppConfig
from vault.importing import apply_plan, plan_import, read_import_file
from vault.people import NewContactPoint, PersonFields
from vault.store import Vault
from vault.vcard_export import export_vcards


def snapshot(vault: Vault) -> list[tuple]:
    out = []
    for (person_id,) in vault.conn.execute("SELECT id FROM people").fetchall():
        p = vault.people.get(person_id)
        points = sorted((c.kind, c.normalized, c.label) for c in p.contact_points)
        out.append((p.kind, p.full_name, p.given_name, p.family_name, p.organisation, p.title, p.headline,
                    p.notes, tuple(sorted(t.lower() for t in p.tags)), tuple(points)))
    return sorted(out)


def fill(vault: Vault) -> None:
    vault.people.add(
        PersonFields(full_name="Zoë O'Brien-Łukasz, Jr.", given_name="Zoë", family_name="O'Brien-Łukasz",
                     organisation="Acme; Widgets, Inc.", title="VP, Engineering", headline="Builds teams",
                     notes="Line one\nLine two; with, punctuation \\ and a backslash", kind="candidate"),
        [NewContactPoint("email", "zoe@example.org", label="work"), NewContactPoint("email", "zoe.home@example.net"),
         NewContactPoint("phone", "+44 20 7946 0018", label="cell"), NewContactPoint("phone", "555-0100 ext 9"),
         NewContactPoint("address", "1 Long Road, Flat 2; Leeds, LS1 1AA", label="home"),
         NewContactPoint("link", "https://www.linkedin.com/in/zoe-obrien")],
        ["Python", "hiring, 2026", "Ünïcode tag"])
    vault.people.add(PersonFields(full_name="塚本 健", organisation="株式会社テスト", kind="contact",
                                  notes="Very long note " * 30),
                     [NewContactPoint("email", "ken@example.jp")], ["日本"])
    for path in (corpus_file("vcard/ezvcard__John_Doe_EVOLUTION.vcf"), corpus_file("csv/foldmark__google.csv")):
        apply_plan(vault, plan_import(vault, read_import_file(path), path.name))
    # UTF-8 folded inside a character, made here (the corpus example, kcontacts' vcard9, is LGPL).
    apply_plan(vault, plan_import(vault, folded_utf8_vcard(), "folded.vcf"))


@pytest.mark.parametrize("fmt", ["vcard4", "vcard3"])
def test_round_trip_loses_nothing(vault, template_vault, tmp_path, clock, fmt) -> None:
    fill(vault)
    out = tmp_path / f"all.{fmt}.vcf"
    path, count = export_vcards(vault, None, out, fmt, with_notes=True)  # notes only when asked
    assert count == vault.people.count() == 7
    event = audit.query_events(vault.conn, actions=["export.vcard"])[0]
    assert event.details["count"] == 7 and event.details["format"] == fmt

    other_path = tmp_path / "other.cvault"
    shutil.copyfile(template_vault[0], other_path)
    other = Vault.open(other_path, raw_key=template_vault[1], clock=clock, config=AppConfig(tmp_path / "cfg2"))
    try:
        plan = plan_import(other, out.read_bytes(), out.name)
        assert plan.counts()["new"] == 7 and plan.counts()["failed"] == 0
        apply_plan(other, plan)
        assert snapshot(other) == snapshot(vault)
        # Importing the export into the original vault matches everyone.
        back = plan_import(vault, out.read_bytes(), out.name).counts()
        assert back["duplicate"] == 7 and back["new"] == 0
    finally:
        other.close()

    cards = list(vobject.readComponents(out.read_text("utf-8")))
    assert len(cards) == 7
    names = sorted(c.fn.value for c in cards)
    assert "Zoë O'Brien-Łukasz, Jr." in names
    zoe = next(c for c in cards if c.fn.value.startswith("Zoë"))
    assert zoe.note.value == "Line one\nLine two; with, punctuation \\ and a backslash"
    assert sorted(e.value for e in zoe.contents["email"]) == ["zoe.home@example.net", "zoe@example.org"]


def test_export_chosen_people_only_and_lines_are_folded(vault, tmp_path) -> None:
    fill(vault)
    ken = vault.people.get(vault.search.query("ken").ids[0])
    out = tmp_path / "ken.vcf"
    export_vcards(vault, [ken.uuid], out, "vcard4")
    raw = out.read_bytes()
    assert raw.count(b"BEGIN:VCARD") == 1
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert raw.decode("utf-8")  # folding never split a UTF-8 character
    assert Path(out).stat().st_size == len(raw)

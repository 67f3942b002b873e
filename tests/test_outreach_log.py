"""Outreach log: outcomes, do-not-contact refusal, old-document flag, unanswered-attempt warning."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import CLI, cli_env
from vault import audit
from vault.errors import OutreachBlocked, ValidationError
from vault.people import NewContactPoint, PersonFields


@pytest.fixture
def person(vault):
    return vault.people.add(
        PersonFields(full_name="Pat Caller", kind="contact"),
        [NewContactPoint("phone", "+1 415 555 0111"), NewContactPoint("email", "pat@example.com"),
         NewContactPoint("phone", "+1 415 555 0122", outreach="do-not-contact"),
         NewContactPoint("email", "pat@oldjob.example", source="old-document")])


def test_log_and_list(vault, person, clock) -> None:
    entry, warnings = vault.outreach.log(person.uuid, "call", "reached", point="+14155550111", note="intro call")
    assert warnings == []
    clock.advance(hours=1)
    vault.outreach.log(person.uuid, "meeting", "meeting-booked")
    listed = vault.outreach.list(person.uuid)
    assert [e.channel for e in listed] == ["meeting", "call"]
    assert listed[1].contact_value == "+14155550111" and listed[1].note == "intro call"
    event = audit.query_events(vault.conn, actions=["outreach.logged"])[-1]
    assert event.subject_id == person.uuid and "intro call" not in json.dumps(event.details)


def test_do_not_contact_point_is_refused_unless_overridden(vault, person) -> None:
    before = vault.outreach.check(person.uuid, "+14155550122")
    assert [w.code for w in before] == ["do-not-contact"]
    with pytest.raises(OutreachBlocked, match="do-not-contact"):
        vault.outreach.log(person.uuid, "call", "no-answer", point="+14155550122")
    assert vault.outreach.list(person.uuid) == []
    entry, warnings = vault.outreach.log(person.uuid, "call", "reached", point="+14155550122", override=True)
    assert any(w.code == "do-not-contact" for w in warnings)
    event = audit.query_events(vault.conn, actions=["outreach.logged"])[0]
    assert event.details["override_do_not_contact"] is True


def test_old_document_points_are_flagged(vault, person) -> None:
    warnings = vault.outreach.check(person.uuid, channel="email")
    assert [w.code for w in warnings] == ["old-document"]


def test_warning_after_three_unanswered_within_thirty_days(vault, person, clock) -> None:
    for _ in range(2):
        _, warnings = vault.outreach.log(person.uuid, "call", "no-answer", point="+14155550111")
        assert warnings == []
        clock.advance(days=3)
    _, warnings = vault.outreach.log(person.uuid, "email", "no-reply", point="pat@example.com")
    assert [w.code for w in warnings] == ["unanswered"]
    assert "3 unanswered attempts" in warnings[0].message
    clock.advance(days=31)
    assert vault.outreach.check(person.uuid, "+14155550111") == []


def test_bad_input_is_a_clear_error(vault, person) -> None:
    with pytest.raises(ValidationError, match="channel"):
        vault.outreach.log(person.uuid, "fax", "reached")
    with pytest.raises(ValidationError, match="outcome"):
        vault.outreach.log(person.uuid, "call", "maybe")
    with pytest.raises(ValidationError, match="cannot be used"):
        vault.outreach.log(person.uuid, "call", "reached", point="pat@example.com")
    with pytest.raises(ValidationError, match="not one of"):
        vault.outreach.log(person.uuid, "call", "reached", point="+1 999")


def test_cli_outreach(vault, person, tmp_path) -> None:
    vault.close()
    env = cli_env(vault.path, tmp_path / "cfg")
    blocked = subprocess.run([*CLI, "outreach", "log", person.uuid[:8], "--channel", "call", "--outcome",
                              "no-answer", "--point", "+14155550122"], env=env, capture_output=True, text=True)
    assert blocked.returncode == 1 and "do-not-contact" in blocked.stderr
    assert "Traceback" not in blocked.stderr
    logged = subprocess.run([*CLI, "outreach", "log", person.uuid[:8], "--channel", "email", "--outcome",
                             "replied", "--point", "pat@example.com", "--json"], env=env, capture_output=True, text=True)
    assert logged.returncode == 0, logged.stderr
    assert json.loads(logged.stdout)["id"]
    listed = subprocess.run([*CLI, "outreach", "list", person.uuid[:8]], env=env, capture_output=True, text=True)
    assert "replied" in listed.stdout
    check = subprocess.run([*CLI, "outreach", "check", person.uuid[:8]], env=env, capture_output=True, text=True)
    assert "do-not-contact" in check.stdout and "old document" in check.stdout

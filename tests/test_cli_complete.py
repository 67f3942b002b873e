"""The command line, complete and exact (issue 22): every operation through the real CLI in a
subprocess, JSON errors, date checks on authorisations, ids printed, names split."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import CLI, cli_env, corpus_file

RESUME = corpus_file("resumes/careerrag__sample-resume.pdf")


def run(env, *args, code=0):
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == code, (args, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def jrun(env, *args, code=0):
    result = run(env, *args, "--json", code=code)
    return json.loads(result.stdout)


def day(offset: int) -> str:
    return (datetime.now(UTC) + timedelta(days=offset)).date().isoformat()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli22")
    environment = cli_env(folder / "vault.cvault", folder / "config")
    run(environment, "init", "--name", "Rita Recruiter", "--org", "Northwind")
    return environment


@pytest.fixture(scope="module")
def jane(env):
    return jrun(env, "person", "add", "--name", "Jane Doe", "--email", "jane@example.org")["id"]


@pytest.fixture(scope="module")
def bob(env):
    return jrun(env, "recipient", "add", "Bob Client", "--email", "bob@acme.example", "--organisation", "Acme")["id"]


# --- --json errors: one object on stdout, the sentence on stderr -----------------------------


def test_json_error_not_found(env):
    result = run(env, "person", "show", "nobody", "--json", code=1)
    error = json.loads(result.stdout)["error"]
    assert error == {"kind": "NotFound", "condition": "not-found", "message": "No person matches 'nobody'.",
                     "exit_code": 1}
    assert result.stderr.strip() == "contact-vault: No person matches 'nobody'."


def test_json_error_usage_exits_2(env):
    result = run(env, "--json", "person", "frobnicate", code=2)
    error = json.loads(result.stdout)["error"]
    assert error["kind"] == "UsageError" and error["condition"] == "usage" and error["exit_code"] == 2
    assert len(result.stderr.strip().splitlines()) == 1
    plain = run(env, "person", "frobnicate", code=2)
    assert plain.stdout == "" and "usage:" in plain.stderr


def test_json_error_refused_share_names_the_condition(env, jane, bob, tmp_path):
    result = run(env, "share", jane, "--recipient", bob, "--fields", "email", "--no-resume",
                 "--out", str(tmp_path / "p.zip"), "--json", code=1)
    error = json.loads(result.stdout)["error"]
    assert error["kind"] == "ShareNotAuthorised" and error["condition"] == "no-authorisation"
    assert error["message"].startswith("Share refused:")
    assert result.stderr.startswith("contact-vault: Share refused:")


def test_json_error_validation_names_the_field(env):
    error = jrun(env, "erase", "00000000", code=1)["error"]
    assert error["kind"] == "ValidationError" and error["field"] == "--yes"


def test_json_error_keeps_the_report_beside_it(env, tmp_path):
    data = jrun(env, "audit", "verify", str(tmp_path / "missing.jsonl"), code=1)
    assert data["ok"] is False and data["error"]["kind"] == "AuditExportInvalid"


# --- authorise: no window already over, no consent from the future, a warning when short -----


def _authorise(env, person, recipient, obtained, until, code=0, *extra):
    return run(env, "authorise", person, "--recipient", recipient, "--scope", "email", "--purpose", "Staff Engineer",
               "--method", "email", "--obtained", obtained, "--valid-until", until, *extra, code=code)


def test_authorise_refuses_an_ended_window(env, jane, bob):
    result = _authorise(env, jane, bob, day(-100), day(-1), 1)
    assert result.stderr.count("\n") == 1 and "valid until: the window ended on" in result.stderr
    assert jrun(env, "authorisations", jane) == []


def test_authorise_refuses_an_obtained_date_in_the_future(env, jane, bob):
    result = _authorise(env, jane, bob, day(3), day(90), 1)
    assert result.stderr.strip() == f"contact-vault: obtained: {day(3)} is in the future; log consent once it " \
                                    "has been given"


def test_authorise_warns_when_the_window_ends_within_a_week(env, jane, bob):
    result = _authorise(env, jane, bob, day(0), day(5), 0, "--json")
    data = json.loads(result.stdout)
    assert data["warnings"] == [f"this authorisation ends on {day(5)}, within 7 days"]
    assert "warning: this authorisation ends on" in result.stderr
    result = _authorise(env, jane, bob, day(0), day(90))
    assert "warning" not in result.stdout + result.stderr


# --- the small fixes -------------------------------------------------------------------------


def test_resume_add_prints_the_document_id(env, jane):
    result = run(env, "resume", "add", jane, str(RESUME))
    doc = jrun(env, "resume", "list", jane)[0]
    assert f"document id {doc['id']}" in result.stdout


@pytest.mark.parametrize(("name", "given", "family"), [
    ("Jane Doe", "Jane", "Doe"),
    ("Doe, Jane", "Jane", "Doe"),
    ("Dr. Amara Okafor PhD", "Amara", "Okafor"),
    ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
    ("Иван Петров", "Иван", "Петров"),
    ("Γιώργος Παπαδόπουλος", "Γιώργος", "Παπαδόπουλος"),
    ("山田 太郎", "太郎", "山田"),
    ("王小明", "小明", "王"),
    ("김민준", "민준", "김"),
    ("Madonna", "Madonna", ""),
])
def test_names_are_split_in_several_scripts_and_orders(name, given, family):
    from vault.name_parts import split_full_name

    assert split_full_name(name) == (given, family)


def test_person_add_splits_the_name_for_the_vcard(env, tmp_path):
    person = jrun(env, "person", "add", "--name", "Amara Okafor", "--email", "amara@example.org")
    assert (person["given_name"], person["family_name"]) == ("Amara", "Okafor")
    kept = jrun(env, "person", "add", "--name", "Kim Min-jun", "--given-name", "Min-jun", "--family-name", "Kim")
    assert (kept["given_name"], kept["family_name"]) == ("Min-jun", "Kim")
    out = tmp_path / "amara.vcf"
    run(env, "export", "--person", person["id"], "--out", str(out))
    assert "N:Okafor;Amara;;;" in out.read_text()


def test_a_locked_contact_refusal_gives_the_command(env, bob, tmp_path):
    contact = jrun(env, "person", "add", "--name", "Hana Lee", "--kind", "contact", "--email", "hana@example.org")
    result = run(env, "share", contact["id"], "--recipient", bob, "--fields", "email", "--no-resume",
                 "--out", str(tmp_path / "x.zip"), code=1)
    assert f"contact-vault person edit {contact['id'][:8]} --policy on-authorisation" in result.stderr


def test_the_import_report_names_an_unterminated_card(env, tmp_path):
    cards = "".join(f"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Person {n}\r\nEND:VCARD\r\n" for n in range(1, 5))
    cards += "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Zofia Nowak\r\nEMAIL:zofia@example.org\r\n"
    path = tmp_path / "five.vcf"
    path.write_text(cards)
    report = run(env, "import", str(path), "--dry-run").stdout
    line = next(x for x in report.splitlines() if "card 5" in x)
    assert "Zofia Nowak" in line and "(no name)" not in line and "without END:VCARD" in line
    rows = jrun(env, "import", str(path), "--dry-run")["rows"]
    assert rows[4]["name"] == "Zofia Nowak" and rows[4]["outcome"] == "failed"


# --- the operations the app had and the command line lacked ----------------------------------


def _actions(env, action, person=None):
    args = ["audit", "list", "--action", action, "--limit", "500"]
    if person:
        args += ["--person", person]
    return jrun(env, *args)["events"]


def test_resume_default_remove_and_show(env, tmp_path):
    person = jrun(env, "person", "add", "--name", "Lars Berg")["id"]
    first = tmp_path / "first.txt"
    first.write_text("Lars Berg, platform engineer, Rust and Kubernetes\n")
    second = tmp_path / "second.txt"
    second.write_text("Lars Berg, staff engineer\n")
    v1 = jrun(env, "resume", "add", person, str(first))
    v2 = jrun(env, "resume", "add", person, str(second))
    assert [d["is_default"] for d in jrun(env, "resume", "list", person)] == [True, False]
    made = jrun(env, "resume", "default", v1["id"][:8])
    assert made["is_default"] is True and made["version"] == 1
    assert {d["id"]: d["is_default"] for d in jrun(env, "resume", "list", person)} == {v1["id"]: True,
                                                                                      v2["id"]: False}
    shown = run(env, "resume", "show", v1["id"])
    assert "platform engineer" in shown.stdout
    viewed = _actions(env, "document.viewed", person)
    assert [e["details"]["document"] for e in viewed] == [v1["id"]]
    refused = jrun(env, "resume", "remove", v2["id"], code=1)["error"]
    assert refused["field"] == "--yes"
    run(env, "resume", "remove", v2["id"], "--yes")
    assert [d["id"] for d in jrun(env, "resume", "list", person)] == [v1["id"]]
    assert [e["details"]["document"] for e in _actions(env, "document.removed", person)] == [v2["id"]]
    assert jrun(env, "resume", "show", v2["id"], code=1)["error"]["kind"] == "NotFound"


def test_audit_list_and_show(env, jane):
    listed = jrun(env, "audit", "list", "--limit", "3")
    seqs = [e["seq"] for e in listed["events"]]
    assert len(seqs) == 3 and seqs == sorted(seqs, reverse=True)
    older = jrun(env, "audit", "list", "--limit", "2", "--before", str(seqs[-1]))["events"]
    assert [e["seq"] for e in older] == [seqs[-1] - 1, seqs[-1] - 2]
    created = jrun(env, "audit", "list", "--person", jane, "--action", "person.created")["events"]
    assert len(created) == 1 and created[0]["subject_name"] == "Jane Doe"
    one = jrun(env, "audit", "show", str(created[0]["seq"]))
    assert one["hash"] == created[0]["hash"] and one["action"] == "person.created"
    human = run(env, "audit", "list", "--person", jane, "--action", "person.created").stdout
    assert f"#{created[0]['seq']}" in human and "Jane Doe" in human
    assert jrun(env, "audit", "show", "999999", code=1)["error"]["kind"] == "NotFound"
    assert jrun(env, "audit", "list", "--action", "no.such", code=1)["error"]["field"] == "action"
    head = jrun(env, "audit", "list", "--limit", "1")["events"][0]["seq"]
    assert head == jrun(env, "audit", "list", "--limit", "1")["events"][0]["seq"], "reading added events"


def test_recipient_and_organisation_remove_deletes_or_retires(env, tmp_path):
    spare = jrun(env, "recipient", "add", "Spare Person", "--organisation", "Spare Org")
    gone = jrun(env, "recipient", "remove", spare["id"])
    assert gone["outcome"] == "deleted"
    assert jrun(env, "recipient", "show", spare["id"], code=1)["error"]["kind"] == "NotFound"
    org = jrun(env, "organisation", "remove", "Spare Org")
    assert org["outcome"] == "deleted" and "Spare Org" not in [o["name"] for o in jrun(env, "organisation", "list")]
    assert [e["action"] for e in _actions(env, "recipient.deleted")] == ["recipient.deleted"]

    person = jrun(env, "person", "add", "--name", "Noor Haddad", "--email", "noor@example.org")["id"]
    carol = jrun(env, "recipient", "add", "Carol Hiring", "--organisation", "Globex")
    _authorise(env, person, carol["id"], day(0), day(60))
    retired = jrun(env, "recipient", "remove", carol["id"])
    assert retired["outcome"] == "retired" and retired["named_by"] == {"authorisations": 1}
    assert jrun(env, "recipient", "show", carol["id"])["name"] == "Carol Hiring"  # kept for history
    refused = jrun(env, "share", person, "--recipient", carol["id"], "--fields", "email", "--no-resume",
                   "--out", str(tmp_path / "c.zip"), code=1)["error"]
    assert refused["condition"] == "recipient-retired"
    again = run(env, "authorise", person, "--recipient", carol["id"], "--scope", "email", "--purpose", "x",
                "--method", "email", "--obtained", day(0), "--valid-until", day(60), code=1)
    assert "was retired; reinstate it first" in again.stderr
    org_retired = jrun(env, "organisation", "remove", "Globex")
    assert org_retired["outcome"] == "retired" and org_retired["named_by"] == {"recipients": 1}
    jrun(env, "organisation", "reinstate", "Globex")
    jrun(env, "recipient", "reinstate", carol["id"])
    jrun(env, "share", person, "--recipient", carol["id"], "--fields", "email", "--no-resume",
         "--out", str(tmp_path / "c.zip"))
    actions = {e["action"] for e in jrun(env, "audit", "list", "--limit", "40")["events"]}
    assert {"recipient.retired", "recipient.reinstated", "organisation.retired", "organisation.reinstated",
            "organisation.deleted"} <= actions


def test_settings_of_the_vault_and_the_app(env):
    listed = {s["key"]: s for s in jrun(env, "settings", "list")}
    assert listed["represent-days"]["scope"] == "vault" and listed["idle-lock-minutes"]["value"] == 5
    assert jrun(env, "settings", "set", "represent-days", "90")["value"] == 90
    assert jrun(env, "settings", "get", "represent-days")["value"] == 90
    changed = _actions(env, "settings.changed")
    assert changed[0]["details"] == {"setting": "sharing.represent_days"}
    assert jrun(env, "settings", "set", "idle-lock-minutes", "12")["scope"] == "app"
    assert jrun(env, "settings", "get", "idle-lock-minutes")["value"] == 12
    error = jrun(env, "settings", "set", "idle-lock-minutes", "-1", code=1)["error"]
    assert error["kind"] == "ValidationError" and "between 0 and 1440" in error["message"]
    assert run(env, "settings", "set", "no-such", "1", code=2).stdout == ""


def test_the_app_reads_the_idle_lock_the_command_line_set(env, monkeypatch):
    from cli.cmd_manage import SETTINGS
    from ui import settings as ui_settings

    run(env, "settings", "set", "idle-lock-minutes", "17")
    run(env, "settings", "set", "clipboard-seconds", "45")
    monkeypatch.setenv("CONTACT_VAULT_CONFIG_DIR", env["CONTACT_VAULT_CONFIG_DIR"])
    prefs = ui_settings.UiSettings()
    assert (prefs.auto_lock_minutes, prefs.clipboard_seconds) == (17, 45)
    prefs.theme = "dark"
    prefs.sync()
    assert jrun(env, "settings", "get", "idle-lock-minutes")["value"] == 17  # the app's own keys survive
    assert SETTINGS["idle-lock-minutes"].default == ui_settings.DEFAULT_AUTO_LOCK_MINUTES
    assert SETTINGS["clipboard-seconds"].default == ui_settings.DEFAULT_CLIPBOARD_SECONDS

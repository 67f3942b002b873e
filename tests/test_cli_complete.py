"""The command line, complete and exact (issue 22): every operation through the real CLI in a
subprocess, JSON errors, date checks on authorisations, ids printed, names split."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import CLI, CORPUS, cli_env

RESUME = CORPUS / "resumes" / "careerrag__sample-resume.pdf"


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
    assert result.stderr.count("\n") == 1 and "--valid-until: the window ended on" in result.stderr
    assert jrun(env, "authorisations", jane) == []


def test_authorise_refuses_an_obtained_date_in_the_future(env, jane, bob):
    result = _authorise(env, jane, bob, day(3), day(90), 1)
    assert result.stderr.strip() == f"contact-vault: --obtained: {day(3)} is in the future; log consent once it " \
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

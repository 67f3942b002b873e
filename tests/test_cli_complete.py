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

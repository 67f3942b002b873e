"""The import/export commands through the real CLI in a subprocess."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import CLI, cli_env, corpus_file
from tests.helpers.contact_files import vcard_without_end


@pytest.fixture
def env(vault, tmp_path):
    vault.close()
    return cli_env(vault.path, tmp_path / "cfg")


def run(env, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True)


def test_dry_run_then_import_then_again(env) -> None:
    path = str(corpus_file("csv/linkedin-network-intelligence__Connections.csv"))
    preview = run(env, "import", path, "--format", "linkedin", "--dry-run", "--json")
    assert preview.returncode == 0, preview.stderr
    plan = json.loads(preview.stdout)
    assert plan["applied"] is False and plan["counts"]["new"] == 10
    assert json.loads(run(env, "person", "list", "--json").stdout)["total"] == 0

    done = run(env, "import", path, "--json")
    report = json.loads(done.stdout)
    assert report["applied"] is True and report["counts"]["new"] == 10
    assert all(row["person"] for row in report["rows"])

    again = run(env, "import", path)
    assert again.returncode == 0
    assert "0 new, 0 merged, 10 already present" in again.stdout
    assert again.stdout.count("nothing new") == 10
    assert json.loads(run(env, "person", "list", "--json").stdout)["total"] == 10


@pytest.mark.parametrize("source", ["made-here", "vcard/evolution__8.vcf"])
def test_report_lists_failures_with_reasons(env, tmp_path, source: str) -> None:
    if source == "made-here":
        path = tmp_path / "no-end.vcf"
        path.write_bytes(vcard_without_end())
    else:
        path = corpus_file(source)
    done = run(env, "import", str(path))
    assert done.returncode == 0
    assert "1 failed" in done.stdout and "ends without END:VCARD" in done.stdout


def test_map_option(env, tmp_path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("Who,Reach\nKim Park,kim@example.com\n", encoding="utf-8")
    done = run(env, "import", str(odd), "--map", "Who=full_name", "--map", "2=email", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"][0]["name"] == "Kim Park"
    bad = run(env, "import", str(odd), "--map", "Who")
    assert bad.returncode == 1 and "COLUMN=FIELD" in bad.stderr


def test_export_vcard_versions(env, tmp_path) -> None:
    run(env, "import", str(corpus_file("vcard/ezvcard__rfc2426-example.vcf")))
    people = json.loads(run(env, "person", "list", "--json").stdout)["people"]
    first = people[0]["uuid"]
    for fmt, version in (("vcard4", "4.0"), ("vcard3", "3.0")):
        out = tmp_path / f"{fmt}.vcf"
        done = run(env, "export", "--format", fmt, "--person", first[:8], "--out", str(out), "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["count"] == 1
        assert f"VERSION:{version}" in out.read_text()
    everyone = run(env, "export", "--all", "--out", str(tmp_path / "all.vcf"))
    assert "Wrote 2 people" in everyone.stdout
    nobody = run(env, "export", "--out", str(tmp_path / "none.vcf"))
    assert nobody.returncode == 1 and "--person" in nobody.stderr


def test_errors_are_one_line(env, tmp_path) -> None:
    missing = run(env, "import", str(tmp_path / "nope.vcf"))
    assert missing.returncode == 1 and "cannot be read" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    usage = run(env, "import", str(tmp_path / "nope.vcf"), "--format", "xml")
    assert usage.returncode == 2
    binary = tmp_path / "photo.vcf"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    garbage = run(env, "import", str(binary))
    assert garbage.returncode == 0 and "outside any BEGIN:VCARD" in garbage.stdout
    assert "Traceback" not in garbage.stderr


def test_keep_separate_imports_a_namesake_as_a_new_person(env, tmp_path) -> None:
    """A close name at the same organisation is a guess: the user can say it is someone else."""
    first = tmp_path / "first.vcf"
    first.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Jon Smith\nORG:Initech\nEMAIL:jon@initech.example\nEND:VCARD\n")
    jon_id = json.loads(run(env, "import", str(first), "--json").stdout)["rows"][0]["person"]
    second = tmp_path / "second.vcf"
    second.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:John Smith\nORG:Initech\nTEL:+1 415 555 0142\nEND:VCARD\n"
                      "BEGIN:VCARD\nVERSION:3.0\nFN:Kay Lo\nEND:VCARD\n")
    preview = json.loads(run(env, "import", str(second), "--dry-run", "--json").stdout)
    assert preview["rows"][0]["outcome"] == "merge"
    assert preview["rows"][0]["matched_by"] == "close name at the same organisation"

    for wrong, message in (("2", "card 2 does not match anyone already in the vault"),
                           ("9", "has no card or row 9")):
        refused = run(env, "import", str(second), "--dry-run", "--keep-separate", wrong)
        assert refused.returncode == 1 and message in refused.stderr

    done = run(env, "import", str(second), "--keep-separate", "1", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    assert rows[0]["outcome"] == "new" and "kept separate" in " ".join(rows[0]["warnings"])
    assert json.loads(run(env, "person", "list", "--json").stdout)["total"] == 3
    jon = json.loads(run(env, "person", "show", jon_id, "--json").stdout)
    assert [p["kind"] for p in jon["contact_points"]] == ["email"], "nothing of John was merged into Jon"


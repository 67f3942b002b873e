"""Resume intake: name, e-mail, phone and profile links suggested from the resume, locally."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import CLI, cli_env, corpus_file
from vault.intake import suggest_from_resume, suggest_from_text


@pytest.mark.parametrize(("name", "full_name", "email", "phone"), [
    ("careerrag__sample-resume.pdf", "Jordan Alexander Reyes", "jordan@jordanreyes.dev", "+14155550182"),
    ("careerrag__sample-resume.docx", "Jordan Alexander Reyes", "jordan@jordanreyes.dev", "+14155550182"),
    ("job-search-ai-agent__uploaded_resume.pdf", "Alex Chen", "alex.chen@example.com", "+15551234567"),
    ("rendercv__sample_cv_text.txt", "Sarah Johnson", "sarah.j@email.com", None),
    ("trajector__sample-resume.pdf", "Jane Doe", "jane.doe@example.com", "+15551234567"),
    # Word export with CR between words, soft hyphens and U+2010 in the phone number.
    ("open-resume__laverne-resume.pdf", "Leo Leopard", "lleopard@laverne.edu", "+19095555555"),
])
def test_corpus_resumes(name: str, full_name: str, email: str, phone: str | None) -> None:
    suggestion, (mime, result) = suggest_from_resume(corpus_file(f"resumes/{name}").read_bytes(), name)
    assert result.ok
    assert suggestion.full_name == full_name
    assert email in suggestion.emails
    if phone:
        assert phone in suggestion.phones


def test_links_and_private_use_icons() -> None:
    text = "\uf0e0 JOHN Q. PUBLIC\nlinkedin.com/in/jqp | github.com/jqp | www.example.dev.\n+44 20 7946 0958"
    suggestion = suggest_from_text(text)
    assert suggestion.full_name == "John Q. Public"
    assert suggestion.links == ["https://linkedin.com/in/jqp", "https://github.com/jqp", "https://www.example.dev"]
    assert suggestion.phones == ["+442079460958"]


def test_word_export_spacing_made_here() -> None:
    """The text a Word-exported PDF gives (like OpenResume's laverne-resume.pdf, which is AGPL): CR
    between words, a page number first, soft hyphen and U+2010 inside the phone number."""
    text = ("2 \r \nLena \r Lark \r \n12 \r Orchard \r Way, \r Springfield, \r CA \r \r \nllark@example.edu \r \n"
            "(909) \r 555-\xad\u20100123 \r \n \r \nOBJECTIVE \r \nTo \r obtain \r an \r on-\xad\u2010campus \r role \r \n")
    suggestion = suggest_from_text(text)
    assert (suggestion.full_name, suggestion.emails, suggestion.phones) == (
        "Lena Lark", ["llark@example.edu"], ["+19095550123"])


def test_letter_spaced_name_and_a_place_made_here() -> None:
    """The text of a sidebar resume (like resume-parser-api's e2e fixture, which is AGPL)."""
    text = ("J A N E R O E\nP L A T F O R M E N G I N E E R\nCONTACT\njane@example.com\n123\u2212456\u22127890\n"
            "Springfield\nexample.com\nlinkedin.com/in/example\nSUMMARY\nEngineer with 8 years of experience.\n")
    suggestion = suggest_from_text(text)
    assert suggestion.full_name == ""  # "Springfield" under CONTACT is a place, not a name
    assert suggestion.phones == ["+11234567890"]


def test_templates_give_no_name() -> None:
    suggestion, _ = suggest_from_resume(corpus_file("resumes/one_resume__resume.docx").read_bytes(), "resume.docx")
    assert suggestion.full_name == "" and suggestion.warnings


def test_a_place_under_the_contact_heading_is_not_a_name() -> None:
    name = "resume-parser-api__senior-backend-developer.pdf"
    suggestion, _ = suggest_from_resume(corpus_file(f"resumes/{name}").read_bytes(), name)
    assert suggestion.full_name == ""  # letter-spaced "J O H N D O E" cannot be split; "New York" is refused
    assert suggestion.phones == ["+11234567890"]  # written with U+2212 minus signs


def test_cli_intake_create(vault, tmp_path) -> None:
    vault.close()
    env = cli_env(vault.path, tmp_path / "cfg")
    preview = subprocess.run([*CLI, "intake", str(corpus_file("resumes/trajector__sample-resume.pdf")), "--json"], env=env,
                             capture_output=True, text=True)
    assert preview.returncode == 0, preview.stderr
    assert json.loads(preview.stdout)["suggestion"]["full_name"] == "Jane Doe"
    made = subprocess.run([*CLI, "intake", str(corpus_file("resumes/trajector__sample-resume.pdf")), "--create", "--json"],
                          env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    person_id = json.loads(made.stdout)["id"]
    shown = subprocess.run([*CLI, "person", "show", person_id, "--json"], env=env, capture_output=True, text=True)
    data = json.loads(shown.stdout)
    assert data["full_name"] == "Jane Doe" and len(data["documents"]) == 1
    assert {p["kind"] for p in data["contact_points"]} == {"email", "phone", "link"}

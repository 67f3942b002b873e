"""The demo vault (``vault/demo.py``) and ``contact-vault --demo``: every state a newcomer should
be able to see is really there, written through the real services, and the vault is sound."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import CLI, cli_env

from demo import DEMO_PASSPHRASE, DemoVault, build_demo_vault
from vault import audit, sharing
from vault.clock import FixedClock, iso_ms
from vault.config import AppConfig
from vault.store import Vault

NOW = datetime(2026, 11, 20, 15, 45, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoVault:
    return build_demo_vault(tmp_path_factory.mktemp("demo"), now=NOW)


@pytest.fixture
def opened(demo: DemoVault, tmp_path: Path) -> Iterator[Vault]:
    vault = Vault.open(demo.path, raw_key=demo.raw_key, clock=FixedClock(NOW + timedelta(minutes=5)),
                       config=AppConfig(tmp_path / "config"))
    yield vault
    vault.close()


def test_the_passphrase_opens_it_and_nothing_of_the_build_is_left_open(demo: DemoVault, tmp_path: Path) -> None:
    with Vault.open(demo.path, DEMO_PASSPHRASE, config=AppConfig(tmp_path / "config"), readonly=True) as vault:
        assert vault.owner.name == "Morgan Ellis"
    assert not (demo.folder / "partner").exists(), "the partner's vault is only there while the demo is built"
    assert b"Amara" not in demo.path.read_bytes(), "the demo vault is encrypted like any other"


def test_people_of_both_kinds_with_resumes_tags_and_search(opened: Vault, demo: DemoVault) -> None:
    conn = opened.conn
    kinds = dict(conn.execute("SELECT kind, count(*) FROM people GROUP BY kind").fetchall())
    assert kinds["candidate"] >= 10 and kinds["contact"] >= 7
    assert len(demo.people) == kinds["candidate"] + kinds["contact"] - 3  # + 3 from the imported vCard
    without_resume = conn.execute(
        "SELECT full_name FROM people p WHERE kind = 'candidate' AND NOT EXISTS "
        "(SELECT 1 FROM documents d WHERE d.person_id = p.id AND d.role = 'resume' AND d.is_default = 1)").fetchall()
    assert without_resume == []
    mimes = {r[0] for r in conn.execute("SELECT mime_type FROM documents WHERE role = 'resume'")}
    assert mimes == {"application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    assert conn.execute("SELECT count(*) FROM documents WHERE role = 'evidence'").fetchone()[0] >= 2
    assert conn.execute("SELECT count(*) FROM documents WHERE text_status != 'extracted'").fetchone()[0] == 0
    assert conn.execute("SELECT max(version) FROM documents WHERE role = 'resume'").fetchone()[0] == 2
    assert len(opened.people.tags()) >= 15
    hits = opened.search.query("Kafka")
    assert [opened.people.get(i).full_name for i in hits.ids] == ["Amara Okafor"]
    imported = conn.execute("SELECT count(*) FROM contact_points WHERE source = 'imported-file'").fetchone()[0]
    assert imported >= 6


def test_authorisations_in_every_state(opened: Vault) -> None:
    now = opened.now()
    auths = [opened.authorisations.get(r[0]) for r in opened.conn.execute("SELECT id FROM authorisations")]
    states = {a.status(now) for a in auths}
    assert states == {"active", "expired", "revoked", "used-up", "not-yet-valid"}
    assert any(a.organisation_id is not None for a in auths), "one authorisation names a whole organisation"
    assert any(a.evidence_document_id is not None for a in auths)
    assert any(a.method == "upstream" for a in auths), "one came with an imported package"
    assert opened.authorisations.expiring(), "the expiring-authorisations view has something to show"


def test_shares_packages_and_refusals(opened: Vault, demo: DemoVault) -> None:
    shares = sharing.list_shares(opened)
    assert len(shares) == len(demo.packages) == 6
    assert {s.recipient_name for s in shares} == {"Tom Harris", "Aisha Khan", "Julia Weber", "Peter Walsh"}
    for path in demo.packages:
        report = sharing.verify_package(path, now=iso_ms(NOW - timedelta(days=400)))
        assert report.problems == [] or all("expired" in p or "valid" in p for p in report.problems), report.problems
    refused = [e.details for e in audit.iter_events(opened.conn) if e.action == "share.refused"]
    assert len(refused) == 2
    with zipfile.ZipFile(demo.packages[-1]) as archive:
        assert {"manifest.json", "manifest.json.minisig", "SHA256SUMS", "sender.pub"} <= set(archive.namelist())


def test_introduction_requests_in_every_state_outreach_and_privacy(opened: Vault, demo: DemoVault) -> None:
    assert {r.status for r in opened.introductions.list()} == {"pending", "authorised", "declined", "fulfilled"}
    assert opened.people.count("do-not-contact") >= 2
    assert {i.full_name for i in opened.retention.queue()} >= {"Lukas Novak", "Fatima Al-Sayed"}
    daniel = demo.people["Daniel Kim"]
    codes = {w.code for w in opened.outreach.check(daniel)}
    assert {"unanswered", "old-document"} <= codes
    assert len(opened.outreach.list(daniel)) == 3
    assert opened.conn.execute("SELECT count(*) FROM suppression").fetchone()[0] == 2  # Ethan's e-mail and phone
    assert "Ethan Cole" not in demo.people
    assert opened.conn.execute("SELECT count(*) FROM people WHERE full_name = 'Ethan Cole'").fetchone()[0] == 0


def test_the_audit_history_reads_like_a_year_and_its_chain_verifies(opened: Vault) -> None:
    report = opened.check()
    assert report.ok, report.problems
    events = list(audit.iter_events(opened.conn))
    actions = {e.action for e in events}
    assert {"vault.created", "person.created", "document.added", "authorisation.logged", "authorisation.revoked",
            "share.created", "share.refused", "intro.requested", "intro.answered", "outreach.logged",
            "import.applied", "package.imported", "person.erased", "audit.checkpoint"} <= actions
    stamps = [e.at for e in events]
    assert stamps == sorted(stamps)
    assert stamps[0] <= iso_ms(NOW - timedelta(days=399))
    built = [e.at for e in events if e.action != "vault.unlocked"]  # each test's open adds one
    assert max(built) <= iso_ms(NOW), "nothing was written in the demo's future"


def test_cli_check_verify_and_stock_minisign_accept_the_demo(demo: DemoVault, tmp_path: Path) -> None:
    copy = tmp_path / "demo-copy.cvault"
    shutil.copyfile(demo.path, copy)
    env = cli_env(copy, tmp_path / "config", DEMO_PASSPHRASE)
    proc = subprocess.run([*CLI, "check"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    amara = next(p for p in demo.packages if "amara" in p.name)
    # Checked against the demo owner's own key (the key inside the package alone proves nothing).
    ident = subprocess.run([*CLI, "identity", "--json"], env=env, capture_output=True, text=True, timeout=120)
    key = json.loads(ident.stdout)["public_key"]
    proc = subprocess.run([*CLI, "verify", str(amara), "--sender-key", key], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    if shutil.which("minisign"):
        folder = tmp_path / "unpacked"
        with zipfile.ZipFile(amara) as archive:
            archive.extractall(folder)
        proc = subprocess.run(["minisign", "-V", "-p", "sender.pub", "-m", "manifest.json"], cwd=folder,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.gui
def test_demo_window_is_titled_demo_and_survives_a_lock(qtbot, tmp_path: Path) -> None:
    from ui.demo_mode import DemoSession
    from ui.main_window import MainWindow
    from ui.settings import UiSettings
    from ui.worker import VaultWorker

    window = MainWindow(VaultWorker(config=AppConfig(tmp_path / "app-config")), settings=UiSettings(),
                        vault_path=tmp_path / "never-used.cvault")
    qtbot.addWidget(window)
    window.show()
    session = DemoSession(window, folder=tmp_path / "demo")
    window.demo_session = session
    session.start()
    assert window.windowTitle().startswith("DEMO")
    qtbot.waitUntil(lambda: window.is_unlocked and not window.workspace.model.loading, timeout=90_000)
    assert window.windowTitle().startswith("DEMO — Contact Vault")
    assert window.workspace.model.rowCount() >= 18
    assert window.worker.config.folder == tmp_path / "demo" / "config", "the user's recent list stays clean"
    window.lock()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.unlock_page, timeout=10_000)
    assert window.windowTitle().startswith("DEMO")
    assert DEMO_PASSPHRASE in window.unlock_page.passphrase.placeholderText()
    window.close()
    session.cleanup()
    assert not (tmp_path / "demo").exists()
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"

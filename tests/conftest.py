"""Shared test set-up: offscreen Qt, isolated config and data folders, an in-memory keyring,
a fixed clock, and vault fixtures that pay the real key derivation once per session."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Before anything can import PySide6: CI has no display.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_QUICK_BACKEND", "software")
_SESSION_TMP = Path(tempfile.mkdtemp(prefix="cv-tests-"))
os.environ["CONTACT_VAULT_CONFIG_DIR"] = str(_SESSION_TMP / "config")
os.environ["XDG_CONFIG_HOME"] = str(_SESSION_TMP / "xdg-config")
os.environ["XDG_DATA_HOME"] = str(_SESSION_TMP / "xdg-data")
os.environ.pop("CONTACT_VAULT_PASSPHRASE", None)
os.environ.pop("CONTACT_VAULT_PATH", None)

import keyring  # noqa: E402
import keyring.backend  # noqa: E402
import pytest  # noqa: E402

from vault.clock import FixedClock  # noqa: E402
from vault.config import AppConfig  # noqa: E402
from vault.store import Vault  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
#: The redistributable part of the third-party corpus, in the repository (see its MANIFEST.md).
VENDORED = REPO / "tests" / "data" / "corpus"
#: The whole corpus, beside the checkout; CI has it, a fresh clone may not (GPL/LGPL/AGPL files).
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
PASSPHRASE = "correct horse battery staple"
FIXED_NOW = "2026-03-01T09:30:00.000Z"


def shared_corpus_present() -> bool:
    """True when ../shared/corpus is beside the checkout, so the non-redistributable files run too."""
    return SHARED_CORPUS.is_dir()


def corpus_file(relative: str) -> Path:
    """A corpus file by its path inside the corpus ("resumes/x.pdf"): the vendored copy, else the
    shared one; a test whose file is in neither is skipped. Call it at import time only for a vendored
    file (a skip outside a test fails the module's collection)."""
    for root in (VENDORED, SHARED_CORPUS):
        if (root / relative).is_file():
            return root / relative
    pytest.skip(f"needs ../shared/corpus/{relative} (not redistributable; CI has it)")


def corpus_files(folder: str, pattern: str = "*") -> list[Path]:
    """Every file of a corpus folder, sorted by name: the vendored ones always, plus the shared-only
    ones when ../shared/corpus is present, so a fresh clone and CI both run all they can."""
    found: dict[str, Path] = {}
    for root in (SHARED_CORPUS, VENDORED):  # vendored last: its copy wins
        if (root / folder).is_dir():
            found.update({p.name: p for p in (root / folder).glob(pattern) if p.is_file()})
    return [found[name] for name in sorted(found)]


class MemoryKeyring(keyring.backend.KeyringBackend):
    """The one keyring stand-in allowed: an OS keystore that lives in memory."""

    priority = 1
    contact_vault_test_backend = True

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def notifier(request: pytest.FixtureRequest) -> Iterator[object]:
    """GUI tests (those using qtbot) get a recording notifier instead of real message boxes and
    file dialogs: every message is recorded and questions take scripted answers. Other tests
    get None and never import Qt."""
    if "qtbot" not in request.fixturenames:
        yield None
        return
    from tests.helpers.notifier import RecordingNotifier
    from ui import notifier as notifier_module

    recording = RecordingNotifier()
    previous = notifier_module.install(recording)
    yield recording
    notifier_module.install(previous)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FIXED_NOW)


@pytest.fixture
def app_config(tmp_path: Path) -> AppConfig:
    return AppConfig(tmp_path / "config")


@pytest.fixture(scope="session")
def template_vault() -> tuple[Path, bytes]:
    """One vault created per session (one real KDF); tests get copies opened by raw key."""
    folder = _SESSION_TMP / "template"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "template.cvault"
    vault = Vault.create(path, PASSPHRASE, owner_name="Rita Recruiter", organisation="Northwind Talent",
                         email="rita@northwind.example", clock=FixedClock(FIXED_NOW),
                         config=AppConfig(folder / "config"))
    key = vault.raw_key
    vault.close()
    return path, key


@pytest.fixture
def vault_path(template_vault: tuple[Path, bytes], tmp_path: Path) -> Path:
    """A fresh copy of the template vault file (passphrase ``PASSPHRASE``)."""
    source, _ = template_vault
    target = tmp_path / "vault.cvault"
    shutil.copyfile(source, target)
    return target


@pytest.fixture
def vault(vault_path: Path, template_vault: tuple[Path, bytes], clock: FixedClock,
          app_config: AppConfig) -> Iterator[Vault]:
    """An open, empty vault with a fixed clock, opened by raw key (no KDF cost)."""
    opened = Vault.open(vault_path, raw_key=template_vault[1], clock=clock, config=app_config)
    yield opened
    if opened.is_open:
        opened.close()


def cli_env(vault_file: Path, config_dir: Path, passphrase: str = PASSPHRASE) -> dict[str, str]:
    """Environment for running the real CLI in a subprocess."""
    env = dict(os.environ)
    env["CONTACT_VAULT_PATH"] = str(vault_file)
    env["CONTACT_VAULT_PASSPHRASE"] = passphrase
    env["CONTACT_VAULT_CONFIG_DIR"] = str(config_dir)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    return env


CLI = [sys.executable, "-m", "ui.launcher"]

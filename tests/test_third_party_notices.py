"""THIRD-PARTY-NOTICES.md names every distribution the bundle ships.

The runtime closure is computed from the installed metadata, as scripts/third_party_notices.py
does. Versions, texts and entries no longer needed are not compared here (a fresh machine may
install newer releases than the ones the file was generated from); `make bundle` refuses a file
that is not exactly what the generator writes for the environment being bundled.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def notices_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("third_party_notices", ROOT / "scripts" / "third_party_notices.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _listed(text: str) -> set[str]:
    from packaging.utils import canonicalize_name

    return {canonicalize_name(name) for name in re.findall(r"^### (\S+) \S+$", text, flags=re.MULTILINE)}


def test_every_runtime_distribution_is_listed(notices_script: ModuleType) -> None:
    runtime = {notices_script.canonical_name(d) for d in notices_script.runtime_distributions()}
    assert {"pyside6", "shiboken6", "sqlcipher3", "cryptography", "keyring"} <= runtime
    assert not runtime & {"pytest", "hypothesis", "ruff", "keyrings-alt", "pyinstaller"}, "test extras leaked in"
    listed = _listed((ROOT / "THIRD-PARTY-NOTICES.md").read_text("utf-8"))
    missing = runtime - listed
    assert not missing, f"not in THIRD-PARTY-NOTICES.md (run scripts/third_party_notices.py): {sorted(missing)}"


def test_the_file_carries_the_qt_and_sqlcipher_obligations() -> None:
    text = (ROOT / "THIRD-PARTY-NOTICES.md").read_text("utf-8")
    assert "LGPL-3.0" in text and "one-folder bundle" in text and "download.qt.io" in text
    assert "SQLCipher" in text and "ZETETIC" in (ROOT / "LICENSES" / "SQLCipher.txt").read_text("utf-8")
    for name in ("LGPL-3.0-only.txt", "GPL-3.0-only.txt", "Python.txt", "SQLCipher.txt"):
        assert f"](LICENSES/{name})" in text and (ROOT / "LICENSES" / name).stat().st_size > 1000
    assert (ROOT / "LICENSE").read_text("utf-8").lstrip().startswith("Apache License")


def test_the_generator_renders_each_runtime_distribution(notices_script: ModuleType) -> None:
    rendered = notices_script.render()
    runtime = {notices_script.canonical_name(d) for d in notices_script.runtime_distributions()}
    assert _listed(rendered) == runtime
    assert "Copyright (c) 2004-2007 Gerhard Häring" in rendered  # sqlcipher3's own licence file

"""Writes THIRD-PARTY-NOTICES.md from the installed distributions the desktop bundle ships.

The bundle holds the runtime dependencies of contact-vault (``[project] dependencies`` in
pyproject.toml) and what they require in turn, as installed in this environment; the test and
bundle extras never ship, so they are not listed. Each entry gives the name, version, licence,
home page and the licence files the distribution carries. Components that are not Python
distributions of their own (Qt inside the PySide6 wheels, SQLCipher inside sqlcipher3, the
Python interpreter) get a section each, with their texts in LICENSES/.

    .venv/bin/python scripts/third_party_notices.py           # rewrite THIRD-PARTY-NOTICES.md
    .venv/bin/python scripts/third_party_notices.py --check   # exit 1 when it is out of date

`make bundle` refuses to build from an out-of-date file (build.spec runs the check), and
tests/test_third_party_notices.py fails when a runtime distribution is missing from it.
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import metadata
from pathlib import Path

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # pip always carries a copy
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
NOTICES = ROOT / "THIRD-PARTY-NOTICES.md"
PROJECT = "contact-vault"
#: The distributions that make up Qt for Python: LGPL-3.0, covered by their own section.
QT_DISTS = {"pyside6", "pyside6-essentials", "pyside6-addons", "shiboken6"}
_LICENCE_FILE = re.compile(r"(licen[cs]e|copying|notice|authors)", re.IGNORECASE)


def runtime_distributions(project: str = PROJECT) -> list[metadata.Distribution]:
    """The installed closure of ``project``'s unconditional requirements, without the project."""
    found: dict[str, metadata.Distribution] = {}
    todo = [project]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        dist = metadata.distribution(name)
        found[name] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    found.pop(canonicalize_name(project))
    return [found[name] for name in sorted(found)]


def canonical_name(dist: metadata.Distribution) -> str:
    return canonicalize_name(dist.metadata["Name"])


def licence_of(dist: metadata.Distribution) -> str:
    """License-Expression, else a short License field, else the licence classifiers."""
    meta = dist.metadata
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    declared = (meta.get("License") or "").strip()
    if declared and declared.upper() != "UNKNOWN":
        first = declared.splitlines()[0].strip()
        if len(first) <= 100:
            return first
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return " / ".join(classifiers)
    return "not declared in its metadata: see its licence file"


def home_page_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    home = (meta.get("Home-page") or "").strip()
    if home and home.upper() != "UNKNOWN":
        return home
    urls = [u.split(",", 1) for u in meta.get_all("Project-URL") or [] if "," in u]
    for preferred in ("homepage", "home", "source", "repository", "code"):
        for label, url in urls:
            if label.strip().lower() == preferred:
                return url.strip()
    if urls:
        return urls[0][1].strip()
    return f"https://pypi.org/project/{dist.metadata['Name']}/"


def licence_texts(dist: metadata.Distribution) -> list[tuple[str, str]]:
    """(file name, text) of each licence file the distribution installed."""
    names = dist.metadata.get_all("License-File") or []
    if not names:  # older metadata: licence files sit in the .dist-info folder unnamed
        names = [f.name for f in dist.files or [] if ".dist-info" in str(f.parent) and _LICENCE_FILE.search(f.name)]
    texts: list[tuple[str, str]] = []
    for name in names:
        text = _read_text(dist, f"licenses/{name}") or _read_text(dist, name)
        if text:
            lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
            texts.append((name, "\n".join(lines).strip("\n")))
    return texts


def _read_text(dist: metadata.Distribution, name: str) -> str | None:
    """A file of the distribution as text; a licence in Latin-1 (pypdfium2 ships one) is read as such."""
    try:
        return dist.read_text(name)
    except UnicodeDecodeError:
        return Path(str(dist._path / name)).read_bytes().decode("latin-1")  # type: ignore[attr-defined]


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks inside the text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _qt_section(dists: dict[str, metadata.Distribution]) -> list[str]:
    version = dists["pyside6"].version
    major_minor = ".".join(version.split(".")[:2])
    listed = ", ".join(f"{dists[n].metadata['Name']} {dists[n].version}" for n in sorted(QT_DISTS) if n in dists)
    return [
        "## Qt and Qt for Python (PySide6, shiboken6): LGPL-3.0",
        "",
        f"The user interface uses Qt {version} through Qt for Python ({listed}),",
        "© The Qt Company Ltd and other contributors, used under the GNU Lesser General Public License version 3",
        "(LGPL-3.0-only; the wheels are offered under LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only).",
        "The texts: [LICENSES/LGPL-3.0-only.txt](LICENSES/LGPL-3.0-only.txt) and the GPL it extends,",
        "[LICENSES/GPL-3.0-only.txt](LICENSES/GPL-3.0-only.txt). Qt itself includes third-party",
        "components (ICU, FFmpeg, HarfBuzz, …) under their own licences, listed at",
        "<https://doc.qt.io/qt-6/licenses-used-in-qt.html>.",
        "",
        "- **Unmodified.** Qt and PySide6 are used exactly as published in the PyPI wheels above; the",
        "  bundle leaves out the Qt modules and plugins the app does not use, and ships the rest as is.",
        "- **Replaceable.** The desktop bundle is a one-folder bundle (`build.spec`, `make bundle`), not",
        "  a single executable: Qt and PySide6 stay separate shared libraries that the app loads at",
        "  run time, under `contact-vault/_internal/PySide6/` (the Qt libraries in",
        "  `_internal/PySide6/Qt/lib/`, which the links `_internal/libQt6*.so.6` point to; the",
        "  bindings as `_internal/PySide6/*.abi3.so`) and `_internal/shiboken6/`. Qt's plugins are in",
        "  `_internal/PySide6/Qt/plugins/`. You may replace them with your own build of a binary-compatible",
        f"  Qt {major_minor} and PySide6, or run Contact Vault from its source (`make run`) with any PySide6",
        "  you install. Reverse engineering to debug such modifications is permitted.",
        f"- **Sources.** Qt {version}: <https://download.qt.io/official_releases/qt/{major_minor}/{version}/single/>",
        f"  (moved to <https://download.qt.io/archive/qt/{major_minor}/{version}/single/> once superseded);",
        f"  Qt for Python {version}: <https://code.qt.io/cgit/pyside/pyside-setup.git/tag/?h=v{version}>",
        "  and <https://download.qt.io/official_releases/QtForPython/>.",
        "",
    ]


def _static_sections(dists: dict[str, metadata.Distribution]) -> list[str]:
    sqlcipher = dists.get("sqlcipher3")
    sqlcipher_version = sqlcipher.version if sqlcipher else "?"
    return [
        "## SQLCipher, SQLite and OpenSSL inside sqlcipher3: BSD-3-Clause, public domain, Apache-2.0",
        "",
        f"The sqlcipher3 {sqlcipher_version} wheel links into its extension module SQLCipher (Community",
        "Edition, © ZETETIC LLC, a BSD-style licence: [LICENSES/SQLCipher.txt](LICENSES/SQLCipher.txt)),",
        "the SQLite it extends (public domain, <https://www.sqlite.org/copyright.html>) and OpenSSL",
        "(Apache-2.0, the same text as [LICENSE](LICENSE); <https://www.openssl.org/>). The cryptography",
        "wheel also carries its own OpenSSL (see its licence files below).",
        "",
        "## Python and the PyInstaller bootloader",
        "",
        "The bundle contains the Python interpreter and standard library (Python Software Foundation",
        "License: [LICENSES/Python.txt](LICENSES/Python.txt)) and the PyInstaller bootloader that starts",
        "it (GPL-2.0-or-later with the bootloader exception, which allows distributing it with any",
        "program: <https://github.com/pyinstaller/pyinstaller/blob/develop/COPYING.txt>).",
        "",
    ]


def render() -> str:
    dists = runtime_distributions()
    by_name = {canonical_name(d): d for d in dists}
    lines = [
        "# Third-party notices",
        "",
        "Contact Vault is licensed under the Apache License 2.0 ([LICENSE](LICENSE)). The desktop bundle",
        "(`make bundle`) also contains the software below, each under its own licence. This file is",
        "generated from the installed runtime distributions by `scripts/third_party_notices.py`;",
        "regenerate it after changing a dependency instead of editing it by hand.",
        "",
    ]
    if "pyside6" in by_name:
        lines += _qt_section(by_name)
    lines += _static_sections(by_name)
    lines += [
        "## Python distributions",
        "",
        "| Distribution | Version | Licence | Home page |",
        "|---|---|---|---|",
    ]
    for dist in dists:
        licence = licence_of(dist).replace("|", "/")
        lines.append(f"| {dist.metadata['Name']} | {dist.version} | {licence} | <{home_page_of(dist)}> |")
    lines.append("")
    for dist in dists:
        name = canonical_name(dist)
        lines += [f"### {dist.metadata['Name']} {dist.version}", "",
                  f"Licence: {licence_of(dist)}. Home page: <{home_page_of(dist)}>.", ""]
        texts = licence_texts(dist)
        if name in QT_DISTS:
            lines += ["Its licence texts are [LICENSES/LGPL-3.0-only.txt](LICENSES/LGPL-3.0-only.txt) and "
                      "[LICENSES/GPL-3.0-only.txt](LICENSES/GPL-3.0-only.txt); see the Qt section above.", ""]
        elif not texts:
            lines += ["The distribution installs no licence file; its licence is the one named above, "
                      "published at its home page.", ""]
        for file_name, text in texts:
            fence = _fence(text)
            lines += [f"{file_name}:", "", fence + "text", text, fence, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is out of date; write nothing")
    parser.add_argument("--out", type=Path, default=NOTICES, help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.out.read_text("utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out.name} is out of date: run scripts/third_party_notices.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, "utf-8")
    print(f"wrote {args.out} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

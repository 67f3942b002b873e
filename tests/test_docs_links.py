"""The documentation holds together: every relative link and image resolves, anchors included,
every `make` target and `contact-vault` sub-command it shows exists, and the README stays a
short page for users (the details live in docs/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README_LIMIT = 12 * 1024
DOCS = sorted(
    [ROOT / name for name in ("README.md", "ARCHITECTURE.md", "CONTRIBUTING.md", "CHANGELOG.md",
                              "THIRD-PARTY-NOTICES.md")]
    + list((ROOT / "docs").glob("*.md"))
)
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_INLINE_CODE = re.compile(r"`[^`]*`")


def _prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks (a licence text or a shell example is not a link)."""
    lines: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        match = _FENCE.match(line.strip())
        if match:
            if fence is None:
                fence = match.group(1)
            elif line.strip().startswith(fence) and set(line.strip()) <= {fence[0]}:
                fence = None
            continue
        if fence is None:
            lines.append(line)
    return lines


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    anchors: set[str] = set()
    for line in _prose_lines(path.read_text("utf-8")):
        if line.startswith("#"):
            anchors.add(_slug(line.lstrip("#")))
    return anchors


def _links(path: Path) -> list[str]:
    found: list[str] = []
    for line in _prose_lines(path.read_text("utf-8")):
        found += _LINK.findall(_INLINE_CODE.sub("", line))
    return found


def test_the_documents_exist() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in DOCS}
    assert {"README.md", "ARCHITECTURE.md", "CONTRIBUTING.md", "CHANGELOG.md", "docs/user-guide.md",
            "docs/security.md", "docs/performance.md", "docs/reliability.md", "docs/design.md",
            "docs/audit-format.md", "docs/share-package.md"} <= names
    for path in DOCS:
        assert path.exists(), path


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_and_image_resolves(path: Path) -> None:
    broken: list[str] = []
    for target in _links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: …
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.exists():
            broken.append(f"{target} (no such file)")
            continue
        if anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(f"{target} (no heading with that anchor)")
    assert not broken, f"{path.name}: " + "; ".join(broken)


def test_every_page_is_linked_from_the_readme() -> None:
    linked = {(ROOT / t.partition("#")[0]).resolve() for t in _links(ROOT / "README.md")}
    unlinked = [p.relative_to(ROOT).as_posix() for p in DOCS if p.name != "README.md" and p.resolve() not in linked]
    assert not unlinked, f"not linked from README.md: {unlinked}"


def test_every_user_guide_screenshot_is_shown_somewhere() -> None:
    shown = {(p.parent / t).resolve() for p in DOCS for t in _links(p) if t.endswith(".png")}
    unused = [p.name for p in sorted((ROOT / "docs").glob("*.png")) if p.resolve() not in shown]
    assert not unused, f"screenshots no page shows: {unused}"


def test_the_readme_stays_short() -> None:
    size = len((ROOT / "README.md").read_bytes())
    assert size <= README_LIMIT, f"README.md is {size} bytes; move details into docs/ (limit {README_LIMIT})"


def test_the_link_checker_sees_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\nSee [x](missing.md), ![i](gone.png) and [y](#title).\n\n```\n[z](in-code.md)\n```\n")
    assert _links(page) == ["missing.md", "gone.png", "#title"]
    assert "title" in _anchors(page)


def _code_text(path: Path) -> str:
    """Inline code and fenced blocks: where the docs show commands."""
    text = path.read_text("utf-8")
    return "\n".join(re.findall(r"`([^`\n]+)`", text) + re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL))


def test_every_make_target_the_docs_name_exists() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, flags=re.MULTILINE))
    named = {m for p in DOCS if p.name != "THIRD-PARTY-NOTICES.md" for m in re.findall(r"\bmake ([a-z][\w-]*)", _code_text(p))}
    assert {"run", "test", "bench"} <= named
    assert not named - targets, f"make targets the docs name but the Makefile lacks: {sorted(named - targets)}"


def test_every_sub_command_the_docs_name_exists() -> None:
    import subprocess

    from tests.conftest import CLI

    help_text = subprocess.run([*CLI, "--help"], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    commands = set(re.findall(r"^    ([a-z][\w-]*)", help_text, flags=re.MULTILINE))
    assert {"init", "share", "audit"} <= commands, help_text
    named = {m for p in DOCS for m in re.findall(r"\bcontact-vault ([a-z][\w-]*)", _code_text(p))}
    assert {"init", "share", "verify"} <= named
    assert not named - commands, f"sub-commands the docs name but the CLI lacks: {sorted(named - commands)}"

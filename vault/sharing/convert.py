"""Every shared document becomes a PDF: Word, OpenDocument, RTF and text go through LibreOffice.

Design rule 6 (docs/design.md §2): a non-PDF is never shared raw, because only a PDF can be
sanitised, redacted and stamped. LibreOffice headless is the converter (Debian
``libreoffice-writer``), found at run time; without it such a document cannot be shared and the
caller says how to fix that (ConverterMissing).

LibreOffice reads files, not pipes, so the plaintext document must touch a disk for the few
seconds of the conversion (rule 1 allows no more). It goes to a private 0700 staging folder (in
memory under /dev/shm where there is one), in a run folder of its own that is removed as soon as
the conversion ends; a run folder left by a killed process is swept at the start of the next
conversion. The child gets its own profile folder, home and temp folder inside the run folder,
a minimal environment, CPU-time, memory and wall-clock limits, and its own process group, so a
timeout kills LibreOffice and every helper it started.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from vault.errors import ConversionFailed, ConverterMissing
from vault.sniff import DOCX, ODT, RTF, TEXT

#: What can be converted, with the file name extension LibreOffice recognises it by.
CONVERTIBLE = {DOCX: ".docx", ODT: ".odt", RTF: ".rtf", TEXT: ".txt"}
KIND_WORDS = {DOCX: "a Word document", ODT: "an OpenDocument text", RTF: "an RTF document", TEXT: "a text file"}
CPU_SECONDS = 60
WALL_SECONDS = 90
MEMORY_BYTES = 3 * 1024 * 1024 * 1024  # LibreOffice maps large libraries; 3 GB of address space
RUN_PREFIX = "run-"
INSTALL_HINT = ("install LibreOffice (Debian/Ubuntu: sudo apt-get install libreoffice-writer) or add a PDF "
                "version of the resume")


@dataclass(frozen=True)
class Converter:
    """The converter found on this machine."""

    name: str
    path: str
    version: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version}


@functools.cache
def find_converter() -> Converter | None:
    """LibreOffice if installed (``soffice`` on PATH or a usual place), with its version."""
    candidates = [shutil.which("soffice"), shutil.which("libreoffice"), "/usr/lib/libreoffice/program/soffice",
                  "/Applications/LibreOffice.app/Contents/MacOS/soffice",
                  "C:\\Program Files\\LibreOffice\\program\\soffice.exe"]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return Converter("LibreOffice", path, _version(path))
    return None


def _version(path: str) -> str:
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False,
                              env=_child_env(Path(tempfile.gettempdir())))
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    words = done.stdout.split()
    return words[1] if len(words) > 1 and words[0] == "LibreOffice" else (done.stdout.strip()[:40] or "unknown")


def staging_root() -> Path:
    """The private folder conversions stage in: in memory (/dev/shm) where the system has it."""
    base = Path("/dev/shm") if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else Path(
        tempfile.gettempdir())
    root = base / f"contact-vault-convert-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    root.mkdir(mode=0o700, exist_ok=True)
    if root.is_symlink() or (hasattr(os, "getuid") and root.stat().st_uid != os.getuid()):
        raise ConversionFailed("document", "the conversion folder is not private to this user")
    os.chmod(root, 0o700)
    return root


def sweep(root: Path) -> int:
    """Remove run folders whose process is gone (killed mid-conversion); returns how many."""
    removed = 0
    for entry in root.iterdir():
        if not entry.name.startswith(RUN_PREFIX):
            continue
        try:
            pid = int(entry.name[len(RUN_PREFIX):].split("-", 1)[0])
        except ValueError:
            pid = -1
        if pid > 0 and _alive(pid):
            continue  # a conversion under way (ours included: its own ``finally`` removes it)
        shutil.rmtree(entry, ignore_errors=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _child_env(run: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT")}
    env.update({"HOME": str(run), "TMPDIR": str(run), "SAL_USE_VCLPLUGIN": "svp"})
    return env


def _limit_child() -> None:  # pragma: no cover - runs in the child before exec
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def convert_to_pdf(data: bytes, mime_type: str, file_name: str = "document") -> tuple[bytes, Converter]:
    """The document as a PDF, and the converter that made it; raises ConverterMissing (none
    installed, or a type it cannot read) or ConversionFailed."""
    if mime_type not in CONVERTIBLE:
        raise ConverterMissing(file_name, "it is not a PDF and no converter reads this type; add a PDF version")
    converter = find_converter()
    if converter is None:
        raise ConverterMissing(file_name, f"it is {KIND_WORDS[mime_type]} and no converter is installed; "
                                          + INSTALL_HINT)
    root = staging_root()
    sweep(root)
    run = Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-", dir=root))
    try:
        source = run / f"document{CONVERTIBLE[mime_type]}"
        if mime_type == TEXT:
            from vault.text_decoding import decode_text

            data = decode_text(data)[0].encode("utf-8")
        fd = os.open(source, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        out_dir = run / "out"
        out_dir.mkdir(mode=0o700)
        command = [converter.path, "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
                   f"-env:UserInstallation={(run / 'profile').as_uri()}"]
        if mime_type == TEXT:
            command.append("--infilter=Text (encoded):UTF8")
        command += ["--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out_dir), str(source)]
        _run(command, run, file_name)
        produced = out_dir / "document.pdf"
        if not produced.is_file() or produced.stat().st_size == 0:
            raise ConversionFailed(file_name, "LibreOffice could not read it (damaged, or protected by a password)")
        return produced.read_bytes(), converter
    finally:
        shutil.rmtree(run, ignore_errors=True)


def _run(command: list[str], run: Path, file_name: str) -> None:
    try:
        proc = subprocess.Popen(command, cwd=run, env=_child_env(run), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                preexec_fn=_limit_child if os.name == "posix" else None)
    except OSError as exc:
        raise ConversionFailed(file_name, f"LibreOffice could not start ({exc.strerror})") from exc
    try:
        proc.communicate(timeout=WALL_SECONDS)
    except subprocess.TimeoutExpired as exc:
        _kill_group(proc)
        raise ConversionFailed(file_name, f"the conversion took longer than {WALL_SECONDS} s and was stopped") from exc
    finally:
        _kill_group(proc)  # helpers LibreOffice left behind
    if proc.returncode and proc.returncode < 0:
        raise ConversionFailed(file_name, "the conversion hit its CPU-time or memory limit and was stopped")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    if os.name != "posix":
        proc.kill()
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()

"""Text extraction from documents in a child process with CPU-time and memory limits.

Resumes come from strangers; a hostile PDF can make a parser loop or eat memory. The parent
sends the bytes on stdin (never a temp file), the child answers JSON on stdout, and the
kernel enforces RLIMIT_CPU and RLIMIT_AS; a wall-clock timeout backs them up. Whatever
happens, the caller gets an ``ExtractionResult`` and the document is still stored.

Run as ``python -m vault.extraction`` (the child side).
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import sniff
from .text_decoding import decode_text

CPU_SECONDS = 15
WALL_SECONDS = 30
MEMORY_BYTES = 1024 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_PDF_PAGES = 400


@dataclass(frozen=True)
class ExtractionResult:
    ok: bool
    text: str
    error: str = ""


def _limit_child() -> None:  # pragma: no cover - runs in the child before exec
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # the child never writes files


def child_command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, "--extract-worker"]
    return [sys.executable, "-I", "-B", "-m", "vault.extraction"]


def _limit_batch_child(count: int) -> Callable[[], None]:
    def limit() -> None:  # pragma: no cover - runs in the child before exec
        import resource

        # Same limits as ``_limit_child``, except a hard CPU cap for the whole batch: the child
        # lowers its soft limit to CPU_SECONDS before every document.
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS * count + 1))
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    return limit


def extract_many(items: Sequence[tuple[bytes, str]], *, batch: int = 40) -> list[ExtractionResult]:
    """Bulk creation path: one limited child per small batch instead of one per document.

    Each document keeps the same limits as ``extract_text``: the child resets its CPU-time
    soft limit to ``CPU_SECONDS`` before every document, the memory limit is the same, and a
    batch whose child dies (limit hit, crash, timeout) is finished one document at a time
    through ``extract_text``, so a hostile file gets exactly the treatment it gets alone.
    """
    results: list[ExtractionResult] = []
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        done = _extract_batch(chunk)
        results.extend(done)
        results.extend(extract_text(data, mime) for data, mime in chunk[len(done):])
    return results


def _extract_batch(chunk: Sequence[tuple[bytes, str]]) -> list[ExtractionResult]:
    """Answers for the leading documents the batch child finished (all of them when it went well)."""
    payload = bytearray(struct.pack("!I", len(chunk)))
    for data, mime in chunk:
        encoded = mime.encode("utf-8")
        payload += struct.pack("!I", len(encoded)) + encoded + struct.pack("!Q", len(data)) + data
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "PYTHONPATH", "SYSTEMROOT")}
    try:
        proc = subprocess.run(
            [*child_command(), "--batch"], input=bytes(payload), capture_output=True,
            timeout=WALL_SECONDS * len(chunk),
            preexec_fn=_limit_batch_child(len(chunk)) if os.name == "posix" else None, env=env, check=False,
        )
    except (subprocess.TimeoutExpired, OSError):
        return []
    out: list[ExtractionResult] = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines()[:len(chunk)]:
        try:
            answer = json.loads(line)
        except ValueError:
            break
        if answer.get("error"):
            out.append(ExtractionResult(False, "", str(answer["error"])[:300]))
        else:
            out.append(ExtractionResult(True, str(answer.get("text", ""))[:MAX_TEXT_CHARS]))
    return out


def extract_text(data: bytes, mime_type: str, *, wall_seconds: float | None = None,
                 command: list[str] | None = None) -> ExtractionResult:
    """Extract in a limited child. Never raises for bad input; reports why instead."""
    wall_seconds = WALL_SECONDS if wall_seconds is None else wall_seconds
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "PYTHONPATH", "SYSTEMROOT")}
    env["CONTACT_VAULT_MIME"] = mime_type
    try:
        proc = subprocess.run(
            command or child_command(),
            input=data,
            capture_output=True,
            timeout=wall_seconds,
            preexec_fn=_limit_child if os.name == "posix" else None,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ExtractionResult(False, "", f"text extraction took longer than {wall_seconds:.0f} s and was stopped")
    except OSError as exc:
        return ExtractionResult(False, "", f"text extraction could not start ({exc.strerror})")
    if proc.returncode != 0:
        if proc.returncode < 0:
            import signal

            try:
                name = signal.Signals(-proc.returncode).name
            except ValueError:
                name = str(-proc.returncode)
            if name in ("SIGXCPU", "SIGKILL"):
                return ExtractionResult(False, "", "text extraction hit its CPU-time limit and was stopped")
            return ExtractionResult(False, "", f"text extraction was stopped by {name}")
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = detail[-1] if detail else f"exit code {proc.returncode}"
        if "MemoryError" in reason:
            reason = "text extraction hit its memory limit"
        return ExtractionResult(False, "", reason[:300])
    try:
        answer = json.loads(proc.stdout.decode("utf-8"))
    except ValueError:
        return ExtractionResult(False, "", "text extraction returned unreadable output")
    if answer.get("error"):
        return ExtractionResult(False, "", str(answer["error"])[:300])
    return ExtractionResult(True, str(answer.get("text", ""))[:MAX_TEXT_CHARS])


# --- child side --------------------------------------------------------------------------------


def _check_zip(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    total = sum(info.file_size for info in archive.infolist())
    if total > MAX_UNZIPPED:
        raise ValueError("the archive expands to more than 200 MB (zip bomb?)")
    return archive


def _pdf_text(data: bytes) -> str:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise ValueError("the PDF is password-protected")
    parts: list[str] = []
    size = 0
    for index, page in enumerate(reader.pages):
        if index >= MAX_PDF_PAGES:
            break
        try:
            text = page.extract_text() or ""
        except Exception as exc:  # a damaged page should not hide the others
            text = ""
            parts.append(f"[page {index + 1}: {type(exc).__name__}]")
        parts.append(text)
        size += len(text)
        if size > MAX_TEXT_CHARS:
            break
    return "\n".join(parts)


def _docx_text(data: bytes) -> str:
    import docx

    _check_zip(data)
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    for section in document.sections:
        for part in (section.header, section.footer):
            parts.extend(p.text for p in part.paragraphs)
    # Text boxes and footnotes live outside paragraphs; take every w:t of the main part too.
    body = document.element.body
    seen = "\n".join(parts)
    extra = [t.text for t in body.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t")
             if t.text and t.text not in seen]
    return "\n".join([*parts, *extra])


def _odt_text(data: bytes) -> str:
    import defusedxml.ElementTree as safe_et

    archive = _check_zip(data)
    root = safe_et.fromstring(archive.read("content.xml"))
    return "\n".join(t.strip() for t in root.itertext() if t.strip())


def _rtf_text(data: bytes) -> str:
    from striprtf.striprtf import rtf_to_text

    return rtf_to_text(data.decode("latin-1"), errors="ignore")




def extract_in_this_process(data: bytes, mime_type: str) -> str:
    """The parsers themselves; only ever called inside the limited child."""
    if mime_type == sniff.PDF:
        text = _pdf_text(data)
    elif mime_type == sniff.DOCX:
        text = _docx_text(data)
    elif mime_type == sniff.ODT:
        text = _odt_text(data)
    elif mime_type == sniff.RTF:
        text = _rtf_text(data)
    else:
        text, _ = decode_text(data)
    text = text.replace("\x00", " ")
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


def _answer(data: bytes, mime_type: str) -> dict[str, str]:
    try:
        text = extract_in_this_process(data, mime_type)
        return {"text": text[:MAX_TEXT_CHARS]}
    except MemoryError:
        return {"error": "text extraction hit its memory limit"}
    except RecursionError:
        return {"error": "the document nests too deeply to read"}
    except Exception as exc:
        return {"error": f"the document could not be read ({type(exc).__name__}: {str(exc)[:160]})"}


def _batch_main() -> int:  # pragma: no cover - exercised through the subprocess
    """Length-prefixed documents on stdin, one JSON answer line per document on stdout."""
    import resource

    stream = sys.stdin.buffer
    (count,) = struct.unpack("!I", stream.read(4))
    for _ in range(count):
        (mime_len,) = struct.unpack("!I", stream.read(4))
        mime_type = stream.read(mime_len).decode("utf-8")
        (size,) = struct.unpack("!Q", stream.read(8))
        data = stream.read(size)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(usage.ru_utime + usage.ru_stime)
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        resource.setrlimit(resource.RLIMIT_CPU, (min(spent + CPU_SECONDS, hard), hard))
        sys.stdout.write(json.dumps(_answer(data, mime_type)) + "\n")
        sys.stdout.flush()
    return 0


def child_main() -> int:  # pragma: no cover - exercised through the subprocess
    if "--batch" in sys.argv[1:]:
        return _batch_main()
    mime_type = os.environ.get("CONTACT_VAULT_MIME", sniff.TEXT)
    data = sys.stdin.buffer.read()
    sys.stdout.write(json.dumps(_answer(data, mime_type)))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(child_main())

"""Sharing a 3-page resume with redaction (PDF) and with conversion (Word), against plain stamping.

A scratch vault holds a person whose resume carries their contact details everywhere (the
canary resume of the tests); the consent covers the resume only, so every share redacts. Prints
one JSON object: the median of RUNS timed ``build_share`` calls for the PDF and the DOCX, the
median plain stamp of the same PDF in the limited child (no redaction) as the baseline, and the
ratios. Run by tests/benchmarks/run.py; alone: python tests/benchmarks/share_redaction.py
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.helpers.resumes import contact_resume_docx, contact_resume_pdf  # noqa: E402
from vault import sharing  # noqa: E402
from vault.clock import FixedClock  # noqa: E402
from vault.config import AppConfig  # noqa: E402
from vault.people import NewContactPoint, PersonFields  # noqa: E402
from vault.sharing.convert import find_converter  # noqa: E402
from vault.sharing.stamping import StampText, stamp_pdf_isolated  # noqa: E402
from vault.store import Vault  # noqa: E402

RUNS = 3


def _median(fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def main() -> int:
    pdf, docx = contact_resume_pdf(3), contact_resume_docx(3)
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="cv-share-bench-") as scratch:
        folder = Path(scratch)
        vault = Vault.create(folder / "bench.cvault", "benchmark passphrase for sharing", owner_name="Bench",
                             organisation="Bench Ltd", email="bench@example.com",
                             clock=FixedClock("2026-03-01T09:30:00.000Z"), config=AppConfig(folder / "config"))
        try:
            vault.recipients.add("Bob Client", email="bob@acme.example", organisation="Acme")
            person = vault.people.add(PersonFields(full_name="Jane Harrow"),
                                      [NewContactPoint("email", "jane.harrow@example.org"),
                                       NewContactPoint("phone", "+44 20 7946 0958")], region="GB")
            vault.authorisations.log(person.id, recipient="Bob Client", scope=["resume"], purpose="Bench",
                                     method="email", obtained_at="2026-01-15", valid_until="2099-12-31")
            pdf_doc = vault.documents.add_bytes(person.id, pdf, "resume.pdf")
            docx_doc = vault.documents.add_bytes(person.id, docx, "resume.docx")
            stamp = StampText("Bench (Bench Ltd)", "Bob Client (Acme)", "2026-03-01", "Bench", "a", "email",
                              "2026-01-15", "2099-12-31", "p")
            figures["share_plain_stamp_3p_s"] = _median(lambda: stamp_pdf_isolated(pdf, stamp))
            runs = iter(range(1000))
            figures["share_pdf_redacted_3p_s"] = _median(lambda: sharing.build_share(
                vault, person.id, "Bob Client", [f"document:{pdf_doc.uuid}"], folder / f"p{next(runs)}.zip"))
            if find_converter() is not None:
                figures["share_docx_converted_3p_s"] = _median(lambda: sharing.build_share(
                    vault, person.id, "Bob Client", [f"document:{docx_doc.uuid}"], folder / f"d{next(runs)}.zip"))
        finally:
            vault.close()
    plain = float(figures["share_plain_stamp_3p_s"])  # type: ignore[arg-type]
    for key in ("share_pdf_redacted_3p_s", "share_docx_converted_3p_s"):
        if key in figures:
            figures[key.replace("_s", "_vs_plain_stamp")] = round(float(figures[key]) / plain, 2)  # type: ignore[arg-type]
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

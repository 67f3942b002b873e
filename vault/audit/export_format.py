"""Names and limits of the audit export formats, shared by the writers and the verifier."""

from __future__ import annotations

import re
from collections.abc import Callable

FORMAT_TYPE = "contact-vault-audit-export"
FORMAT_VERSION = 1
FORMATS = ("jsonl", "csv", "pdf")
ERASED = "[erased]"
REMOVED = "[removed]"
#: A PDF is for reading; beyond this many rows it says so and points to the JSON Lines export.
PDF_MAX_ROWS = 5000
#: Cells a spreadsheet would read as a formula (OWASP CSV injection).
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
CSV_COLUMNS = ("kind", "seq", "at", "actor", "action", "subject_type", "subject_id", "subject_name",
               "details", "prev", "hash")
EVENT_KEYS = frozenset({"seq", "at", "actor", "action", "subject", "details", "prev", "hash", "annotations"})
HEX64 = re.compile(r"[0-9a-f]{64}\Z")

#: ``progress(done, total)``; what it returns is ignored (the GUI's reporter returns True).
Progress = Callable[[int, int], object]

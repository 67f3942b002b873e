"""Sharing: what leaves the vault, and what comes back in.

- ``plan``: one ``plan_share()`` works out a share (the audited check, the shareable values, the
  stamped documents) for both the share wizard's preview and the build;
- ``build``: signs and writes the package whole, with its ledger row, in one transaction;
- ``stamping``: the band on every page and the cover sheet, in a limited child process;
- ``redaction``: what the authorisation does not cover leaves the document (in that child);
- ``convert``: Word, OpenDocument, RTF and text resumes become PDFs (LibreOffice, limited child);
- ``verify``: zip structure, then signature, then manifest, for ``verify`` and import alike;
- ``receive``: importing a package from another recruiter;
- ``ledger``: the submittal ledger and the right-to-represent warning.
"""

from .build import ShareResult, build_share
from .ledger import ShareRecord, default_items, list_shares, represent_days, represent_warnings
from .package_format import MAX_ENTRY_BYTES, MAX_MANIFEST_BYTES, MAX_TOTAL_BYTES
from .plan import PackageFile, SharePlan, plan_share, stamp_text_for
from .receive import ImportResult, import_package
from .verify import VerifyReport, read_entries, trust_from_vault, verify_entries, verify_package

__all__ = [
    "MAX_ENTRY_BYTES", "MAX_MANIFEST_BYTES", "MAX_TOTAL_BYTES", "ImportResult", "PackageFile", "SharePlan",
    "ShareRecord", "ShareResult", "VerifyReport", "build_share", "default_items", "import_package", "list_shares",
    "plan_share", "read_entries", "represent_days", "represent_warnings", "stamp_text_for", "trust_from_vault", "verify_entries",
    "verify_package",
]

"""Entry names and limits of a share package (docs/share-package.md), shared by build, verify and receive."""

from __future__ import annotations

FORMAT = "contact-vault-share/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.minisig"
SUMS = "SHA256SUMS"
README = "README.txt"
COVER = "authorisation.pdf"
SENDER_KEY = "sender.pub"
VCARD = "contact.vcf"
VERIFY_PAGE = "verify.html"
#: Files the manifest cannot list (it is one of them, or they are computed over it).
UNLISTED = (MANIFEST, SIGNATURE, SUMS)
RESERVED = {n.lower() for n in (MANIFEST, SIGNATURE, SUMS, README, COVER, SENDER_KEY, VCARD, VERIFY_PAGE)}

MAX_ENTRIES = 64
MAX_ENTRY_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 128 * 1024 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024
DEFAULT_REPRESENT_DAYS = 180

"""verify.html: the page inside every package that lets a recipient check it in any browser.

Its readable source is resources/verify/ (verify.html, verify.js, and the vendored
noble-ed25519 + noble-hashes bundle, built by scripts/build_verify_vendor.sh). Here the
pieces are put into one self-contained page, with a Content-Security-Policy that allows
exactly these two inline scripts and the one inline style (by hash) and nothing else: no
network, no other script, no frames. The vendored bundle is checked against its pinned
SHA-256 first, so a changed library is refused rather than shipped.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache

from vault.errors import InstallationIncomplete
from vault.paths import resources_dir

PAGE_NAME = "verify.html"
#: SHA-256 of resources/verify/vendor/noble-bundle.js (noble-ed25519 3.2.0 + noble-hashes 2.4.0,
#: bundled by esbuild 0.28.2 from resources/verify/vendor/package-lock.json).
VENDOR_SHA256 = "0b866c58f4aedbe00ac6d79804bd63cb4f3b2e3094dd7ff9417517bdf3069ad5"


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


@cache
def verify_page() -> bytes:
    """The assembled page (the same bytes for every package made by this version)."""
    folder = resources_dir() / "verify"
    try:
        page = (folder / "verify.html").read_text("utf-8")
        app = (folder / "verify.js").read_text("utf-8")
        vendor_bytes = (folder / "vendor" / "noble-bundle.js").read_bytes()
    except OSError as exc:
        raise InstallationIncomplete(f"the package checker page is missing ({exc.filename})") from exc
    if hashlib.sha256(vendor_bytes).hexdigest() != VENDOR_SHA256:
        raise InstallationIncomplete("the package checker's vendored library does not match its pinned hash")
    vendor = vendor_bytes.decode("utf-8")
    # '</script' would end the inline script early; neither source may hold it.
    if re.search(r"</script", vendor + app, re.IGNORECASE):
        raise InstallationIncomplete("the package checker's scripts cannot be inlined")
    style = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
    assert style is not None, "verify.html has its style inline"
    csp = ("default-src 'none'; "
           f"script-src {_csp_hash(vendor)} {_csp_hash(app)}; "
           f"style-src {_csp_hash(style.group(1))}; "
           "img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'")
    page = page.replace("<!--CSP-->", f'<meta http-equiv="Content-Security-Policy" content="{csp}">')
    page = page.replace("<script><!--VENDOR--></script>", f"<script>{vendor}</script>")
    page = page.replace("<script><!--APP--></script>", f"<script>{app}</script>")
    return page.encode("utf-8")

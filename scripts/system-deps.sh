#!/usr/bin/env bash
# Qt's xcb/offscreen plugins need a few shared libraries that a bare Debian image may lack.
# Installs only what is missing, and only when we are root with apt (CI and fresh dev boxes).
set -euo pipefail
need=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib libEGL.so.1        || need+=(libegl1)
have_lib libGL.so.1         || need+=(libgl1)
have_lib libxkbcommon.so.0  || need+=(libxkbcommon0)
have_lib libfontconfig.so.1 || need+=(libfontconfig1)
have_lib libdbus-1.so.3     || need+=(libdbus-1-3)
have_lib libxkbcommon-x11.so.0 || need+=(libxkbcommon-x11-0)
have_lib libxcb-cursor.so.0 || need+=(libxcb-cursor0)
have_lib libxcb-icccm.so.4  || need+=(libxcb-icccm4)
have_lib libxcb-keysyms.so.1 || need+=(libxcb-keysyms1)
have_lib libxcb-shape.so.0  || need+=(libxcb-shape0)
have_lib libxcb-xinerama.so.0 || need+=(libxcb-xinerama0)
have_lib libxcb-randr.so.0  || need+=(libxcb-randr0)
have_lib libxcb-render-util.so.0 || need+=(libxcb-render-util0)
have_lib libxcb-image.so.0  || need+=(libxcb-image0)
command -v minisign >/dev/null || need+=(minisign)
# The command-line examples of the docs keep ids with jq (tests/test_docs_cli_examples.py runs them).
command -v jq >/dev/null || need+=(jq)
# PyICU (lookalike names, vault/name_check.py) compiles against ICU's headers.
pkg-config --exists icu-uc 2>/dev/null || need+=(libicu-dev pkg-config)
# tests/test_crash_safety.py traces the fsync of each commit with strace (skipped without it).
command -v strace >/dev/null || need+=(strace)
# Share stamps draw names in any script: DejaVu for Latin, Greek and Cyrillic, Droid Sans
# Fallback for Chinese and Japanese, Nanum Gothic for Korean (TrueType faces reportlab embeds).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || need+=(fonts-droid-fallback)
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || need+=(fonts-nanum)
optional=()
# Word, OpenDocument, RTF and text resumes are converted to PDF before they are shared
# (vault/sharing/convert.py); without LibreOffice Writer only PDF resumes can be shared.
[ -f /usr/lib/libreoffice/share/registry/writer.xcd ] || optional+=(libreoffice-writer)
# Optional: the CSV-injection round trip (tests/test_audit_csv.py) converts with LibreOffice
# headless and is skipped without it; its install failing must not stop the build.
command -v soffice >/dev/null || optional+=(libreoffice-calc)
# Optional: the package checker page (verify.html) is tested in headless Chromium through
# Playwright (tests/test_verify_page.py), skipped without a browser.
command -v chromium >/dev/null || optional+=(chromium)
if [ ${#need[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq >/dev/null || true
    if [ ${#need[@]} -gt 0 ]; then
        echo "installing system packages: ${need[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
    if [ ${#optional[@]} -gt 0 ]; then
        echo "installing optional system packages: ${optional[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${optional[@]}" >/dev/null \
            || echo "note: could not install ${optional[*]}; the tests that need it will be skipped" >&2
    fi
else
    echo "note: missing system packages (install them for the GUI and tests): ${need[*]} ${optional[*]}" >&2
fi

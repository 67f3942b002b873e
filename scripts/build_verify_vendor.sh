#!/usr/bin/env bash
# Rebuild resources/verify/vendor/noble-bundle.js, the two libraries verify.html inlines
# (noble-ed25519 and noble-hashes' BLAKE2b/SHA-512), from the versions pinned with their
# integrity hashes in resources/verify/vendor/package-lock.json. Prints the bundle's SHA-256:
# put it in vault/sharing/verify_page.py (VENDOR_SHA256) after reviewing the diff.
set -euo pipefail
cd "$(dirname "$0")/../resources/verify/vendor"
npm ci --no-audit --no-fund --ignore-scripts
node node_modules/esbuild/install.js >/dev/null 2>&1 || true
./node_modules/.bin/esbuild entry.js --bundle --format=iife --target=es2020 --legal-comments=inline \
    --outfile=noble-bundle.js
rm -rf node_modules
sha256sum noble-bundle.js

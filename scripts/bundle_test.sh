#!/usr/bin/env bash
# End-to-end test of the frozen bundle (`make bundle-test`): nothing from the source tree or
# the venv is used, only the binary. It runs
#   1. --version and --self-check (without a display: the self-check must fall back to offscreen),
#   2. a scripted round trip: init, add a person, add a resume (text extraction in the frozen
#      --extract-worker child, proved by a full-text search), add a recipient, a share that is
#      refused without an authorisation, log the authorisation, share, verify the package with
#      the binary, with stock `minisign -V` and with `sha256sum -c`, tamper with it and see the
#      verification fail, check the vault, verify and export the audit trail,
#   3. --demo starting the GUI offscreen and staying up (it builds the demo vault meanwhile).
# Usage: scripts/bundle_test.sh dist/contact-vault/contact-vault
set -euo pipefail

BIN=$(realpath "${1:-dist/contact-vault/contact-vault}")
[ -x "$BIN" ] || { echo "bundle-test: no executable at $BIN (run make bundle)"; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cv-bundle-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

step() { printf '\n== %s\n' "$*"; }
fail() { echo "bundle-test FAILED: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }

# Isolated from the user's vault, config and keyring; no display.
export CONTACT_VAULT_PATH="$WORK/vault.cvault"
export CONTACT_VAULT_CONFIG_DIR="$WORK/config"
export CONTACT_VAULT_PASSPHRASE="bundle test passphrase"
export PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring
export HOME="$WORK/home" XDG_DATA_HOME="$WORK/home/data" XDG_CONFIG_HOME="$WORK/home/config"
mkdir -p "$HOME"
unset DISPLAY WAYLAND_DISPLAY QT_QPA_PLATFORM PYTHONPATH PYTHONHOME || true

step "bundle: $(dirname "$BIN") ($(du -sh "$(dirname "$BIN")" | cut -f1))"
"$BIN" --version
for legal in LICENSE THIRD-PARTY-NOTICES.md LICENSES/LGPL-3.0-only.txt LICENSES/SQLCipher.txt; do
    [ -s "$(dirname "$BIN")/$legal" ] || fail "the bundle does not carry $legal at its top"
done

step "self-check (no display)"
"$BIN" --self-check | tee selfcheck.txt
grep -q "frozen bundle" selfcheck.txt || fail "the self-check did not run frozen"
grep -q "text extraction: .*frozen worker" selfcheck.txt || fail "text extraction did not use the frozen worker"
grep -q "PDF stamping: .*frozen worker" selfcheck.txt || fail "PDF stamping did not use the frozen worker"

step "create a vault"
"$BIN" init --name "Rita Recruiter" --org "Northwind Talent" --email rita@northwind.example

step "add a person and a resume"
PERSON=$("$BIN" person add --name "Jane Doe" --email jane.doe@example.org --phone "+1 415 555 0100" \
         --tag python --json | json 'd["id"]')
python3 - <<'PY'
# A small, valid one-page PDF written with the standard library only (offsets computed).
text = "Jane Doe - Platform Engineer - Kubernetes Terraform Python"
stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
objects = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
    b"/Contents 5 0 R >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
]
out = bytearray(b"%PDF-1.4\n")
offsets = []
for number, body in enumerate(objects, start=1):
    offsets.append(len(out))
    out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
open("jane-doe-resume.pdf", "wb").write(bytes(out))
PY
"$BIN" resume add "$PERSON" jane-doe-resume.pdf
"$BIN" search Kubernetes --json | grep -q "Jane Doe" || fail "the resume text was not extracted and indexed"

step "add a recipient; sharing without authorisation is refused"
"$BIN" recipient add "Tom Harris" --email tom@brightline.example --organisation "Brightline Capital"
if "$BIN" share "$PERSON" --recipient "Tom Harris" --fields email --out refused.zip 2> refused.txt; then
    fail "a share without authorisation was allowed"
fi
cat refused.txt
[ ! -e refused.zip ] || fail "a refused share left a file"

step "log the authorisation and share"
TODAY=$(date -u +%F)
UNTIL=$(date -u -d "+30 days" +%F)
"$BIN" authorise "$PERSON" --recipient "Tom Harris" --scope resume,email --purpose "Platform Engineer at Brightline" \
    --method email --obtained "$TODAY" --valid-until "$UNTIL"
"$BIN" share "$PERSON" --recipient "Tom Harris" --fields email --out package.zip
"$BIN" shares "$PERSON"

step "verify the package: the binary, minisign, sha256sum"
"$BIN" verify package.zip
mkdir unpacked && (cd unpacked && python3 -m zipfile -e ../package.zip .)
if command -v minisign >/dev/null; then
    minisign -V -p unpacked/sender.pub -m unpacked/manifest.json
else
    echo "(minisign not installed: skipped the stock minisign check)"
fi
(cd unpacked && sha256sum -c SHA256SUMS)

step "a tampered package fails verification"
python3 - <<'PY'
import zipfile
with zipfile.ZipFile("package.zip") as src, zipfile.ZipFile("tampered.zip", "w") as dst:
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename == "manifest.json":
            data = data.replace(b"Jane Doe", b"Jane Dough")
        dst.writestr(info, data)
PY
if "$BIN" verify tampered.zip; then fail "a tampered package verified"; fi

step "check the vault and its audit trail"
"$BIN" check
"$BIN" audit verify
"$BIN" audit export --format jsonl --out audit.jsonl
"$BIN" audit verify audit.jsonl
if grep -qa "jane.doe@example.org" vault.cvault; then fail "plaintext e-mail in the vault file"; fi

step "--demo starts the GUI offscreen and stays up"
set +e
TMPDIR="$WORK" QT_QPA_PLATFORM=offscreen timeout 25 "$BIN" --demo > demo.out 2> demo.err
status=$?
set -e
if [ "$status" -ne 124 ] || grep -q Traceback demo.err; then
    cat demo.out demo.err
    fail "--demo exited with $status instead of running until stopped"
fi
# Stopped by a signal, it could not tidy up: its temp folder shows the demo vault was built.
DEMO_DIR=$(ls -d "$WORK"/contact-vault-demo-* 2>/dev/null | head -n 1)
[ -n "$DEMO_DIR" ] && [ -s "$DEMO_DIR/demo.cvault" ] || fail "--demo did not build its vault"
PACKAGES=$(ls "$DEMO_DIR"/packages/*.zip 2>/dev/null | wc -l)
[ "$PACKAGES" -ge 6 ] || fail "--demo built $PACKAGES share packages, expected 6"
"$BIN" verify "$(ls "$DEMO_DIR"/packages/*amara*.zip)" > /dev/null || fail "a demo package does not verify"
echo "demo vault built in $DEMO_DIR with $PACKAGES share packages"

printf '\nbundle-test passed\n'

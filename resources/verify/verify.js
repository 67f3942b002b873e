// Contact Vault share package checker: runs entirely in this page, offline.
//
// Reads the package zip the recipient drops here, verifies the minisign signature of
// manifest.json with the sender key the manifest names, checks every file's size and SHA-256
// against the manifest (and that nothing is missing or extra), and states the authorisation in
// plain words. The format is described in docs/share-package.md; the Python verifier
// (vault/sharing/verify.py) applies the same rules.
"use strict";

(() => {
  const MANIFEST = "manifest.json";
  const SIGNATURE = "manifest.json.minisig";
  const SUMS = "SHA256SUMS";
  const UNLISTED = new Set([MANIFEST, SIGNATURE, SUMS]);
  const FORMAT = "contact-vault-share/1";
  const MAX_ENTRIES = 64;
  const MAX_ENTRY_BYTES = 32 * 1024 * 1024;
  const MAX_TOTAL_BYTES = 128 * 1024 * 1024;
  const MAX_MANIFEST_BYTES = 1024 * 1024;

  class Refusal extends Error {}

  const $ = (id) => document.getElementById(id);
  const text = new TextDecoder("utf-8", { fatal: false });
  const strictText = new TextDecoder("utf-8", { fatal: true });

  // --- zip reading (structure by hand; inflate by the browser's DecompressionStream) -------

  function u16(view, at) { return view.getUint16(at, true); }
  function u32(view, at) { return view.getUint32(at, true); }

  function findEndOfCentralDirectory(view) {
    const last = view.byteLength - 22;
    const first = Math.max(0, last - 65535);
    for (let at = last; at >= first; at--) {
      if (u32(view, at) === 0x06054b50) return at;
    }
    throw new Refusal("the file is not a zip archive (no central directory)");
  }

  async function inflateRaw(bytes, expected) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    const reader = stream.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > expected) {
        await reader.cancel();
        throw new Refusal("an entry decompresses to more than its declared size");
      }
      chunks.push(value);
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) { out.set(chunk, at); at += chunk.length; }
    return out;
  }

  async function readZip(buffer) {
    const view = new DataView(buffer);
    const eocd = findEndOfCentralDirectory(view);
    const count = u16(view, eocd + 10);
    const cdSize = u32(view, eocd + 12);
    const cdOffset = u32(view, eocd + 16);
    if (count > MAX_ENTRIES) throw new Refusal(`it holds ${count} entries, more than the ${MAX_ENTRIES} allowed`);
    if (cdOffset + cdSize > buffer.byteLength) throw new Refusal("the zip's central directory is damaged");
    const entries = new Map();
    let at = cdOffset;
    let total = 0;
    for (let i = 0; i < count; i++) {
      if (u32(view, at) !== 0x02014b50) throw new Refusal("the zip's central directory is damaged");
      const flags = u16(view, at + 8);
      const method = u16(view, at + 10);
      const compressed = u32(view, at + 20);
      const size = u32(view, at + 24);
      const nameLength = u16(view, at + 28);
      const extraLength = u16(view, at + 30);
      const commentLength = u16(view, at + 32);
      const externalAttributes = u32(view, at + 38);
      const localOffset = u32(view, at + 42);
      let name;
      try {
        name = strictText.decode(new Uint8Array(buffer, at + 46, nameLength));
      } catch (_) {
        throw new Refusal("an entry has a name that is not UTF-8");
      }
      at += 46 + nameLength + extraLength + commentLength;
      const shown = JSON.stringify(name);
      if (!name || /[\u0000-\u001f]/.test(name)) throw new Refusal(`entry ${shown} has an empty or unprintable name`);
      if (name.includes("/") || name.includes("\\")) throw new Refusal(`entry ${shown} is inside a folder; packages hold files only`);
      if (name === "." || name === "..") throw new Refusal(`entry ${shown} points outside the package`);
      const mode = externalAttributes >>> 16;
      if ((mode & 0o170000) === 0o120000) throw new Refusal(`entry ${shown} is a symbolic link`);
      if (flags & 0x1) throw new Refusal(`entry ${shown} is encrypted inside the zip`);
      if (entries.has(name.toLowerCase())) throw new Refusal(`entry ${shown} appears more than once`);
      if (size > MAX_ENTRY_BYTES) throw new Refusal(`entry ${shown} is oversized (${size} bytes)`);
      total += size;
      if (total > MAX_TOTAL_BYTES) throw new Refusal("the entries are oversized together");
      if (u32(view, localOffset) !== 0x04034b50) throw new Refusal(`entry ${shown} is damaged (no local header)`);
      const dataStart = localOffset + 30 + u16(view, localOffset + 26) + u16(view, localOffset + 28);
      if (dataStart + compressed > buffer.byteLength) throw new Refusal(`entry ${shown} is damaged (truncated)`);
      const raw = new Uint8Array(buffer, dataStart, compressed);
      let data;
      if (method === 0) {
        if (compressed !== size) throw new Refusal(`entry ${shown} is damaged (stored size differs)`);
        data = raw.slice();
      } else if (method === 8) {
        try {
          data = await inflateRaw(raw, size);
        } catch (error) {
          if (error instanceof Refusal) throw error;
          throw new Refusal(`entry ${shown} is damaged (it does not decompress)`);
        }
        if (data.length !== size) throw new Refusal(`entry ${shown} does not decompress to its declared size`);
      } else {
        throw new Refusal(`entry ${shown} uses a compression method this page does not read (${method})`);
      }
      entries.set(name.toLowerCase(), { name, data });
    }
    return entries;
  }

  // --- hashing and signatures --------------------------------------------------------------

  function hex(bytes) {
    return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function sha256Hex(bytes) {
    return hex(await crypto.subtle.digest("SHA-256", bytes));
  }

  function base64Bytes(textValue) {
    const clean = textValue.trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(clean)) throw new Refusal("the signature or key is not valid base64");
    const binary = atob(clean);
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }

  function concat(a, b) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  function sameBytes(a, b) {
    return a.length === b.length && a.every((value, index) => value === b[index]);
  }

  // WebCrypto's Ed25519 where the browser has it; the vendored noble-ed25519 otherwise.
  async function ed25519Verify(signature, message, publicKey) {
    const forced = document.documentElement.dataset.engine;
    if (forced !== "vendored") {
      try {
        const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
        usedEngine = "WebCrypto";
        return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
      } catch (error) {
        if (forced === "webcrypto") throw error;
      }
    }
    usedEngine = "noble-ed25519";
    try {
      return await ContactVaultVendor.ed25519Verify(signature, message, publicKey);
    } catch (_) {
      return false;
    }
  }
  let usedEngine = "";

  async function fingerprintOf(publicKey) {
    return (await sha256Hex(publicKey)).slice(0, 32);
  }

  // minisign: "ED" signs BLAKE2b-512 of the file, "Ed" the file itself; the global signature
  // covers the signature and the trusted comment.
  async function checkMinisign(manifestBytes, signatureFile, publicKeyBase64) {
    const lines = signatureFile.split(/\r?\n/);
    if (lines.length < 4 || !lines[0].startsWith("untrusted comment:") || !lines[2].startsWith("trusted comment: ")) {
      throw new Refusal("manifest.json.minisig is not a minisign signature");
    }
    const blob = base64Bytes(lines[1]);
    const globalSignature = base64Bytes(lines[3]);
    const key = base64Bytes(publicKeyBase64);
    if (blob.length !== 74 || globalSignature.length !== 64) throw new Refusal("the signature has the wrong length");
    if (key.length !== 42 || key[0] !== 0x45 || key[1] !== 0x64) throw new Refusal("the sender key in the manifest is not an Ed25519 minisign key");
    const algorithm = String.fromCharCode(blob[0], blob[1]);
    const signature = blob.slice(10);
    const publicKey = key.slice(10);
    if (!sameBytes(blob.slice(2, 10), key.slice(2, 10))) {
      return { ok: false, reason: "the signature was made with a different key from the one the manifest names", publicKey };
    }
    let message;
    if (algorithm === "ED") message = ContactVaultVendor.blake2b512(manifestBytes);
    else if (algorithm === "Ed") message = manifestBytes;
    else throw new Refusal("the signature algorithm is unknown");
    if (!(await ed25519Verify(signature, message, publicKey))) {
      return { ok: false, reason: "the signature does not match manifest.json: the manifest was changed after signing, or signed by another key", publicKey };
    }
    const trusted = lines[2].slice("trusted comment: ".length);
    const globalMessage = concat(signature, new TextEncoder().encode(trusted));
    if (!(await ed25519Verify(globalSignature, globalMessage, publicKey))) {
      return { ok: false, reason: "the signature's trusted comment was altered", publicKey };
    }
    return { ok: true, reason: "", publicKey, trusted };
  }

  // --- the checks ---------------------------------------------------------------------------

  function today() {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }

  function day(value) {
    return typeof value === "string" ? value.slice(0, 10) : "";
  }

  async function checkPackage(buffer) {
    const problems = [];
    const entries = await readZip(buffer);
    const manifestEntry = entries.get(MANIFEST);
    const signatureEntry = entries.get(SIGNATURE);
    if (!manifestEntry) throw new Refusal("the package has no manifest.json");
    if (!signatureEntry) throw new Refusal("the package has no signature (manifest.json.minisig)");
    if (manifestEntry.data.length > MAX_MANIFEST_BYTES) throw new Refusal("manifest.json is larger than 1 MB");
    let manifest;
    try {
      manifest = JSON.parse(strictText.decode(manifestEntry.data));
    } catch (_) {
      throw new Refusal("manifest.json is not valid JSON");
    }
    if (!manifest || typeof manifest !== "object" || manifest.format !== FORMAT) {
      throw new Refusal("manifest.json is not a Contact Vault share manifest");
    }
    const sender = manifest.sender || {};
    if (typeof sender.public_key !== "string") throw new Refusal("the manifest names no sender key");
    const signature = await checkMinisign(manifestEntry.data, text.decode(signatureEntry.data), sender.public_key);
    const fingerprint = await fingerprintOf(signature.publicKey);
    if (!signature.ok) problems.push(signature.reason);
    if (typeof sender.fingerprint === "string" && sender.fingerprint !== fingerprint) {
      problems.push("the sender fingerprint written in the manifest does not belong to its key");
    }
    const files = Array.isArray(manifest.files) ? manifest.files : [];
    const listed = new Set();
    const rows = [];
    for (const file of files) {
      const name = String(file && file.name);
      listed.add(name.toLowerCase());
      const entry = entries.get(name.toLowerCase());
      const row = { name, size: file.size, role: file.role, status: "ok" };
      if (!entry) {
        row.status = "missing";
        problems.push(`${name} is listed in the manifest but missing from the package`);
      } else if (entry.data.length !== file.size) {
        row.status = "changed";
        problems.push(`${name} has ${entry.data.length} bytes where the manifest says ${file.size}`);
      } else if ((await sha256Hex(entry.data)) !== file.sha256) {
        row.status = "changed";
        problems.push(`${name} was changed: its SHA-256 does not match the manifest`);
      }
      rows.push(row);
    }
    for (const { name } of entries.values()) {
      if (!listed.has(name.toLowerCase()) && !UNLISTED.has(name)) {
        rows.push({ name, size: entries.get(name.toLowerCase()).data.length, role: "", status: "extra" });
        problems.push(`${name} is in the package but not in the manifest (added after signing)`);
      }
    }
    const sums = entries.get(SUMS.toLowerCase());
    if (sums) {
      for (const line of text.decode(sums.data).split(/\r?\n/)) {
        const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
        if (!match) continue;
        const entry = entries.get(match[2].toLowerCase());
        if (entry && (await sha256Hex(entry.data)) !== match[1]) {
          problems.push(`${match[2]} does not match its line in SHA256SUMS`);
        }
      }
    }
    return { manifest, fingerprint, signatureOk: signature.ok, problems, rows };
  }

  // --- showing the result -------------------------------------------------------------------

  function setText(id, value) {
    $(id).textContent = value;
  }

  function describe(result) {
    const m = result.manifest;
    const auth = m.authorisation || {};
    const person = m.person || {};
    const recipient = m.recipient || {};
    const sender = m.sender || {};
    const until = day(auth.valid_until);
    const expired = until !== "" && until < today();
    setText("sender", `${sender.name || "(no name)"}${sender.organisation ? ` (${sender.organisation})` : ""}${sender.email ? ` <${sender.email}>` : ""}`);
    setText("fingerprint", result.fingerprint.replace(/(.{4})/g, "$1 ").trim());
    setText("person", person.full_name || "(no name)");
    setText("recipient", `${recipient.name || "(no name)"}${recipient.organisation ? ` (${recipient.organisation})` : ""}${recipient.email ? ` <${recipient.email}>` : ""}`);
    setText("purpose", auth.purpose || "(none given)");
    setText("method", auth.method || "");
    setText("obtained", day(auth.obtained_at));
    setText("valid-until", until ? `${until}${expired ? " (EXPIRED)" : ""}` : "");
    setText("scope", Array.isArray(auth.scope) ? auth.scope.map((s) => (String(s).startsWith("document:") ? "resume" : String(s))).join(", ") : "");
    setText("package-id", m.package_id || "");
    setText("created", m.created_at || "");
    const list = $("files");
    list.replaceChildren();
    for (const row of result.rows) {
      const tr = document.createElement("tr");
      tr.className = row.status;
      for (const value of [row.name, String(row.size ?? ""), row.role || "", row.status]) {
        const td = document.createElement("td");
        td.textContent = value;
        tr.appendChild(td);
      }
      list.appendChild(tr);
    }
    $("details").hidden = false;
    return { expired, until };
  }

  function verdict(ok, message) {
    const element = $("verdict");
    element.textContent = `${ok ? "VALID" : "NOT VALID"}: ${message}`;
    element.className = ok ? "valid" : "invalid";
  }

  async function handle(file) {
    $("verdict").textContent = "Checking…";
    $("verdict").className = "checking";
    $("details").hidden = true;
    const started = performance.now();
    try {
      const buffer = await file.arrayBuffer();
      const result = await checkPackage(buffer);
      const { expired, until } = describe(result);
      if (result.problems.length) {
        verdict(false, `${result.problems.join("; ")}. Do not rely on this package; ask the sender for a new one.`);
      } else {
        const consent = expired
          ? ` The consent it was shared under expired on ${until}: do not use it for anything new.`
          : until ? ` The consent is valid until ${until}.` : "";
        verdict(true, `signed by the key with fingerprint ${result.fingerprint.slice(0, 16)}…, and every file is exactly as signed.${consent} Compare the full fingerprint below with the one the sender gave you.`);
      }
    } catch (error) {
      $("details").hidden = true;
      const reason = error instanceof Refusal ? error.message : `the package could not be read (${error && error.message})`;
      verdict(false, `${reason}.`);
    } finally {
      document.documentElement.dataset.checkedInMs = String(Math.round(performance.now() - started));
      document.documentElement.dataset.engineUsed = usedEngine;
      $("file-name").textContent = file.name;
    }
  }

  function start() {
    const input = $("package");
    input.addEventListener("change", () => { if (input.files && input.files[0]) handle(input.files[0]); });
    const zone = $("drop");
    zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("over");
      const file = event.dataTransfer && event.dataTransfer.files[0];
      if (file) handle(file);
    });
    if (!window.DecompressionStream || !window.crypto || !crypto.subtle) {
      verdict(false, "this browser cannot check packages (it lacks DecompressionStream or WebCrypto); use a current Chrome, Edge, Firefox or Safari.");
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();

// The two vendored primitives verify.html needs, bundled into one classic script:
// BLAKE2b-512 (minisign's prehashed "ED" signatures) and Ed25519 verification for browsers
// whose WebCrypto has no Ed25519 yet. SHA-512 for Ed25519 comes from the same audited set.
import * as ed from '@noble/ed25519';
import { blake2b } from '@noble/hashes/blake2.js';
import { sha512 } from '@noble/hashes/sha2.js';

ed.hashes.sha512 = sha512;
ed.hashes.sha512Async = (m) => Promise.resolve(sha512(m));

globalThis.ContactVaultVendor = Object.freeze({
  blake2b512: (bytes) => blake2b(bytes, { dkLen: 64 }),
  ed25519Verify: (signature, message, publicKey) => ed.verifyAsync(signature, message, publicKey),
});

import sodium from 'sodium-native';
import type { Suite, KeyPair } from './suite.js';

const PUBLIC_KEY_BYTES = 32;
const SECRET_KEY_BYTES = 64;
const SIGNATURE_BYTES = 64;

/**
 * Inputs up to this size are copied into one reused buffer before the native call: a
 * small Uint8Array lives inside V8's heap, and handing it to native code first moves it
 * out (about 0.3 µs, more than hashing 65 bytes).
 */
const HASH_SCRATCH_BYTES = 1024;
const hashScratch = new Uint8Array(new ArrayBuffer(HASH_SCRATCH_BYTES));
const hashOut = new Uint8Array(new ArrayBuffer(32));
/** libsodium takes any Uint8Array; its type definitions say Buffer. */
const sodiumSha256 = sodium.crypto_hash_sha256 as unknown as (out: Uint8Array, data: Uint8Array) => void;

/**
 * SHA-256 through libsodium: about 0.5 µs for a 65-byte tree node here against 1.7 µs
 * for node:crypto's createHash (the per-call cost of creating a Hash object dominates).
 * Same bytes: FIPS 180-4, pinned by the vectors in ed25519.test.ts.
 */
function sha256(data: Uint8Array): Uint8Array {
  if (data.length <= HASH_SCRATCH_BYTES) {
    hashScratch.set(data);
    sodiumSha256(hashOut, hashScratch.subarray(0, data.length));
  } else {
    sodiumSha256(hashOut, data);
  }
  // A fresh 32-byte array (allocated inside V8's heap, so cheaply).
  return hashOut.slice();
}

/** The allocation-free form (merkle/hash.ts): `out` is 32 bytes. */
function sha256Into(out: Uint8Array, data: Uint8Array): void {
  sodiumSha256(out, data);
}

(sha256 as { into?: (out: Uint8Array, data: Uint8Array) => void }).into = sha256Into;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Ed25519 through libsodium, with SHA-256 as the chain's hash. */
export const ed25519: Suite = {
  name: 'ed25519',
  publicKeyBytes: PUBLIC_KEY_BYTES,
  signatureBytes: SIGNATURE_BYTES,
  hashBytes: 32,
  hash: sha256,
  generateKeyPair(seed?: Uint8Array): KeyPair {
    const publicKey = Buffer.alloc(PUBLIC_KEY_BYTES);
    const secretKey = Buffer.alloc(SECRET_KEY_BYTES);
    if (seed === undefined) sodium.crypto_sign_keypair(publicKey, secretKey);
    else {
      if (seed.length !== 32) throw new TypeError(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
      sodium.crypto_sign_seed_keypair(publicKey, secretKey, asBuffer(seed));
    }
    return { publicKey: new Uint8Array(publicKey), secretKey: new Uint8Array(secretKey) };
  },
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
    if (secretKey.length !== SECRET_KEY_BYTES) {
      throw new TypeError(`an Ed25519 secret key is ${SECRET_KEY_BYTES} bytes, got ${secretKey.length}`);
    }
    const signature = Buffer.alloc(SIGNATURE_BYTES);
    sodium.crypto_sign_detached(signature, asBuffer(message), asBuffer(secretKey));
    return new Uint8Array(signature);
  },
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    // Callers decode keys and signatures from untrusted bytes; a wrong type is a bad
    // signature, not a reason to throw inside consensus.
    if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
      return false;
    }
    if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
    return sodium.crypto_sign_verify_detached(asBuffer(signature), asBuffer(message), asBuffer(publicKey));
  },
};

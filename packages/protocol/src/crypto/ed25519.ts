import sodium from 'sodium-native';
import type { Suite, KeyPair, SignatureCheck } from './suite.js';
import { ed25519VerifyMany, ed25519VerifyOne } from './ed25519-verify.js';
import type { HashFunction } from '../merkle/hash.js';
import { hashFunctionOf, nativeSha256Into, type DigestInto } from './digest.js';

const PUBLIC_KEY_BYTES = 32;
const SECRET_KEY_BYTES = 64;
const SIGNATURE_BYTES = 64;

/** libsodium takes any Uint8Array; its type definitions say Buffer. */
const sodiumSha256 = sodium.crypto_hash_sha256 as unknown as DigestInto;

/**
 * SHA-256 (FIPS 180-4, pinned by the vectors in ed25519.test.ts): through OpenSSL in the
 * native addon when it is built, else through libsodium (about 0.55 µs for a 65-byte
 * tree node, against 1.7 µs for node:crypto's createHash).
 */
export const sha256Libsodium: HashFunction = hashFunctionOf(sodiumSha256);
const sha256: HashFunction = nativeSha256Into === undefined ? sha256Libsodium : hashFunctionOf(nativeSha256Into);

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/**
 * Ed25519 with SHA-256 as the chain's hash: keys and signatures made by libsodium,
 * signatures checked under Tongbao's cofactored rule (ed25519-verify.ts).
 */
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
    if (!isBytes(publicKey) || !isBytes(message) || !isBytes(signature)) return false;
    return ed25519VerifyOne(publicKey, message, signature); // wrong lengths: false
  },
  verifyMany(checks: readonly SignatureCheck[]): boolean[] {
    const wellTyped = checks.every((check) => isBytes(check.publicKey) && isBytes(check.message) && isBytes(check.signature));
    if (!wellTyped) return checks.map((check) => ed25519.verify(check.publicKey, check.message, check.signature));
    return ed25519VerifyMany(checks);
  },
};

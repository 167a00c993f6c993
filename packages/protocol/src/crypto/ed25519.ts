import { createHash } from 'node:crypto';
import sodium from 'sodium-native';
import type { Suite, KeyPair } from './suite.js';

const PUBLIC_KEY_BYTES = 32;
const SECRET_KEY_BYTES = 64;
const SIGNATURE_BYTES = 64;

function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

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

/**
 * The browser-safe entry of the protocol package: `@tongbao/protocol/portable`.
 *
 * The main entry (`index.ts`) carries the node's consensus verifiers, which load native
 * code (libsodium through sodium-native, Node's OpenSSL through node:crypto and the
 * @tongbao/sm2-native addon). A browser cannot load those, so this entry re-exports
 * every pure module — bytes, errors, encoding, block hashing, Merkle verifiers, the API
 * shapes, the generated protobuf code — and adds portable crypto on @noble/curves and
 * @noble/hashes:
 *
 * - Ed25519 on @noble/curves. Ed25519 is deterministic (RFC 8032), so a signature made
 *   here is byte-identical to libsodium's for the same key and message; secret keys use
 *   libsodium's 64-byte layout (seed ‖ public key) so keys move freely between the two.
 * - SHA-256 on @noble/hashes.
 * - SM2 / SM3 from ./crypto/sm2-portable.ts and ./crypto/sm3-portable.ts.
 *
 * Nothing here is the consensus verifier: nodes verify with `verify` of the main entry
 * and nothing else. The portable verifiers serve clients (a wallet checking a signature
 * it was shown). Nothing imported from this file, directly or not, may import a `node:`
 * module or a native addon; the SDK's tests walk the compiled import graph to hold it so.
 *
 * The transaction signing bytes come from ./transaction-bytes.ts, which both entries
 * share (./transaction.ts itself imports the native suites).
 */
import { create } from '@bufbuild/protobuf';
import { ed25519 as nobleEd25519 } from '@noble/curves/ed25519.js';
import { ed25519VerifyPortable } from './crypto/ed25519-portable.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes } from './bytes.js';
import { encode } from './encoding.js';
import { TransactionError } from './errors.js';
import { transactionSigningBytes, type UnsignedTransaction } from './transaction-bytes.js';
import type { KeyPair, SignatureCheck, Suite, SuiteName } from './crypto/suite.js';
import { createSm2Suite, sm2PublicKey, sm2VerifyPortable } from './crypto/sm2-portable.js';
import { sm3Portable } from './crypto/sm3-portable.js';
import {
  TransactionBodySchema,
  TransactionSchema,
  type Transaction,
} from './gen/tongbao/v1/transaction_pb.js';

export * as api from './api/index.js';
export * from './assert.js';
export * from './block.js';
export * from './bytes.js';
export * from './errors.js';
export * from './encoding.js';
export * from './merkle/index.js';
export * from './state.js';
export type { Suite, KeyPair, SuiteName } from './crypto/suite.js';
export {
  SM2_DEFAULT_USER_ID,
  SM2_PUBLIC_KEY_BYTES,
  SM2_SECRET_KEY_BYTES,
  SM2_SIGNATURE_BYTES,
  sm2PrepareKey,
  sm2PublicKey,
  sm2SecretKey,
  sm2Sign,
  sm2UserHash,
  sm2VerifyPortable,
  sm2VerifyPrepared,
  type Sm2PreparedKey,
} from './crypto/sm2-portable.js';
export { sm3Portable } from './crypto/sm3-portable.js';
export * from './gen/tongbao/v1/block_pb.js';
export * from './gen/tongbao/v1/consensus_pb.js';
export * from './gen/tongbao/v1/crypto_pb.js';
export * from './gen/tongbao/v1/currency_pb.js';
export * from './gen/tongbao/v1/currency_state_pb.js';
export * from './gen/tongbao/v1/evidence_pb.js';
export * from './gen/tongbao/v1/genesis_pb.js';
export * from './gen/tongbao/v1/governance_pb.js';
export * from './gen/tongbao/v1/receipt_pb.js';
export * from './gen/tongbao/v1/transaction_pb.js';
export { create, clone, equals, toJson, fromJson } from '@bufbuild/protobuf';
export type { DescMessage, MessageShape } from '@bufbuild/protobuf';

const ED25519_PUBLIC_KEY_BYTES = 32;
const ED25519_SECRET_KEY_BYTES = 64;
const ED25519_SIGNATURE_BYTES = 64;
const ED25519_SEED_BYTES = 32;

/** SHA-256, the hash of `ed25519` chains, in pure JavaScript. */
export function sha256Portable(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

/**
 * Ed25519 with SHA-256 as the chain's hash, in pure JavaScript. A secret key is
 * libsodium's 64 bytes: the 32-byte seed followed by the public key.
 */
export const ed25519Portable: Suite = {
  name: 'ed25519',
  publicKeyBytes: ED25519_PUBLIC_KEY_BYTES,
  signatureBytes: ED25519_SIGNATURE_BYTES,
  hashBytes: 32,
  hash: sha256Portable,
  generateKeyPair(seed?: Uint8Array): KeyPair {
    if (seed !== undefined && seed.length !== ED25519_SEED_BYTES) {
      throw new TypeError(`an Ed25519 seed is ${ED25519_SEED_BYTES} bytes, got ${seed.length}`);
    }
    const secretSeed = seed === undefined ? randomBytes(ED25519_SEED_BYTES) : seed.slice();
    const publicKey = nobleEd25519.getPublicKey(secretSeed);
    return { publicKey, secretKey: concatBytes(secretSeed, publicKey) };
  },
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
    if (secretKey.length !== ED25519_SECRET_KEY_BYTES) {
      throw new TypeError(`an Ed25519 secret key is ${ED25519_SECRET_KEY_BYTES} bytes, got ${secretKey.length}`);
    }
    const seed = secretKey.subarray(0, ED25519_SEED_BYTES);
    // libsodium signs with the public key stored in the secret key; a mismatched pair
    // would make a signature that verifies for neither half. Refuse it here.
    if (!equalBytes(nobleEd25519.getPublicKey(seed), secretKey.subarray(ED25519_SEED_BYTES))) {
      throw new TypeError('an Ed25519 secret key is seed ‖ public key, and this public key does not belong to the seed');
    }
    return nobleEd25519.sign(message, seed);
  },
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
      return false;
    }
    return ed25519VerifyPortable(publicKey, message, signature);
  },
  verifyMany(checks: readonly SignatureCheck[]): boolean[] {
    return checks.map((check) => ed25519Portable.verify(check.publicKey, check.message, check.signature));
  },
};

/** SM2 signatures and SM3 hashes in pure JavaScript (GB/T 32918.2, default user id). */
export const sm2Portable: Suite = createSm2Suite(sm3Portable, sm2VerifyPortable);

const PORTABLE_SUITES: Readonly<Record<SuiteName, Suite>> = { ed25519: ed25519Portable, sm2: sm2Portable };

/** The portable implementation of a suite. */
export function getPortableSuite(name: SuiteName): Suite {
  const suite = PORTABLE_SUITES[name];
  if (suite === undefined) throw new TypeError(`crypto suite ${String(name)} is not available`);
  return suite;
}

/** The public key of a secret key in the suite's layout. */
export function publicKeyFromSecretKey(suite: SuiteName, secretKey: Uint8Array): Uint8Array {
  if (suite === 'ed25519') {
    if (secretKey.length !== ED25519_SECRET_KEY_BYTES) {
      throw new TypeError(`an Ed25519 secret key is ${ED25519_SECRET_KEY_BYTES} bytes, got ${secretKey.length}`);
    }
    return secretKey.slice(ED25519_SEED_BYTES);
  }
  return sm2PublicKey(secretKey);
}

export { suiteIdFromName, suiteNameFromId } from './crypto/suite-id.js';

// ---- transactions: the same bytes as the node's entry, from the shared module ----

export * from './transaction-bytes.js';

/** A signed, encoded transaction and its id, hash(signing bytes). */
export interface SignedTransaction {
  readonly bytes: Uint8Array;
  readonly id: Uint8Array;
}

/** Builds, signs and encodes a transaction with the portable suite; returns bytes and id. */
export function signTransactionPortable(
  suite: SuiteName,
  chainId: string,
  secretKey: Uint8Array,
  unsigned: UnsignedTransaction,
): SignedTransaction {
  const crypto = getPortableSuite(suite);
  const body = create(TransactionBodySchema, { sender: unsigned.sender, nonce: unsigned.nonce, command: unsigned.command });
  const signingBytes = transactionSigningBytes(chainId, body);
  const signature = crypto.sign(secretKey, signingBytes);
  const bytes = encode(TransactionSchema, create(TransactionSchema, { chainId, body, signature }));
  return { bytes, id: crypto.hash(signingBytes) };
}

/** A transaction's id: hash(signing bytes), whatever the signature bytes. */
export function transactionId(suite: SuiteName, transaction: Transaction): Uint8Array {
  if (transaction.body === undefined) throw new TransactionError('MISSING_FIELD', 'transaction has no body');
  return getPortableSuite(suite).hash(transactionSigningBytes(transaction.chainId, transaction.body));
}

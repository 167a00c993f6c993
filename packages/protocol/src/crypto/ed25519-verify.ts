import sm2Native from '@tongbao/sm2-native';
import sodium from 'sodium-native';
import { ed25519VerifyPortable } from './ed25519-portable.js';
import type { SignatureCheck } from './suite.js';

/**
 * Tongbao's Ed25519 verification rule — one rule, whichever implementation runs it:
 *
 * - s < L;
 * - A (the key) and R (the signature's first half) are canonical encodings (y < p, no
 *   x = −0) of curve points, neither of small order;
 * - the cofactored equation [8]([s]B − R − [h]A) = 0 holds, h = SHA-512(R ‖ A ‖ M) mod L.
 *
 * Why cofactored: only then is checking many signatures in one equation exactly the
 * same verdict as checking each alone, so every node may batch its transactions as they
 * happen to arrive and still agree with every other node (ADR 0004). It differs from
 * libsodium's cofactorless check only on signatures made with a torsion component in A
 * or R, which no honest signer produces; the tests pin both kinds.
 *
 * The native addon runs it (`native/sm2/src/ed25519.c`: one signature about as fast as
 * libsodium, 2.2 times faster per signature in batches of 64). When the addon is not
 * built, libsodium and the portable form on @noble/curves give the same answers
 * (ed25519VerifyWithoutAddon), one at a time.
 */

const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

/**
 * Signatures per batch equation. Larger batches share the doublings more thinly, and a
 * batch with one bad signature is re-checked one by one: 64 keeps both costs small.
 */
export const ED25519_BATCH_SIGNATURES_MAX = 64;

const native = sm2Native.binding;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The rule without the addon, at libsodium's speed for valid signatures: whatever
 * libsodium accepts the rule accepts too (its checks are the rule's, with the stricter
 * cofactorless equation), so only what libsodium refuses goes to the slow portable form,
 * which finds the rare signature the rule accepts and libsodium does not.
 */
export function ed25519VerifyWithoutAddon(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  if (sodium.crypto_sign_verify_detached(asBuffer(signature), asBuffer(message), asBuffer(publicKey))) return true;
  return ed25519VerifyPortable(publicKey, message, signature);
}

/** The rule, through the addon where it is built; wrong lengths are an invalid signature. */
export const ed25519VerifyOne: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean =
  native === null ? ed25519VerifyWithoutAddon : (publicKey, message, signature) => native.ed25519Verify(publicKey, message, signature);

/** Whether the batch equation runs natively (else verifyMany checks one at a time). */
export const ed25519BatchIsNative = native !== null;

/**
 * The verdict of ed25519VerifyOne on each check, computed a batch at a time: a batch
 * whose equation holds is valid throughout; one whose equation fails is re-checked one
 * by one to find which.
 */
export function ed25519VerifyMany(checks: readonly SignatureCheck[]): boolean[] {
  const verdicts = new Array<boolean>(checks.length).fill(false);
  if (native === null) {
    checks.forEach((check, i) => (verdicts[i] = ed25519VerifyWithoutAddon(check.publicKey, check.message, check.signature)));
    return verdicts;
  }
  // Checks of the wrong shape are invalid alone; the rest are batched.
  const shaped: number[] = [];
  checks.forEach((check, i) => {
    if (check.publicKey.length === PUBLIC_KEY_BYTES && check.signature.length === SIGNATURE_BYTES) shaped.push(i);
  });
  for (let start = 0; start < shaped.length; start += ED25519_BATCH_SIGNATURES_MAX) {
    const batch = shaped.slice(start, start + ED25519_BATCH_SIGNATURES_MAX);
    if (verifyBatchNatively(checks, batch)) {
      for (const i of batch) verdicts[i] = true;
    } else {
      for (const i of batch) verdicts[i] = native.ed25519Verify(checks[i]!.publicKey, checks[i]!.message, checks[i]!.signature);
    }
  }
  return verdicts;
}

function verifyBatchNatively(checks: readonly SignatureCheck[], batch: readonly number[]): boolean {
  const keys = new Uint8Array(PUBLIC_KEY_BYTES * batch.length);
  const signatures = new Uint8Array(SIGNATURE_BYTES * batch.length);
  const messageEnds = new Uint32Array(batch.length);
  let total = 0;
  batch.forEach((i, k) => {
    total += checks[i]!.message.length;
    messageEnds[k] = total;
  });
  const messages = new Uint8Array(total);
  let offset = 0;
  batch.forEach((i, k) => {
    const check = checks[i]!;
    keys.set(check.publicKey, PUBLIC_KEY_BYTES * k);
    signatures.set(check.signature, SIGNATURE_BYTES * k);
    messages.set(check.message, offset);
    offset += check.message.length;
  });
  return native!.ed25519VerifyBatch(keys, signatures, messages, messageEnds);
}

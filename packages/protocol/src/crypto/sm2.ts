/**
 * The `sm2` suite: SM2 signatures (GB/T 32918.2, user id "1234567812345678") and SM3
 * hashes (GB/T 32905). Verification, the consensus-critical path, runs in the OpenSSL
 * that Node links, through the @tongbao/sm2-native addon (docs/adr/0002); key generation
 * and signing run in ./sm2-portable.ts. Encodings are documented there.
 */
import * as nodeCrypto from 'node:crypto';
import sm2Native from '@tongbao/sm2-native';
import type { PublicKeyHandle } from '@tongbao/sm2-native';
import { bytesToHex } from '../bytes.js';
import { TongbaoError } from '../errors.js';
import type { Suite } from './suite.js';
import type { HashFunction } from '../merkle/hash.js';
import { hashFunctionOf, nativeSm3Into } from './digest.js';
import { createSm2Suite, SM2_PUBLIC_KEY_BYTES, SM2_SIGNATURE_BYTES } from './sm2-portable.js';

/** node:crypto's one-shot `hash` (Node ≥ 20.12), when present: no Hash object per call. */
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }).hash;

/** SM3 through node:crypto: the fallback when the native addon is not built. */
export function sm3NodeCrypto(data: Uint8Array): Uint8Array {
  const digest = oneShotHash !== undefined ? oneShotHash('sm3', data, 'buffer') : nodeCrypto.createHash('sm3').update(data).digest();
  return new Uint8Array(digest); // a copy: the Buffer may share a larger allocation
}

/**
 * SM3 through OpenSSL, several times faster than ./sm3-portable.ts: in the native addon
 * (a reused context, ./digest.ts) when it is built, else through node:crypto.
 */
export const sm3: HashFunction = nativeSm3Into === undefined ? sm3NodeCrypto : hashFunctionOf(nativeSm3Into);

/**
 * Parsed keys, most recently used last. Parsing a key and computing its Z costs about as
 * much as a verification, and a validator sees the same few thousand senders over and
 * over. Invalid keys are remembered too, so garbage cannot make us parse it twice.
 */
export const SM2_PUBLIC_KEY_CACHE_COUNT_MAX = 4096;
const publicKeyCache = new Map<string, PublicKeyHandle | null>();

function binding(): NonNullable<typeof sm2Native.binding> {
  if (sm2Native.binding === null) {
    // Not a bad signature but a broken installation: failing loudly beats a node that
    // silently disagrees with the chain or falls back to another implementation.
    throw new TongbaoError(
      'SM2_NATIVE_UNAVAILABLE',
      'the SM2 verifier addon is not built; run `npm run build:native` (needs g++ and make)',
      { cause: sm2Native.loadError },
    );
  }
  return sm2Native.binding;
}

function publicKeyHandle(publicKey: Uint8Array): PublicKeyHandle | null {
  const id = bytesToHex(publicKey);
  const cached = publicKeyCache.get(id);
  if (cached !== undefined) {
    publicKeyCache.delete(id);
    publicKeyCache.set(id, cached);
    return cached;
  }
  const handle = binding().publicKey(publicKey);
  if (publicKeyCache.size >= SM2_PUBLIC_KEY_CACHE_COUNT_MAX) {
    const oldest = publicKeyCache.keys().next().value;
    if (oldest !== undefined) publicKeyCache.delete(oldest);
  }
  publicKeyCache.set(id, handle);
  return handle;
}

/**
 * Verification with a user id other than the default, uncached: for reproducing the
 * standard's samples and for interoperating with systems that agreed on another id.
 * Chain transactions always use {@link sm2.verify}.
 */
export function sm2VerifyWithUserId(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  userId: Uint8Array,
): boolean {
  if (publicKey.length !== SM2_PUBLIC_KEY_BYTES || signature.length !== SM2_SIGNATURE_BYTES) return false;
  if (userId.length > 8191) return false;
  const handle = binding().publicKey(publicKey, userId);
  return handle !== null && binding().verify(handle, message, signature);
}

export const sm2: Suite = createSm2Suite(sm3, (publicKey, message, signature) => {
  if (publicKey.length !== SM2_PUBLIC_KEY_BYTES || signature.length !== SM2_SIGNATURE_BYTES) return false;
  const handle = publicKeyHandle(publicKey);
  return handle !== null && binding().verify(handle, message, signature);
});

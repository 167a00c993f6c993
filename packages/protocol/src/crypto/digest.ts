import sm2Native from '@tongbao/sm2-native';
import type { HashFunction, HashIntoFunction } from '../merkle/hash.js';
import { OffHeapScratch } from '../off-heap-scratch.js';

/** Writes a 32-byte digest of `data` into out[0..32). */
export type DigestInto = HashIntoFunction;

/**
 * The node's digests in OpenSSL through the @tongbao/sm2-native addon: a reused context
 * per thread, about 0.2 µs for a 65-byte tree node against 0.55 µs through libsodium and
 * 1 µs through node:crypto's one-shot hash. Undefined when the addon is not built; the
 * suites then use their fallbacks, which give the same bytes (digest.test.ts).
 */
export const nativeSha256Into: DigestInto | undefined = sm2Native.binding?.sha256Into;
export const nativeSm3Into: DigestInto | undefined = sm2Native.binding?.sm3Into;

/**
 * Inputs up to this size are copied into one reused buffer before the native call: a
 * small Uint8Array lives inside V8's heap, and handing it to native code first moves it
 * out (about 0.3 µs, more than hashing 65 bytes).
 */
const SCRATCH_BYTES = 1024;

/**
 * A HashFunction over a 32-byte DigestInto: `hash(data)` returns a fresh array, and
 * `hash.into` is the allocation-free form (merkle/hash.ts) for callers whose buffers are
 * already outside V8's heap.
 */
export function hashFunctionOf(into: DigestInto): HashFunction {
  const scratch = new OffHeapScratch(SCRATCH_BYTES);
  const out = new Uint8Array(new ArrayBuffer(32));
  const hash = (data: Uint8Array): Uint8Array => {
    into(out, scratch.hold(data));
    // A fresh 32-byte array (allocated inside V8's heap, so cheaply).
    return out.slice();
  };
  (hash as { into?: DigestInto }).into = into;
  return hash;
}

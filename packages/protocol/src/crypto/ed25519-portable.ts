import { ed25519 as noble } from '@noble/curves/ed25519.js';

/**
 * Tongbao's Ed25519 rule (ed25519-verify.ts) in pure JavaScript, for a browser and for
 * a node without the native addon: @noble/curves' strict (RFC 8032) decoding and
 * cofactored equation, which refuse a small-order key but not a small-order R — so that
 * is refused here.
 */
export function ed25519VerifyPortable(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    if (!noble.verify(signature, message, publicKey, { zip215: false })) return false;
    return !noble.Point.fromBytes(signature.subarray(0, 32), false).isSmallOrder();
  } catch {
    return false;
  }
}


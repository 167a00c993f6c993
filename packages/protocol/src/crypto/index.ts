import { ed25519 } from './ed25519.js';
import { sm2 } from './sm2.js';
import type { Suite, SuiteName } from './suite.js';

export type { Suite, KeyPair, SuiteName, SignatureCheck } from './suite.js';
export { ED25519_BATCH_SIGNATURES_MAX, ed25519BatchIsNative, ed25519VerifyWithoutAddon } from './ed25519-verify.js';
export { ed25519VerifyPortable } from './ed25519-portable.js';
export { sm3, sm2VerifyWithUserId, SM2_PUBLIC_KEY_CACHE_COUNT_MAX } from './sm2.js';
export {
  SM2_DEFAULT_USER_ID,
  sm2PrepareKey,
  sm2VerifyPrepared,
  sm2VerifyPortable,
  sm2UserHash,
  type Sm2PreparedKey,
} from './sm2-portable.js';
export { sm3Portable } from './sm3-portable.js';

const SUITES: Readonly<Record<SuiteName, Suite>> = {
  ed25519,
  sm2,
};

export function getSuite(name: SuiteName): Suite {
  const suite = SUITES[name];
  if (suite === undefined) throw new TypeError(`crypto suite ${name} is not available`);
  return suite;
}

export { suiteIdFromName, suiteNameFromId } from './suite-id.js';

/**
 * The consensus-critical signature check, exactly one implementation per suite. Every
 * node and every audit calls this and nothing else.
 */
export function verify(suite: SuiteName, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return getSuite(suite).verify(publicKey, message, signature);
}

import { getPortableSuite, type KeyPair, type SuiteName } from '@tongbao/protocol/portable';
import { InvalidParameterError } from '../errors.js';

export type { KeyPair, SuiteName } from '@tongbao/protocol/portable';

/**
 * A fresh key pair for the suite (randomness from crypto.getRandomValues), or a
 * deterministic one from a 32-byte seed (tests, demos). Ed25519 secret keys are
 * libsodium's 64 bytes (seed ‖ public key); SM2 secret keys are the 32-byte scalar.
 *
 * @example
 * const { publicKey, secretKey } = generateKeyPair('sm2')
 */
export function generateKeyPair(suite: SuiteName, seed?: Uint8Array): KeyPair {
  if (suite !== 'ed25519' && suite !== 'sm2') {
    throw new InvalidParameterError(`suite must be 'ed25519' or 'sm2', got ${JSON.stringify(suite)}`);
  }
  if (seed !== undefined && (!(seed instanceof Uint8Array) || seed.length !== 32)) {
    throw new InvalidParameterError('seed must be 32 bytes');
  }
  return getPortableSuite(suite).generateKeyPair(seed);
}

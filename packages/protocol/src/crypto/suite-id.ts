import { CryptoSuite as CryptoSuiteId } from '../gen/tongbao/v1/crypto_pb.js';
import type { SuiteName } from './suite.js';

/** The genesis names a suite by its protobuf enum; code by its name. Pure, for both entries. */
export function suiteNameFromId(id: CryptoSuiteId): SuiteName {
  switch (id) {
    case CryptoSuiteId.ED25519:
      return 'ed25519';
    case CryptoSuiteId.SM2:
      return 'sm2';
    default:
      throw new TypeError(`unknown crypto suite id ${id}`);
  }
}

export function suiteIdFromName(name: SuiteName): CryptoSuiteId {
  return name === 'ed25519' ? CryptoSuiteId.ED25519 : CryptoSuiteId.SM2;
}

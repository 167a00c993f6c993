import {
  bytesToHex,
  getPortableSuite,
  publicKeyFromSecretKey,
  signTransactionPortable,
  type Command,
  type SuiteName,
} from '@tongbao/protocol/portable';
import { InvalidParameterError } from '../errors.js';
import { checkU64 } from '../utils/validate.js';
import { createNonceManager, type NonceManager } from './nonceManager.js';

/** A signed transaction ready to submit. */
export interface SignedTransaction {
  /** The encoded Transaction. */
  readonly bytes: Uint8Array;
  /** Its id, hash(signing bytes), hex: what getTransaction and waitForReceipt take. */
  readonly id: string;
  readonly nonce: bigint;
  readonly chainId: string;
}

export interface SignTransactionParameters {
  readonly chainId: string;
  readonly nonce: bigint;
  readonly command: Command;
}

/** A signer whose secret key lives in this process (browser or Node). */
export interface LocalAccount {
  readonly type: 'local';
  readonly suite: SuiteName;
  readonly publicKey: Uint8Array;
  /** The public key, hex. */
  readonly address: string;
  readonly nonceManager: NonceManager;
  /** Signs raw bytes with the suite (Ed25519, or SM2 with the default user id). */
  sign(message: Uint8Array): Uint8Array;
  /** Builds, signs and encodes a transaction, offline. */
  signTransaction(parameters: SignTransactionParameters): SignedTransaction;
}

export interface CreateLocalAccountParameters {
  readonly suite: SuiteName;
  /** Ed25519: 64 bytes (seed ‖ public key); SM2: the 32-byte scalar. */
  readonly secretKey: Uint8Array;
  /** Shared with another account object of the same key, or a custom one. */
  readonly nonceManager?: NonceManager;
}

/**
 * An account that signs locally with a secret key.
 *
 * @example
 * const account = createLocalAccount({ suite: 'sm2', secretKey: generateKeyPair('sm2').secretKey })
 * await sendCommand(client, { account, command: payCommand({ ... }) })
 */
export function createLocalAccount(parameters: CreateLocalAccountParameters): LocalAccount {
  const { suite, secretKey } = parameters;
  if (suite !== 'ed25519' && suite !== 'sm2') {
    throw new InvalidParameterError(`suite must be 'ed25519' or 'sm2', got ${JSON.stringify(suite)}`);
  }
  if (!(secretKey instanceof Uint8Array)) throw new InvalidParameterError('secretKey must be a Uint8Array');
  let publicKey: Uint8Array;
  try {
    publicKey = publicKeyFromSecretKey(suite, secretKey);
  } catch (cause) {
    throw new InvalidParameterError(`secretKey is not a valid ${suite} secret key: ${(cause as Error).message}`, { cause });
  }
  const key = secretKey.slice();
  const crypto = getPortableSuite(suite);
  return {
    type: 'local',
    suite,
    publicKey,
    address: bytesToHex(publicKey),
    nonceManager: parameters.nonceManager ?? createNonceManager(),
    sign: (message) => crypto.sign(key, message),
    signTransaction({ chainId, nonce, command }) {
      if (command?.kind?.case === undefined) throw new InvalidParameterError('command must be a built Command (e.g. payCommand(...))');
      const signed = signTransactionPortable(suite, chainId, key, { sender: publicKey, nonce: checkU64('nonce', nonce), command });
      return { bytes: signed.bytes, id: bytesToHex(signed.id), nonce, chainId };
    },
  };
}

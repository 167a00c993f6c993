import { concatBytes, utf8ToBytes } from './bytes.js';
import { decodeCanonical, encode } from './encoding.js';
import { TransactionBodySchema, TransactionSchema, type Command, type Transaction, type TransactionBody } from './gen/tongbao/v1/transaction_pb.js';

/**
 * The transaction envelope's bytes, with no crypto attached: shared by the node's entry
 * (./transaction.ts, which verifies with the native suites) and the browser-safe entry
 * (./portable.ts), so both sign and hash exactly the same bytes.
 */

/** Separates transaction signatures from every other kind of signed message. */
export const TRANSACTION_DOMAIN_TAG = utf8ToBytes('tongbao/tx/v1\u0000');

/** Hard ceiling on one encoded transaction; chains may configure a lower one. */
export const TRANSACTION_BYTES_MAX = 64 * 1024;

export const CHAIN_ID_BYTES_MAX = 64;

export interface UnsignedTransaction {
  readonly sender: Uint8Array;
  readonly nonce: bigint;
  readonly command: Command;
}

/** domain tag ‖ u8 length of chain id ‖ chain id ‖ encode(body) */
export function transactionSigningBytes(chainId: string, body: TransactionBody): Uint8Array {
  const chain = utf8ToBytes(chainId);
  if (chain.length === 0 || chain.length > CHAIN_ID_BYTES_MAX) {
    throw new TypeError(`a chain id is 1..${CHAIN_ID_BYTES_MAX} bytes, got ${chain.length}`);
  }
  return concatBytes(TRANSACTION_DOMAIN_TAG, Uint8Array.of(chain.length), chain, encode(TransactionBodySchema, body));
}

/** Decodes without checking the signature (the caller has, or will). Throws DecodeError. */
export function decodeTransaction(bytes: Uint8Array, maxBytes = TRANSACTION_BYTES_MAX): Transaction {
  return decodeCanonical(TransactionSchema, bytes, maxBytes);
}

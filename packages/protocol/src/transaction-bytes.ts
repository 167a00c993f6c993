import { concatBytes, utf8ToBytes } from './bytes.js';
import { canonicalFieldBytes, decodeCanonical, encode } from './encoding.js';
import { TransactionBodySchema, TransactionSchema, type Command, type Transaction, type TransactionBody } from './gen/tongbao/v1/transaction_pb.js';
import { decodeCanonicalPayTransaction } from './pay-transaction-decoder.js';

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
  return signingBytesOf(chainId, encode(TransactionBodySchema, body));
}

function signingBytesOf(chainId: string, bodyBytes: Uint8Array): Uint8Array {
  const chain = utf8ToBytes(chainId);
  if (chain.length === 0 || chain.length > CHAIN_ID_BYTES_MAX) {
    throw new TypeError(`a chain id is 1..${CHAIN_ID_BYTES_MAX} bytes, got ${chain.length}`);
  }
  return concatBytes(TRANSACTION_DOMAIN_TAG, Uint8Array.of(chain.length), chain, bodyBytes);
}

/**
 * The signing bytes of a transaction from its CANONICAL encoding, without encoding the
 * body again: in canonical bytes the body field holds exactly encode(body), so it is
 * sliced out. Only for bytes already decoded and found canonical (or stored after such a
 * check); on anything else the result is meaningless.
 */
export function transactionSigningBytesFromCanonical(chainId: string, canonical: Uint8Array): Uint8Array {
  // Field 2 is the body; a canonical transaction with an empty body omits it.
  return signingBytesOf(chainId, canonicalFieldBytes(canonical, 2) ?? new Uint8Array(0));
}

/** Decodes without checking the signature (the caller has, or will). Throws DecodeError. */
export function decodeTransaction(bytes: Uint8Array, maxBytes = TRANSACTION_BYTES_MAX): Transaction {
  return (bytes.length <= maxBytes ? decodeCanonicalPayTransaction(bytes) : undefined) ?? decodeCanonical(TransactionSchema, bytes, maxBytes);
}

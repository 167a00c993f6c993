import { create, fromBinary } from '@bufbuild/protobuf';
import { getSuite, type SignatureCheck, type Suite, type SuiteName } from './crypto/index.js';
import { encode } from './encoding.js';
import { TongbaoError, TransactionError } from './errors.js';
import {
  TransactionBodySchema,
  TransactionSchema,
  type Command,
  type Transaction,
  type TransactionBody,
} from './gen/tongbao/v1/transaction_pb.js';
import {
  decodeTransaction,
  TRANSACTION_BYTES_MAX,
  transactionSigningBytes,
  transactionSigningBytesFromCanonical,
  type UnsignedTransaction,
} from './transaction-bytes.js';
import { decodeCanonicalPayTransaction } from './pay-transaction-decoder.js';

export * from './transaction-bytes.js';

const BAD_SIGNATURE_MESSAGE = 'the signature does not verify for this sender, chain and body; sign the exact body with the sender key';

/** A transaction whose encoding, chain and signature have been checked. */
export interface VerifiedTransaction {
  /** hash(signing bytes): one id per signed body, whatever the signature bytes. */
  readonly id: Uint8Array;
  /** The encoded Transaction exactly as received. */
  readonly bytes: Uint8Array;
  readonly sender: Uint8Array;
  readonly nonce: bigint;
  readonly command: Command;
}

/** Builds, signs and encodes a transaction. */
export function signTransaction(
  suite: SuiteName,
  chainId: string,
  secretKey: Uint8Array,
  unsigned: UnsignedTransaction,
): Uint8Array {
  const body = create(TransactionBodySchema, {
    sender: unsigned.sender,
    nonce: unsigned.nonce,
    command: unsigned.command,
  });
  const signature = getSuite(suite).sign(secretKey, transactionSigningBytes(chainId, body));
  return encode(TransactionSchema, create(TransactionSchema, { chainId, body, signature }));
}

/**
 * Checks everything about a transaction that does not depend on state: canonical
 * encoding, size, chain, shape and signature. Throws DecodeError or TransactionError.
 */
export function verifyTransaction(
  suite: SuiteName,
  chainId: string,
  bytes: Uint8Array,
  maxBytes = TRANSACTION_BYTES_MAX,
): VerifiedTransaction {
  const read = readForVerification(suite, chainId, bytes, maxBytes);
  const crypto = getSuite(suite);
  if (!crypto.verify(read.check.publicKey, read.check.message, read.check.signature)) {
    throw new TransactionError('BAD_SIGNATURE', BAD_SIGNATURE_MESSAGE);
  }
  return verified(crypto, bytes, read.body, read.check.message);
}

/**
 * verifyTransaction of each encoding — the same outcome for each, a verified
 * transaction or the error verifyTransaction would throw (DecodeError or
 * TransactionError) — with the signatures checked together (Suite.verifyMany), which
 * for Ed25519 is about twice as fast. Errors of other kinds (bugs) still throw.
 */
export function verifyTransactions(
  suite: SuiteName,
  chainId: string,
  encodings: readonly Uint8Array[],
  maxBytes = TRANSACTION_BYTES_MAX,
): (VerifiedTransaction | TongbaoError)[] {
  const crypto = getSuite(suite);
  const outcomes: (VerifiedTransaction | TongbaoError)[] = new Array(encodings.length);
  const pending: { index: number; read: ReadTransaction }[] = [];
  encodings.forEach((bytes, index) => {
    try {
      pending.push({ index, read: readForVerification(suite, chainId, bytes, maxBytes) });
    } catch (error) {
      if (!(error instanceof TongbaoError)) throw error;
      outcomes[index] = error;
    }
  });
  const valid = crypto.verifyMany(pending.map(({ read }) => read.check));
  pending.forEach(({ index, read }, k) => {
    outcomes[index] = valid[k]
      ? verified(crypto, encodings[index]!, read.body, read.check.message)
      : new TransactionError('BAD_SIGNATURE', BAD_SIGNATURE_MESSAGE);
  });
  return outcomes;
}

/** A decoded transaction of the right chain and shape, and the signature check it still needs. */
interface ReadTransaction {
  readonly body: TransactionBody;
  /** The sender's key, the signing bytes and the signature. */
  readonly check: SignatureCheck;
}

/** Everything verifyTransaction checks but the signature. Throws DecodeError or TransactionError. */
function readForVerification(suite: SuiteName, chainId: string, bytes: Uint8Array, maxBytes: number): ReadTransaction {
  const tx = decodeTransaction(bytes, maxBytes);
  const body = checkTransactionShape(suite, chainId, tx);
  // decodeTransaction found the bytes canonical, so the body's encoding is a slice of them.
  const signingBytes = transactionSigningBytesFromCanonical(chainId, bytes);
  return { body, check: { publicKey: body.sender, message: signingBytes, signature: tx.signature } };
}

function verified(crypto: Suite, bytes: Uint8Array, body: TransactionBody, signingBytes: Uint8Array): VerifiedTransaction {
  return { id: crypto.hash(signingBytes), bytes, sender: body.sender, nonce: body.nonce, command: body.command! };
}

/**
 * The same as verifyTransaction but trusting the signature, for transactions verified
 * once already (by the mempool, or in a block whose signatures were checked on entry).
 */
export function decodeVerifiedTransaction(suite: SuiteName, chainId: string, bytes: Uint8Array): VerifiedTransaction {
  // Verified once already, so known canonical: decoding need not re-encode to check it.
  const tx = decodeCanonicalPayTransaction(bytes) ?? fromBinary(TransactionSchema, bytes, { readUnknownFields: false });
  const body = checkTransactionShape(suite, chainId, tx);
  return verified(getSuite(suite), bytes, body, transactionSigningBytesFromCanonical(chainId, bytes));
}

function checkTransactionShape(suite: SuiteName, chainId: string, tx: Transaction): TransactionBody {
  if (tx.chainId !== chainId) {
    throw new TransactionError('WRONG_CHAIN', `transaction is for chain "${tx.chainId}" but this is chain "${chainId}"`, {
      details: { expected: chainId, actual: tx.chainId },
    });
  }
  const body = tx.body;
  if (body === undefined) throw new TransactionError('MISSING_FIELD', 'transaction has no body');
  if (body.command === undefined || body.command.kind.case === undefined) {
    throw new TransactionError('MISSING_FIELD', 'transaction body has no command');
  }
  const crypto = getSuite(suite);
  if (body.sender.length !== crypto.publicKeyBytes) {
    throw new TransactionError(
      'BAD_PUBLIC_KEY',
      `sender public key is ${body.sender.length} bytes; a ${suite} public key is ${crypto.publicKeyBytes} bytes`,
    );
  }
  return body;
}

import type { Client } from '../clients/createClient.js';
import type { InvalidParameterError, InvalidResponseError, TongbaoApiError, TongbaoTransportError } from '../errors.js';
import {
  checkReceiptDetail,
  checkWait,
  submitDeadlineMs,
  transactionBytes,
  type ReceiptDetail,
  type SubmitResult,
  type TransactionInput,
  type WaitMode,
} from '../utils/submit.js';
import { checkBatch, toBatchResults } from './submitTransactions.js';

export interface SubmitBinaryParameters {
  readonly transactions: readonly TransactionInput[];
  readonly wait?: WaitMode;
  readonly timeoutMs?: number;
  /** With wait 'committed': 'full' receipts (default) or 'brief' ones without events. */
  readonly receipts?: ReceiptDetail;
}

export type SubmitBinaryReturnType = readonly SubmitResult[];

export type SubmitBinaryErrorType = TongbaoApiError | TongbaoTransportError | InvalidResponseError | InvalidParameterError;

/** Frames transactions as the binary route reads them: repeated u32 big-endian length ‖ bytes. */
export function encodeTransactionFrames(transactions: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const t of transactions) length += 4 + t.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const t of transactions) {
    view.setUint32(offset, t.length);
    out.set(t, offset + 4);
    offset += 4 + t.length;
  }
  return out;
}

/**
 * Submits a batch as one binary body (POST /v1/transactions/binary,
 * application/octet-stream, frames of u32-BE length ‖ transaction bytes): the cheapest
 * way to send many transactions, used by load generators.
 *
 * @example
 * const results = await submitBinary(client, { transactions: signedPayments, wait: 'none' })
 */
export async function submitBinary(client: Client, parameters: SubmitBinaryParameters): Promise<SubmitBinaryReturnType> {
  checkWait(parameters.wait, parameters.timeoutMs);
  checkReceiptDetail(parameters.receipts);
  const list = checkBatch(parameters.transactions).map((t, i) => transactionBytes(t, `transactions[${i}]`));
  const json = await client.request({
    method: 'POST',
    path: '/v1/transactions/binary',
    query: { wait: parameters.wait, timeoutMs: parameters.timeoutMs?.toString(), receipts: parameters.receipts },
    binary: encodeTransactionFrames(list),
    timeoutMs: submitDeadlineMs(parameters.wait, parameters.timeoutMs, client.transport.timeoutMs),
  });
  return toBatchResults(json, list.length, 'POST /v1/transactions/binary');
}

import { api } from '@tongbao/protocol/portable';
import type { Client } from '../clients/createClient.js';
import { InvalidParameterError, InvalidResponseError, type TongbaoApiError, type TongbaoTransportError } from '../errors.js';
import { bytesToBase64 } from '../utils/base64.js';
import {
  checkReceiptDetail,
  checkWait,
  submitDeadlineMs,
  toSubmitResult,
  transactionBytes,
  type SubmitResult,
  type ReceiptDetail,
  type TransactionInput,
  type WaitMode,
} from '../utils/submit.js';

export interface SubmitTransactionsParameters {
  /** 1..10,000 signed transactions. */
  readonly transactions: readonly TransactionInput[];
  readonly wait?: WaitMode;
  readonly timeoutMs?: number;
  /** With wait 'committed': 'full' receipts (default) or 'brief' ones without events. */
  readonly receipts?: ReceiptDetail;
}

/** One result per transaction, in order. */
export type SubmitTransactionsReturnType = readonly SubmitResult[];

export type SubmitTransactionsErrorType = TongbaoApiError | TongbaoTransportError | InvalidResponseError | InvalidParameterError;

/**
 * Submits a batch as JSON (POST /v1/transactions/batch): one request, one result per
 * transaction in order. For large batches submitBinary saves the base64 overhead.
 *
 * @example
 * const results = await submitTransactions(client, { transactions: [a, b, c], wait: 'committed' })
 */
export async function submitTransactions(client: Client, parameters: SubmitTransactionsParameters): Promise<SubmitTransactionsReturnType> {
  checkWait(parameters.wait, parameters.timeoutMs);
  checkReceiptDetail(parameters.receipts);
  const list = checkBatch(parameters.transactions);
  const what = 'POST /v1/transactions/batch';
  const json = await client.request({
    method: 'POST',
    path: '/v1/transactions/batch',
    json: {
      transactions: list.map((t, i) => bytesToBase64(transactionBytes(t, `transactions[${i}]`))),
      ...(parameters.wait === undefined ? {} : { wait: parameters.wait }),
      ...(parameters.timeoutMs === undefined ? {} : { timeoutMs: parameters.timeoutMs }),
      ...(parameters.receipts === undefined ? {} : { receipts: parameters.receipts }),
    },
    timeoutMs: submitDeadlineMs(parameters.wait, parameters.timeoutMs, client.transport.timeoutMs),
  });
  return toBatchResults(json, list.length, what);
}

export function checkBatch(transactions: readonly TransactionInput[]): readonly TransactionInput[] {
  if (!Array.isArray(transactions) || transactions.length === 0 || transactions.length > api.SUBMIT_BATCH_TRANSACTIONS_MAX) {
    throw new InvalidParameterError(`transactions must be an array of 1..${api.SUBMIT_BATCH_TRANSACTIONS_MAX} transactions`);
  }
  return transactions;
}

export function toBatchResults(json: unknown, count: number, what: string): readonly SubmitResult[] {
  const results = (json as { results?: unknown } | null)?.results;
  if (!Array.isArray(results) || results.length !== count) {
    throw new InvalidResponseError(`${what}: expected ${count} results`, { details: { what } });
  }
  return results.map((r, i) => toSubmitResult(r, `${what}: results[${i}]`));
}

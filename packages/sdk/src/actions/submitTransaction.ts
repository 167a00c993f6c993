import type { Client } from '../clients/createClient.js';
import type { InvalidParameterError, InvalidResponseError, TongbaoApiError, TongbaoTransportError } from '../errors.js';
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

export type { ReceiptDetail, SubmitResult, TransactionInput, WaitMode } from '../utils/submit.js';

export interface SubmitTransactionParameters {
  readonly transaction: TransactionInput;
  /** 'none' (default): answer once the mempool accepted; 'committed': once the block is committed. */
  readonly wait?: WaitMode;
  /** Longest the node waits for the commit, ms (1..60,000). */
  readonly timeoutMs?: number;
  /** With wait 'committed': 'full' receipts (default) or 'brief' ones without events. */
  readonly receipts?: ReceiptDetail;
}

export type SubmitTransactionReturnType = SubmitResult;

export type SubmitTransactionErrorType = TongbaoApiError | TongbaoTransportError | InvalidResponseError | InvalidParameterError;

/**
 * Submits one signed transaction (POST /v1/transactions). A transaction the node refuses
 * comes back as data, with status 'rejected' and an error; so does a commit wait that
 * timed out (status 'accepted', error WAIT_TIMEOUT). Never retried: after a transport
 * error, look the id up with getTransaction before resending.
 *
 * @example
 * const signed = await signCommand(client, { account, command: payCommand({ ... }) })
 * const result = await submitTransaction(client, { transaction: signed, wait: 'committed' })
 * if (result.receipt?.code === 0) console.log('paid')
 */
export async function submitTransaction(client: Client, parameters: SubmitTransactionParameters): Promise<SubmitTransactionReturnType> {
  checkWait(parameters.wait, parameters.timeoutMs);
  checkReceiptDetail(parameters.receipts);
  const bytes = transactionBytes(parameters.transaction, 'transaction');
  const json = await client.request({
    method: 'POST',
    path: '/v1/transactions',
    json: {
      transaction: bytesToBase64(bytes),
      ...(parameters.wait === undefined ? {} : { wait: parameters.wait }),
      ...(parameters.timeoutMs === undefined ? {} : { timeoutMs: parameters.timeoutMs }),
      ...(parameters.receipts === undefined ? {} : { receipts: parameters.receipts }),
    },
    timeoutMs: submitDeadlineMs(parameters.wait, parameters.timeoutMs, client.transport.timeoutMs),
  });
  return toSubmitResult(json, 'POST /v1/transactions');
}

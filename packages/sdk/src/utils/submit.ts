import { ReceiptSchema, api, type Receipt } from '@tongbao/protocol/portable';
import { InvalidParameterError } from '../errors.js';
import { checkShape, decodeProtoJson } from './response.js';

/** One transaction's fate as the node reports it. A committed transaction may still have failed: see receipt.code. */
export interface SubmitResult {
  /** The transaction id, hex (absent when the bytes did not even decode). */
  readonly id: string | undefined;
  /** 'accepted' by the mempool, 'committed' in a block, or 'rejected' before ordering. */
  readonly status: 'accepted' | 'committed' | 'rejected';
  readonly height: bigint | undefined;
  readonly receipt: Receipt | undefined;
  /** Why it was rejected, or WAIT_TIMEOUT when a wait for the commit ran out. */
  readonly error: { readonly code: string; readonly message: string; readonly details?: Record<string, unknown> } | undefined;
}

/** A transaction to submit: its encoded bytes, or anything carrying them (what signCommand returns). */
export type TransactionInput = Uint8Array | { readonly bytes: Uint8Array };

export type WaitMode = 'none' | 'committed';

/** With wait 'committed': 'full' receipts (default), or 'brief' ones — code, error and message without events. */
export type ReceiptDetail = 'full' | 'brief';

export function checkReceiptDetail(receipts: unknown): void {
  if (receipts !== undefined && receipts !== 'full' && receipts !== 'brief') {
    throw new InvalidParameterError(`receipts must be 'full' or 'brief', got ${JSON.stringify(receipts)}`);
  }
}

export function transactionBytes(input: TransactionInput, name: string): Uint8Array {
  const bytes = input instanceof Uint8Array ? input : input?.bytes;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new InvalidParameterError(`${name} must be the encoded transaction bytes (or an object with them as .bytes)`);
  }
  return bytes;
}

export function checkWait(wait: unknown, timeoutMs: unknown): void {
  if (wait !== undefined && wait !== 'none' && wait !== 'committed') {
    throw new InvalidParameterError(`wait must be 'none' or 'committed', got ${JSON.stringify(wait)}`);
  }
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || (timeoutMs as number) < 1 || (timeoutMs as number) > api.SUBMIT_WAIT_MS_MAX)) {
    throw new InvalidParameterError(`timeoutMs must be an integer in 1..${api.SUBMIT_WAIT_MS_MAX}`);
  }
}

/** The HTTP deadline of a submission: the node's wait plus a margin for the answer to travel. */
export function submitDeadlineMs(wait: WaitMode | undefined, timeoutMs: number | undefined, clientTimeoutMs: number): number {
  return wait === 'committed' ? (timeoutMs ?? api.SUBMIT_WAIT_MS_MAX) + 10_000 : clientTimeoutMs;
}

export function toSubmitResult(json: unknown, what: string): SubmitResult {
  const body = checkShape(api.SubmitResult, json, what);
  return {
    id: body.id,
    status: body.status,
    height: body.height === undefined ? undefined : BigInt(body.height),
    receipt: body.receipt === undefined ? undefined : decodeProtoJson(ReceiptSchema, body.receipt, what),
    error: body.error,
  };
}

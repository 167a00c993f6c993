import type { Receipt } from '@tongbao/protocol/portable';
import type { Client } from '../clients/createClient.js';
import { TransactionRejectedError, WaitTimeoutError, type InvalidParameterError } from '../errors.js';
import { toHashHex } from '../utils/validate.js';
import { getTransaction } from './getTransaction.js';
import { subscribe, type Subscription } from './subscribe.js';

export interface WaitForReceiptParameters {
  /** The transaction id: 32 bytes, or hex. */
  readonly id: Uint8Array | string;
  /** Give up after this long; default 60 s. */
  readonly timeoutMs?: number;
  /** Polling period while no subscription is open; default 1 s (ten times slower while one is). */
  readonly pollIntervalMs?: number;
}

export interface WaitForReceiptReturnType {
  readonly id: string;
  readonly height: bigint;
  /** receipt.code 0 is success; any other code is a stable rejection reason. */
  readonly receipt: Receipt;
}

export type WaitForReceiptErrorType = WaitTimeoutError | TransactionRejectedError | InvalidParameterError;

/** Longest wait one call may ask for. */
export const WAIT_FOR_RECEIPT_MS_MAX = 10 * 60_000;
/** The slow safety-net poll runs every this many periods while the subscription is open. */
const POLL_PERIODS_WHILE_SUBSCRIBED = 10;

/**
 * Waits until a transaction is committed and returns its receipt. Listens on a WebSocket
 * receipt subscription when the client has a WebSocket, and polls GET
 * /v1/transactions/:id as well — once at the start and after every (re)connection (the
 * commit may have happened before the subscription was in place), slowly while the
 * subscription is open, at pollIntervalMs while it is not. Throws WaitTimeoutError after
 * timeoutMs; the transaction may still commit later. Throws TransactionRejectedError when
 * the subscription reports it discarded (ordered, but it could not consume its nonce).
 *
 * @example
 * const signed = await signCommand(client, { account, command })
 * await submitTransaction(client, { transaction: signed })
 * const { receipt, height } = await waitForReceipt(client, { id: signed.id })
 */
export function waitForReceipt(client: Client, parameters: WaitForReceiptParameters): Promise<WaitForReceiptReturnType> {
  const id = toHashHex('id', parameters.id);
  const timeoutMs = Math.min(parameters.timeoutMs ?? 60_000, WAIT_FOR_RECEIPT_MS_MAX);
  const pollIntervalMs = Math.max(10, parameters.pollIntervalMs ?? 1_000);
  return new Promise((resolve, reject) => {
    let finished = false;
    let subscribed = false;
    let tick = 0;
    let subscription: Subscription | undefined;
    let pollTimer: ReturnType<typeof setTimeout> | undefined;
    let lastError: unknown;

    const finish = (outcome: { value: WaitForReceiptReturnType } | { error: Error }): void => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      if (pollTimer !== undefined) clearTimeout(pollTimer);
      subscription?.close();
      if ('value' in outcome) resolve(outcome.value);
      else reject(outcome.error);
    };
    const deadline = setTimeout(
      () =>
        finish({
          error: new WaitTimeoutError(`transaction ${id} was not committed within ${timeoutMs} ms`, {
            details: { id, timeoutMs },
            ...(lastError === undefined ? {} : { cause: lastError }),
          }),
        }),
      timeoutMs,
    );

    const pollOnce = async (): Promise<void> => {
      try {
        const tx = await getTransaction(client, { id });
        if (tx.status === 'committed' && tx.receipt !== undefined && tx.height !== undefined) {
          finish({ value: { id, height: tx.height, receipt: tx.receipt } });
        }
      } catch (error) {
        lastError = error; // NOT_FOUND until the node has it; network errors: keep trying
      }
    };
    const schedule = (): void => {
      pollTimer = setTimeout(async () => {
        pollTimer = undefined;
        tick++;
        if (!subscribed || tick % POLL_PERIODS_WHILE_SUBSCRIBED === 0) await pollOnce();
        if (!finished) schedule();
      }, pollIntervalMs);
    };

    if (client.WebSocket !== undefined) {
      try {
        subscription = subscribe(client, {
          topics: [{ subscribe: 'receipt', id }],
          onEvent: (event) => {
            if (event.type === 'receipt' && event.id === id) finish({ value: { id, height: event.height, receipt: event.receipt } });
            if (event.type === 'discarded' && event.id === id) {
              finish({ error: new TransactionRejectedError(event.code, event.message, { details: { id, height: event.height.toString() } }) });
            }
          },
          onError: (error) => {
            lastError = error;
          },
          onStatus: (status) => {
            subscribed = status === 'open';
            if (subscribed) void pollOnce();
          },
        });
      } catch (error) {
        lastError = error;
      }
    }
    void pollOnce();
    schedule();
  });
}

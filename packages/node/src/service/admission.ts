import { bytesToHex, type api } from '@tongbao/protocol';
import type { SubmitOptions } from '@tongbao/api';
import type { Mempool } from '../mempool/mempool.js';
import type { VerifierPool } from '../mempool/verifier-pool.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import type { CommitEvents, TransactionOutcome } from './commit-events.js';
import { receiptJsonFor } from './receipt-json.js';

/**
 * The way in for transactions: size check, signature verification on the worker pool
 * (once, ever), mempool admission, then — for clients that asked — a wait until the
 * block holding each transaction is committed.
 */
export class Admission {
  constructor(
    private readonly pool: VerifierPool,
    private readonly mempool: Mempool,
    private readonly events: CommitEvents,
    private readonly metrics: NodeMetrics,
    private readonly limits: { transactionBytesMax: number },
    /** Told after new transactions entered the mempool, so batches form promptly. */
    private readonly onAdmitted: () => void,
  ) {}

  /**
   * `bytesMax` is the size limit: clients are held to mempool.transaction_bytes_max; the
   * node's own evidence of misbehaviour may reach the protocol's TRANSACTION_BYTES_MAX (two
   * conflicting proposals with full payloads are larger than a client's transaction).
   */
  async submit(transactions: readonly Uint8Array[], options: SubmitOptions, bytesMax = this.limits.transactionBytesMax): Promise<api.SubmitResult[]> {
    const results: api.SubmitResult[] = new Array(transactions.length);
    const toVerify: Uint8Array[] = [];
    const positions: number[] = [];
    transactions.forEach((bytes, index) => {
      if (bytes.length > bytesMax) {
        results[index] = rejected('OVERSIZED', `transaction of ${bytes.length} bytes exceeds the limit of ${bytesMax} bytes`);
      } else {
        toVerify.push(bytes);
        positions.push(index);
      }
    });
    const verified = toVerify.length === 0 ? [] : await this.pool.verify(toVerify);
    const waiting: { id: string; index: number }[] = [];
    let admitted = 0;
    verified.forEach((outcome, i) => {
      const index = positions[i]!;
      if (!outcome.ok) {
        results[index] = rejected(outcome.code, outcome.message);
        return;
      }
      const tx = outcome.transaction;
      const id = bytesToHex(tx.id);
      const admission = this.mempool.admit(tx);
      if (!admission.ok) {
        results[index] = { id, ...rejected(admission.code, admission.message) };
        return;
      }
      admitted++;
      results[index] = { id, status: 'accepted' };
      if (options.wait === 'committed') waiting.push({ id, index });
    });
    for (const result of results) if (result.status === 'rejected') this.metrics.transactionsRejected.inc({ code: result.error!.code });
    if (admitted > 0) this.onAdmitted();
    if (waiting.length > 0) await this.waitForCommits(waiting, results, options);
    return results;
  }

  /**
   * Resolves once every listed transaction is committed (its result then says so) or the
   * timeout passes (the rest keep status 'accepted' with WAIT_TIMEOUT). One timer for the
   * whole request: a request of a thousand transactions is not a thousand timers.
   */
  private waitForCommits(waiting: readonly { id: string; index: number }[], results: api.SubmitResult[], options: SubmitOptions): Promise<void> {
    return new Promise((resolve) => {
      let remaining = waiting.length;
      // Each listener is removed exactly once: on its receipt, or by the timeout.
      const stops: ((() => void) | undefined)[] = new Array(waiting.length);
      const timer = setTimeout(() => {
        for (const stop of stops) stop?.();
        for (const { id, index } of waiting) {
          if (results[index]!.status === 'committed') continue;
          results[index] = {
            id,
            status: 'accepted',
            error: { code: 'WAIT_TIMEOUT', message: `not committed within ${options.timeoutMs} ms; it is still in the mempool — query GET /v1/transactions/${id}` },
          };
        }
        resolve();
      }, options.timeoutMs);
      waiting.forEach(({ id, index }, i) => {
        stops[i] = this.events.onOutcome(id, (outcome: TransactionOutcome) => {
          stops[i]!();
          stops[i] = undefined;
          results[index] = outcome.committed
            ? { id, status: 'committed', height: String(outcome.height), receipt: receiptJsonFor(options.receipts, outcome.receipt) }
            : { id, ...rejected(outcome.code, outcome.message) };
          if (--remaining === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    });
  }
}

function rejected(code: string, message: string): api.SubmitResult {
  return { status: 'rejected', error: { code, message } };
}

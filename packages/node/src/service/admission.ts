import { api, bytesToHex, type Receipt } from '@tongbao/protocol';
import type { Mempool } from '../mempool/mempool.js';
import type { VerifierPool } from '../mempool/verifier-pool.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import type { CommitEvents } from './commit-events.js';
import { receiptToJson } from './receipt-json.js';

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

  async submit(transactions: readonly Uint8Array[], options: { wait: api.WaitMode; timeoutMs: number }): Promise<api.SubmitResult[]> {
    const results: api.SubmitResult[] = new Array(transactions.length);
    const toVerify: Uint8Array[] = [];
    const positions: number[] = [];
    transactions.forEach((bytes, index) => {
      if (bytes.length > this.limits.transactionBytesMax) {
        results[index] = rejected('OVERSIZED', `transaction of ${bytes.length} bytes exceeds the limit of ${this.limits.transactionBytesMax} bytes`);
      } else {
        toVerify.push(bytes);
        positions.push(index);
      }
    });
    const verified = toVerify.length === 0 ? [] : await this.pool.verify(toVerify);
    const waits: Promise<void>[] = [];
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
      if (options.wait === 'committed') waits.push(this.waitForCommit(id, options.timeoutMs).then((r) => void (results[index] = r)));
    });
    for (const result of results) if (result.status === 'rejected') this.metrics.transactionsRejected.inc({ code: result.error!.code });
    if (admitted > 0) this.onAdmitted();
    await Promise.all(waits);
    return results;
  }

  private waitForCommit(id: string, timeoutMs: number): Promise<api.SubmitResult> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        stop();
        resolve({
          id,
          status: 'accepted',
          error: { code: 'WAIT_TIMEOUT', message: `not committed within ${timeoutMs} ms; it is still in the mempool — query GET /v1/transactions/${id}` },
        });
      }, timeoutMs);
      const stop = this.events.onReceipt(id, (height: bigint, receipt: Receipt) => {
        clearTimeout(timer);
        stop();
        resolve({ id, status: 'committed', height: String(height), receipt: receiptToJson(receipt) });
      });
    });
  }
}

function rejected(code: string, message: string): api.SubmitResult {
  return { status: 'rejected', error: { code, message } };
}

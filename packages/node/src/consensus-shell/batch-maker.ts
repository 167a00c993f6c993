import { create, BatchRefSchema, type BatchRef } from '@tongbao/protocol';
import type { Mempool } from '../mempool/mempool.js';
import type { BatchStore, StoredBatch } from './batch-store.js';

export interface BatchMakerOptions {
  readonly mempool: Mempool;
  readonly batches: BatchStore;
  readonly author: Uint8Array;
  readonly transactionsMax: number;
  readonly bytesMax: number;
  /** Longest a partly filled batch waits for more transactions. */
  readonly fillWaitMs: number;
  /** Told of every batch once it is durably stored. */
  readonly onBatch: (ref: BatchRef, stored: StoredBatch) => void;
}

/**
 * Packs ready mempool transactions into batches: at once when a full batch is ready,
 * otherwise after fillWaitMs, so a lone payment is not kept waiting and a burst still
 * travels in large batches. One batch is written at a time.
 */
export class BatchMaker {
  // Starts from the clock so batches made after a restart never repeat an earlier (author, sequence).
  private sequence = BigInt(Date.now()) * 1000n;
  private timer: NodeJS.Timeout | undefined;
  private making = false;
  private stopped = false;

  constructor(private readonly options: BatchMakerOptions) {}

  /** New transactions are ready. */
  poke(): void {
    if (this.stopped || this.making) return;
    if (this.options.mempool.readyCount >= this.options.transactionsMax) {
      void this.make();
    } else if (this.options.mempool.readyCount > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.make();
      }, this.options.fillWaitMs);
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async make(): Promise<void> {
    if (this.making || this.stopped) return;
    this.making = true;
    try {
      while (!this.stopped && this.options.mempool.readyCount > 0) {
        const transactions = this.options.mempool.takeBatch(this.options.transactionsMax, this.options.bytesMax);
        if (transactions.length === 0) break;
        const stored = await this.options.batches.add(this.options.author, this.sequence++, transactions);
        this.options.onBatch(create(BatchRefSchema, { digest: stored.digest, transactionCount: transactions.length, bytes: BigInt(stored.bytes) }), stored);
        if (this.options.mempool.readyCount < this.options.transactionsMax) break;
      }
    } finally {
      this.making = false;
    }
    this.poke();
  }
}

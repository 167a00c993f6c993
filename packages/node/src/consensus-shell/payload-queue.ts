import { bytesToHex, type BatchRef } from '@tongbao/protocol';
import type { PayloadRequest, PayloadSource } from '@tongbao/consensus';
import type { BatchStore } from './batch-store.js';

/**
 * Batches made or received here and not yet committed, in the order they became
 * available: what a leader proposes next. A batch leaves only when a block ordering it
 * commits, so a proposal that fails (its round timed out) loses nothing.
 */
export class PayloadQueue implements PayloadSource {
  private readonly queue = new Map<string, BatchRef>();

  constructor(private readonly batches: BatchStore) {}

  get size(): number {
    return this.queue.size;
  }

  add(ref: BatchRef): void {
    this.queue.set(bytesToHex(ref.digest), ref);
  }

  /** Called when a block ordering these batches committed. */
  remove(refs: readonly BatchRef[]): void {
    for (const ref of refs) this.queue.delete(bytesToHex(ref.digest));
  }

  next(request: PayloadRequest): BatchRef[] {
    const taken = new Set(request.pending.map((ref) => bytesToHex(ref.digest)));
    const out: BatchRef[] = [];
    let transactions = 0;
    let bytes = 0n;
    for (const [key, ref] of this.queue) {
      if (out.length >= request.batchCountMax) break;
      if (taken.has(key)) continue;
      if (transactions + ref.transactionCount > request.transactionCountMax) break;
      if (bytes + ref.bytes > BigInt(request.bytesMax)) break;
      out.push(ref);
      transactions += ref.transactionCount;
      bytes += ref.bytes;
    }
    return out;
  }

  available(ref: BatchRef): boolean {
    return this.batches.has(ref.digest);
  }
}

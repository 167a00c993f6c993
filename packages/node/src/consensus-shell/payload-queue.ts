import { bytesToHex, type BatchRef } from '@tongbao/protocol';
import type { PayloadRequest, PayloadSource } from '@tongbao/consensus';
import type { BatchStore } from './batch-store.js';

/** What one validator has waiting in the queue. */
export interface AuthorLoad {
  readonly batches: number;
  readonly bytes: bigint;
}

/**
 * Batches made or received here and not yet committed, in the order they became
 * available: what a leader proposes next. A batch leaves only when a block ordering it
 * commits, so a proposal that fails (its round timed out) loses nothing. What each
 * validator has waiting is counted, so that one flooding validator can be turned away.
 */
export class PayloadQueue implements PayloadSource {
  private readonly queue = new Map<string, { readonly ref: BatchRef; readonly author: number }>();
  private readonly loads = new Map<number, { batches: number; bytes: bigint }>();

  constructor(private readonly batches: BatchStore) {}

  get size(): number {
    return this.queue.size;
  }

  /** A batch authored by validator `author` (by index) is ready to be ordered. */
  add(ref: BatchRef, author: number): void {
    const key = bytesToHex(ref.digest);
    if (this.queue.has(key)) return;
    this.queue.set(key, { ref, author });
    const load = this.loads.get(author) ?? { batches: 0, bytes: 0n };
    load.batches += 1;
    load.bytes += ref.bytes;
    this.loads.set(author, load);
  }

  /** Called when a block ordering these batches committed. */
  remove(refs: readonly BatchRef[]): void {
    for (const ref of refs) {
      const key = bytesToHex(ref.digest);
      const entry = this.queue.get(key);
      if (entry === undefined) continue;
      this.queue.delete(key);
      const load = this.loads.get(entry.author)!;
      load.batches -= 1;
      load.bytes -= entry.ref.bytes;
      if (load.batches === 0) this.loads.delete(entry.author);
    }
  }

  /** The batches and bytes validator `author` has waiting here. */
  loadOf(author: number): AuthorLoad {
    return this.loads.get(author) ?? { batches: 0, bytes: 0n };
  }

  next(request: PayloadRequest): BatchRef[] {
    const taken = new Set(request.pending.map((ref) => bytesToHex(ref.digest)));
    const out: BatchRef[] = [];
    let transactions = 0;
    let bytes = 0n;
    for (const [key, { ref }] of this.queue) {
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

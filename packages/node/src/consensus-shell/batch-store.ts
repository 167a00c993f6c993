import {
  BatchSchema,
  concatBytes,
  create,
  decodeCanonical,
  decodeVerifiedTransaction,
  encode,
  utf8ToBytes,
  type Batch,
  type SuiteName,
  type VerifiedTransaction,
} from '@tongbao/protocol';
import type { KeyValueStore } from '@tongbao/storage';

const BATCH_PREFIX = utf8ToBytes('a');

/** A batch with its digest and its transactions decoded (signatures already verified). */
export interface StoredBatch {
  readonly digest: Uint8Array;
  readonly batch: Batch;
  readonly transactions: readonly VerifiedTransaction[];
  readonly bytes: number;
}

/**
 * Batches this node holds, durably: a batch is written (and synced) before any block
 * that references it can be voted for, so a committed block can always be executed
 * after a crash. Batches are kept in memory too while they are uncommitted.
 */
export class BatchStore {
  private readonly pending = new Map<string, StoredBatch>();
  private readonly waiters = new Map<string, ((batch: StoredBatch) => void)[]>();

  constructor(
    private readonly kv: KeyValueStore,
    private readonly suite: SuiteName,
    private readonly chainId: string,
    private readonly hash: (data: Uint8Array) => Uint8Array,
  ) {}

  /** Builds, persists and remembers a batch of already-verified transactions. */
  add(author: Uint8Array, sequence: bigint, transactions: readonly VerifiedTransaction[]): Promise<StoredBatch> {
    const batch = create(BatchSchema, { chainId: this.chainId, author, sequence, transactions: transactions.map((tx) => tx.bytes) });
    return this.store(batch, encode(BatchSchema, batch), transactions);
  }

  /** Persists and remembers a batch received from a peer, its transactions verified. */
  async store(batch: Batch, encoded: Uint8Array, transactions: readonly VerifiedTransaction[]): Promise<StoredBatch> {
    const digest = this.hash(encoded);
    await this.kv.write([{ type: 'put', key: concatBytes(BATCH_PREFIX, digest), value: encoded }]);
    const stored: StoredBatch = { digest, batch, transactions, bytes: encoded.length };
    const key = Buffer.from(digest).toString('hex');
    this.pending.set(key, stored);
    const waiting = this.waiters.get(key);
    if (waiting !== undefined) {
      this.waiters.delete(key);
      for (const resolve of waiting) resolve(stored);
    }
    return stored;
  }

  /** Resolves once the batch is stored here (at once if it already is). */
  whenStored(digest: Uint8Array): Promise<StoredBatch> {
    const stored = this.get(digest);
    if (stored !== undefined) return Promise.resolve(stored);
    const key = Buffer.from(digest).toString('hex');
    return new Promise((resolve) => {
      const list = this.waiters.get(key) ?? [];
      list.push(resolve);
      this.waiters.set(key, list);
    });
  }

  /** The digest a batch's encoding has on this chain. */
  digestOf(encoded: Uint8Array): Uint8Array {
    return this.hash(encoded);
  }

  has(digest: Uint8Array): boolean {
    return this.pending.has(Buffer.from(digest).toString('hex')) || this.kv.get(concatBytes(BATCH_PREFIX, digest)) !== undefined;
  }

  /** The batch, from memory or (after a restart) from disk. */
  get(digest: Uint8Array): StoredBatch | undefined {
    const cached = this.pending.get(Buffer.from(digest).toString('hex'));
    if (cached !== undefined) return cached;
    const encoded = this.kv.get(concatBytes(BATCH_PREFIX, digest));
    if (encoded === undefined) return undefined;
    const batch = decodeCanonical(BatchSchema, encoded, encoded.length);
    // Our own store: its transactions were verified before they were written.
    const transactions = batch.transactions.map((bytes) => decodeVerifiedTransaction(this.suite, this.chainId, bytes));
    return { digest, batch, transactions, bytes: encoded.length };
  }

  /** Forgets the in-memory copy once the batch's block is executed; the disk copy stays for peers catching up. */
  release(digest: Uint8Array): void {
    this.pending.delete(Buffer.from(digest).toString('hex'));
  }
}

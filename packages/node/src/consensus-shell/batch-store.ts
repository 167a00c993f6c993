import {
  assert,
  BatchSchema,
  bytesToHex,
  bytesToU64,
  concatBytes,
  create,
  decodeCanonical,
  decodeVerifiedTransaction,
  encode,
  u64ToBytes,
  type Batch,
  type SuiteName,
  type VerifiedTransaction,
} from '@tongbao/protocol';
import type { KeyValueStore, KvOperation } from '@tongbao/storage';

/** a ‖ arrival number u64 → the encoded batch (in BatchDatabases.bodies). */
const BODY_PREFIX = 0x61;
/** d ‖ digest → arrival number u64 (in BatchDatabases.index). */
const INDEX_PREFIX = 0x64;

const bodyKey = (number: bigint): Uint8Array => concatBytes(Uint8Array.of(BODY_PREFIX), u64ToBytes(number));
const indexKey = (digest: Uint8Array): Uint8Array => concatBytes(Uint8Array.of(INDEX_PREFIX), digest);
const digestKey = (digest: Uint8Array): string => Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');

/**
 * Where batches are kept. The bodies are keyed by the order they arrived here, so their
 * database is only ever appended to in key order and LevelDB never merges and rewrites
 * them (keyed by digest, as before, every batch was rewritten two to three times by
 * compactions: 152 MB per validator over a 60 s benchmark for 57 MB of batches). Finding
 * one by digest takes the small index record in the other database.
 */
export interface BatchDatabases {
  /** The encoded batches, keyed by arrival number. Nothing else may be written to it. */
  readonly bodies: KeyValueStore;
  /** digest → arrival number. */
  readonly index: KeyValueStore;
}

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
 *
 * A batch's body is written before its index record, each synced: a crash between
 * leaves a body no index names, which nothing reads, and the next arrival number is
 * past it.
 */
export class BatchStore {
  private readonly pending = new Map<string, StoredBatch>();
  private readonly waiters = new Map<string, ((batch: StoredBatch) => void)[]>();

  private constructor(
    private readonly databases: BatchDatabases,
    private nextNumber: bigint,
    private readonly suite: SuiteName,
    private readonly chainId: string,
    private readonly hash: (data: Uint8Array) => Uint8Array,
  ) {}

  /** Opens the store on its two databases, or on one KeyValueStore holding both. */
  static async open(
    databases: BatchDatabases | KeyValueStore,
    suite: SuiteName,
    chainId: string,
    hash: (data: Uint8Array) => Uint8Array,
  ): Promise<BatchStore> {
    const split = 'get' in databases ? { bodies: databases, index: databases } : databases;
    let nextNumber = 0n;
    for await (const [key] of split.bodies.iterate({ gte: Uint8Array.of(BODY_PREFIX), lt: Uint8Array.of(BODY_PREFIX + 1), reverse: true, limit: 1 })) {
      assert(key.length === 9, `a batch body key is the prefix and an arrival number, not ${bytesToHex(key)}`);
      nextNumber = bytesToU64(key.subarray(1)) + 1n;
    }
    return new BatchStore(split, nextNumber, suite, chainId, hash);
  }

  /** Builds, persists and remembers a batch of already-verified transactions. */
  add(author: Uint8Array, sequence: bigint, transactions: readonly VerifiedTransaction[]): Promise<StoredBatch> {
    const batch = create(BatchSchema, { chainId: this.chainId, author, sequence, transactions: transactions.map((tx) => tx.bytes) });
    return this.store(batch, encode(BatchSchema, batch), transactions);
  }

  /** Persists and remembers a batch received from a peer, its transactions verified. */
  async store(batch: Batch, encoded: Uint8Array, transactions: readonly VerifiedTransaction[]): Promise<StoredBatch> {
    const digest = this.hash(encoded);
    const number = this.nextNumber++;
    const body: KvOperation = { type: 'put', key: bodyKey(number), value: encoded };
    const index: KvOperation = { type: 'put', key: indexKey(digest), value: u64ToBytes(number) };
    const { bodies, index: indexDb } = this.databases;
    if (bodies === indexDb) {
      await bodies.write([body, index]);
    } else {
      await bodies.write([body]);
      await indexDb.write([index]);
    }
    const stored: StoredBatch = { digest, batch, transactions, bytes: encoded.length };
    const key = digestKey(digest);
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
    const key = digestKey(digest);
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
    return this.pending.has(digestKey(digest)) || this.databases.index.get(indexKey(digest)) !== undefined;
  }

  /** The batch, from memory or (after a restart, or once released) from disk. */
  get(digest: Uint8Array): StoredBatch | undefined {
    const cached = this.pending.get(digestKey(digest));
    if (cached !== undefined) return cached;
    const number = this.databases.index.get(indexKey(digest));
    if (number === undefined) return undefined;
    const encoded = this.databases.bodies.get(bodyKey(bytesToU64(number)));
    // The body is durable before its index record is written.
    assert(encoded !== undefined, `batch ${bytesToHex(digest)} is indexed as number ${bytesToU64(number)}, whose body is stored`);
    const batch = decodeCanonical(BatchSchema, encoded, encoded.length);
    // Our own store: its transactions were verified before they were written.
    const transactions = batch.transactions.map((bytes) => decodeVerifiedTransaction(this.suite, this.chainId, bytes));
    return { digest, batch, transactions, bytes: encoded.length };
  }

  /** Forgets the in-memory copy once the batch's block is executed; the disk copy stays for peers catching up. */
  release(digest: Uint8Array): void {
    this.pending.delete(digestKey(digest));
  }
}

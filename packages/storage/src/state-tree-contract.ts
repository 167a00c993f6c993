import type { StateChange, StateProof } from '@tongbao/protocol';
import type { KvOperation } from './kv.js';

/**
 * Default bound on the decoded pages kept in memory (about 2 KB each with 32-byte hashes,
 * so up to about 512 MB). A page the cache lacks is read from the store and re-hashed
 * against its parent, and a new key (a payment's id) lands on a random bottom page: with
 * 2^16 pages a four-validator bench read 20,000 pages in 30 s once its state outgrew
 * them, and fell from 4,833–4,901 to 4,527–4,546 payments a second (25 s windows).
 */
export const NODE_CACHE_ENTRIES_MAX_DEFAULT = 1 << 18;

/** Work done by one prepare, counted so tests can show it scales with the change set. */
export interface StateTreeStats {
  /** Pages read from the store (cache misses). */
  nodeReads: number;
  /** Pages found in the cache. */
  nodeCacheHits: number;
  /** Pages changed (written at the next checkpoint). */
  nodeWrites: number;
  /** Pages deleted (at the next checkpoint). */
  nodeDeletes: number;
  /** Hashes of keys, values and changed nodes. */
  hashes: number;
  /** Hashes recomputed to load and check pages read from the store. */
  loadHashes: number;
}

/**
 * The effect of a block's state changes, computed but not applied: the new root, the
 * value records to write, and the changed tree pages (written at a checkpoint, see
 * StateTree). Valid only against the root it was prepared from, on the tree that
 * prepared it.
 */
export interface PreparedState {
  readonly previousRoot: Uint8Array;
  readonly root: Uint8Array;
  /** The value records' puts and deletes. */
  readonly operations: readonly KvOperation[];
  readonly changeCount: number;
  readonly stats: Readonly<StateTreeStats>;
  /** Tree pages changed (or deleted), dirty once applied. */
  readonly pageCount: number;
  /** @internal the state changes themselves: the chain store logs their keys and caches their values. */
  readonly changes: readonly StateChange[];
  /** @internal the changed pages, in the form of the tree that prepared them. */
  readonly pages: unknown;
}

/** The committed state as its value records hold it, state key and value, for a full check. */
export type ValueRecords = AsyncIterable<readonly [Uint8Array, Uint8Array]>;

/** What a state tree can tell of a key without reading the store. */
export type KeyPresence = 'absent' | 'present' | 'unknown';

export interface StateTreeOptions {
  /** Bound on decoded pages kept in memory; below 2 disables the cache. */
  readonly nodeCacheEntriesMax?: number;
}

/**
 * The state tree (docs/adr/0003-state-commitment.md): a compressed sparse Merkle tree
 * over the state's keys, stored in pages of four binary levels. Two implementations
 * keep the same pages and roots: the JavaScript reference (state-tree.ts), and the
 * native one (native-state-tree.ts) that a node runs when the addon is built.
 */
export interface StateTree {
  readonly hashBytes: number;
  /** The root of the committed tree. */
  root(): Uint8Array;
  /** Decoded pages held in memory now (at most nodeCacheEntriesMax). */
  cachedPages(): number;
  /** Pages changed since the last checkpoint (held in memory until it). */
  dirtyPages(): number;
  /** The new root and the writes for `changes` (sorted by key, each key once), without touching the store. */
  prepare(changes: readonly StateChange[]): PreparedState;
  /**
   * Makes `prepared` the committed tree, once the batch holding its value records is
   * durable: its pages become dirty until the next checkpoint.
   */
  applied(prepared: PreparedState): void;
  /**
   * The page records a checkpoint writes: every dirty page, and `pending`'s pages (a
   * prepared state to be applied with the same batch) over them. Writes nothing.
   */
  pageOperations(pending?: PreparedState): KvOperation[];
  /** Once a batch holding pageOperations() is durable (and applied): the dirty pages are the store's now. */
  checkpointed(): void;
  /**
   * Whether the committed tree holds `key`, told from the pages in memory alone (dirty or
   * cached): 'unknown' when a page on its path would have to be read. Reads nothing, so
   * the chain store can skip a store lookup for a key the tree shows absent.
   */
  lookup(key: Uint8Array): KeyPresence;
  /** The proof for `key` against the committed root; `value` is the committed value, which the caller reads from the value records. */
  prove(key: Uint8Array, value: Uint8Array | undefined): StateProof;
  /**
   * Full check of the committed tree (an fsck, O(state size)): every page against its
   * parent, every leaf on its path, no stray page record, exactly one leaf per value
   * record. Throws CORRUPT_STORE on the first contradiction.
   */
  verifyAll(valueRecords: ValueRecords): Promise<{ leaves: number; nodes: number; pages: number }>;
}

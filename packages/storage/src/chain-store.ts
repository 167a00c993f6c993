import {
  assert,
  AssertionError,
  blockHash,
  BlockHeaderSchema,
  BlockSchema,
  bytesToHex,
  bytesToU64,
  compareBytes,
  concatBytes,
  create,
  decodeCanonical,
  encode,
  equalBytes,
  isSparseEmptyHash,
  ReceiptSchema,
  TongbaoError,
  u64ToBytes,
  type Block,
  type BlockHeader,
  type HashFunction,
  type Receipt,
  type StateChange,
  type StateProof,
  type StateReader,
} from '@tongbao/protocol';
import { StorageError } from './errors.js';
import {
  blockHashKey,
  bytesToU32,
  FORMAT_KEY,
  FORMAT_VERSION,
  GENESIS_KEY,
  GENESIS_STATE_ROOT_KEY,
  HEAD_KEY,
  headerKey,
  locationBytes,
  blockReceiptsKey,
  transactionIndexKey,
  blockTransactionsKey,
  TREE_CHECKPOINT_KEY,
  treeLogKey,
  u32ToBytes,
  valueKey,
} from './keys.js';
import { decodeKeyLog, encodeKeyLog } from './tree-log.js';
import type { KeyValueStore, KvOperation } from './kv.js';
import type { PreparedState, StateTree } from './state-tree-contract.js';
import { openStateTree, type StateTreeImplementation } from './open-state-tree.js';
import { NativeStateTree } from './native-state-tree.js';
import { decodeRecordList, encodeRecordList, recordListItem } from './record-list.js';
import { bytesKey, GenerationCache } from './generation-cache.js';

/** Ceiling on one stored header or receipt record when decoding it back (bytes). */
export const STORED_RECORD_BYTES_MAX = 1024 * 1024;

export interface ChainStoreOptions {
  /** The chain's hash (its crypto suite's): block hashes, tree nodes, key paths. */
  readonly hash: HashFunction;
  /**
   * What opening checks. 'quick' (default, O(one block)): the head record, the head
   * header and its hash, the head block's transactions and receipts, the tree root
   * against the head's state_root. 'full' (an fsck, O(chain + state)): also every block
   * and hash link back to height 1 and every tree node and value.
   */
  readonly verify?: 'quick' | 'full';
  /**
   * Bound on the state tree's decoded pages kept in memory (default
   * NODE_CACHE_ENTRIES_MAX_DEFAULT, 65,536 pages, about 2 KB each with 32-byte hashes); below 2 disables
   * the cache. Results never depend on it, only speed.
   */
  readonly nodeCacheEntriesMax?: number;
  /**
   * Which state tree runs (open-state-tree.ts): 'auto' (default) the native one when the
   * addon is built for the chain's hash, 'javascript' the reference. Results never
   * depend on it, only speed.
   */
  readonly stateTree?: StateTreeImplementation;
  /**
   * Bound on committed state values kept in memory, absent keys included (default
   * VALUE_CACHE_ENTRIES_MAX_DEFAULT); below 2 disables the cache. Execution reads the
   * same few accounts block after block, and each miss is a LevelDB lookup.
   */
  readonly valueCacheEntriesMax?: number;
  /**
   * The tree's pages are written at most this many blocks apart (default
   * TREE_CHECKPOINT_BLOCKS_DEFAULT; 1 writes them with every block). Between checkpoints
   * each block logs its changed keys instead, and opening re-applies them: at most this
   * many blocks' keys. Results never depend on it, only speed.
   */
  readonly treeCheckpointBlocks?: number;
  /**
   * A checkpoint is also written once this many pages are dirty (default
   * TREE_DIRTY_PAGES_MAX_DEFAULT, about 2 KB each with 32-byte hashes): the bound on the
   * memory the deferred pages hold.
   */
  readonly treeDirtyPagesMax?: number;
  /**
   * A checkpoint is also written once the tree logs since the last one hold this many
   * keys (default TREE_LOGGED_KEYS_MAX_DEFAULT): the bound on what opening re-reads.
   */
  readonly treeLoggedKeysMax?: number;
  /**
   * This store's place among `count` stores that commit the same chain on shared
   * hardware (a validator's index among the validators): its checkpoint bounds by
   * blocks, by dirty pages and by logged keys are scaled by 1 + index/count. The stores
   * otherwise reach each bound at the same block (they commit the same changes) and
   * write their pages in the same instant; apart, the others keep voting while one
   * writes — at 5,000 payments a second on four validators, p99 666 / 665 → 480 / 482 ms
   * (two interleaved pairs). Results never depend on it.
   */
  readonly treeCheckpointStagger?: { readonly index: number; readonly count: number };
}

/** Default bound on cached state values (a few hundred bytes each). */
export const VALUE_CACHE_ENTRIES_MAX_DEFAULT = 1 << 17;
/** Default for ChainStoreOptions.treeCheckpointBlocks. */
export const TREE_CHECKPOINT_BLOCKS_DEFAULT = 64;
/**
 * Default for ChainStoreOptions.treeDirtyPagesMax: about 128 MB of pages at most. With
 * 16,384 a node at 5,000 payments a second checkpointed about once a second, and the upper
 * pages it rewrote each time filled LevelDB's compactions as the state grew: over a 60 s
 * window at 5,100 offered on four validators, 16,384 gave 4,888 / 4,933 committed a second
 * at p99 3.3 / 3.2 s and 95 / 94 µs per payment (1,562 MB compacted per validator), 65,536
 * gave 5,047 / 4,976 at p99 1.3 / 1.9 s and 86 / 92 µs (1,206 MB).
 */
export const TREE_DIRTY_PAGES_MAX_DEFAULT = 1 << 16;
/** Default for ChainStoreOptions.treeLoggedKeysMax. */
export const TREE_LOGGED_KEYS_MAX_DEFAULT = 1 << 18;

/**
 * The three databases a chain store keeps its records in (README, "Three databases"):
 * apart, LevelDB compacts each one's keys only among themselves — the tree's pages, which
 * a checkpoint rewrites by the tens of thousands, no longer drag the values and the
 * history through every compaction. Each write is atomic within its database; the order
 * of a block's writes (history, then state, then at a checkpoint the tree) is what makes
 * a crash between them recoverable.
 */
export interface ChainDatabases {
  /** Blocks: headers, transactions, receipts, keyed by height only. Written first; above the head, ignored. */
  readonly history: KeyValueStore;
  /** State values, the transaction and block-hash indexes, the changed-key logs, genesis and the head. Its write commits a block. */
  readonly state: KeyValueStore;
  /** The state tree's pages and its checkpoint record. Written last, at checkpoints only, never ahead of the head. */
  readonly tree: KeyValueStore;
}

function isKeyValueStore(databases: KeyValueStore | ChainDatabases): databases is KeyValueStore {
  return typeof (databases as KeyValueStore).get === 'function';
}

/** One write of a block's commit: the operations for one database. */
interface DatabaseWrite {
  readonly kv: KeyValueStore;
  readonly operations: readonly KvOperation[];
}

export interface ChainHead {
  readonly height: bigint;
  readonly hash: Uint8Array;
  readonly header: BlockHeader;
}

export interface StoredTransaction {
  readonly height: bigint;
  readonly index: number;
  /** The encoded Transaction exactly as in the block. */
  readonly bytes: Uint8Array;
}

export interface StoredReceipt {
  readonly height: bigint;
  readonly index: number;
  readonly receipt: Receipt;
}

export interface BlockCommit {
  readonly block: Block;
  /** blockHash(hash, block.header), computed once by the caller. */
  readonly hash: Uint8Array;
  /** One per transaction, in block order. */
  readonly receipts: readonly Receipt[];
  /**
   * The receipts already encoded (execution produces them so), byte for byte
   * encode(ReceiptSchema, receipt); spares encoding them again. Optional.
   */
  readonly receiptBytes?: readonly Uint8Array[];
  /** The id of each transaction, in block order. */
  readonly transactionIds: readonly Uint8Array[];
  /** prepareState of the block's state changes, against the current state root. */
  readonly prepared: PreparedState;
}

export type { PreparedState } from './state-tree-contract.js';

function corrupt(message: string, details: Record<string, unknown> = {}, cause?: unknown): StorageError {
  return new StorageError('CORRUPT_STORE', `the chain store is corrupt: ${message}`, { details, cause });
}

/** The least key greater than every key that starts with `prefix` (prefix is never all 0xff: it starts with a record letter). */
function prefixUpperBound(prefix: Uint8Array): Uint8Array {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  assert(end > 0, 'a store prefix is not all 0xff bytes');
  const bound = prefix.slice(0, end);
  bound[end - 1] = bound[end - 1]! + 1;
  return bound;
}

/**
 * The chain as stored by one node: genesis, blocks, the transaction index, receipts, the
 * head, and the state with its Merkle tree, over three databases (ChainDatabases) or one
 * KeyValueStore holding all three. A block commits when its state write — one atomic
 * batch that moves the head — is durable; its history is written before and its tree
 * pages after, so after a crash the store opens at the last committed block, never
 * between, and opening checks that the head and the state agree.
 *
 * Not safe for concurrent commits (the node commits one block at a time); reads may run
 * at any time and see only committed data.
 */
export class ChainStore {
  private readonly databases: ChainDatabases;
  private readonly hash: HashFunction;
  private readonly tree: StateTree;
  private currentHead: ChainHead | undefined;
  private genesisBytes: Uint8Array | undefined;
  private committing = false;
  private readonly treeCheckpointBlocks: number;
  private readonly treeDirtyPagesMax: number;
  private readonly treeLoggedKeysMax: number;
  /** Keys in the tree logs since the checkpoint, repeats included. */
  private treeLoggedKeys = 0;
  /**
   * The height whose tree the stored page records hold (-1: none yet, the empty tree);
   * later blocks' keys are in the tree log.
   */
  private treeCheckpointHeight = -1n;
  /** Logs of blocks the tree checkpoint covers, deleted by the next state write. */
  private coveredTreeLogs: Uint8Array[] = [];
  /** Set when a write failed: what is on disk is then unknown until reopened. */
  private failure: unknown = undefined;
  /**
   * A checkpoint's write to a tree database of its own, under way after the block it
   * came with committed; the next commit waits for it. Never rejects: a failure is
   * recorded in `failure`.
   */
  private treeWrite: Promise<void> | undefined;

  /** Committed state values: what the last durable write left, through a bounded cache. */
  readonly state: StateReader;

  /** Committed values by state key; null records a key known to be absent. */
  private readonly values: GenerationCache<string, Uint8Array | null>;

  private constructor(databases: ChainDatabases, options: ChainStoreOptions) {
    this.databases = databases;
    this.hash = options.hash;
    this.tree = openStateTree(
      databases.tree,
      options.hash,
      options.nodeCacheEntriesMax === undefined ? {} : { nodeCacheEntriesMax: options.nodeCacheEntriesMax },
      options.stateTree,
    );
    const valueEntriesMax = options.valueCacheEntriesMax ?? VALUE_CACHE_ENTRIES_MAX_DEFAULT;
    assert(Number.isSafeInteger(valueEntriesMax) && valueEntriesMax >= 0, 'valueCacheEntriesMax is a whole number');
    const stagger = options.treeCheckpointStagger ?? { index: 0, count: 1 };
    assert(
      Number.isSafeInteger(stagger.count) && Number.isSafeInteger(stagger.index) && stagger.index >= 0 && stagger.index < stagger.count,
      'treeCheckpointStagger is an index below its count',
    );
    const staggered = (bound: number): number => bound + Math.floor((bound * stagger.index) / stagger.count);
    this.treeCheckpointBlocks = staggered(options.treeCheckpointBlocks ?? TREE_CHECKPOINT_BLOCKS_DEFAULT);
    assert(Number.isSafeInteger(this.treeCheckpointBlocks) && this.treeCheckpointBlocks >= 1, 'treeCheckpointBlocks is at least 1');
    this.treeDirtyPagesMax = staggered(options.treeDirtyPagesMax ?? TREE_DIRTY_PAGES_MAX_DEFAULT);
    assert(Number.isSafeInteger(this.treeDirtyPagesMax) && this.treeDirtyPagesMax >= 0, 'treeDirtyPagesMax is a whole number');
    this.treeLoggedKeysMax = staggered(options.treeLoggedKeysMax ?? TREE_LOGGED_KEYS_MAX_DEFAULT);
    assert(Number.isSafeInteger(this.treeLoggedKeysMax) && this.treeLoggedKeysMax >= 0, 'treeLoggedKeysMax is a whole number');
    this.values = new GenerationCache(valueEntriesMax);
    // Values handed out are shared with the cache: readers must not modify them.
    this.state = { get: (key) => this.readValue(key) };
  }

  private readValue(key: Uint8Array): Uint8Array | undefined {
    const cacheKey = bytesKey(key);
    const cached = this.values.get(cacheKey);
    if (cached !== undefined) return cached ?? undefined;
    // A key never written (a new payment's id) is shown absent by the tree's pages in
    // memory, without a LevelDB lookup that would search its memtable and files for
    // nothing. Not cached: asking the tree again is as cheap, and the entry would only
    // push a value out.
    if (this.tree.lookup(key) === 'absent') return undefined;
    const value = this.databases.state.get(valueKey(key));
    this.values.set(cacheKey, value ?? null);
    return value;
  }

  /**
   * After a durable write, brings the value cache up to date: a key cached with a value
   * takes its new one; any other key written is dropped rather than entered. A key first
   * written now (a payment's record, a new wallet) is rarely read again soon, and every
   * entry outlives the young generation; the next read enters it.
   */
  private cacheValues(prepared: PreparedState): void {
    for (const { key, value } of prepared.changes) {
      const cacheKey = bytesKey(key);
      const cached = this.values.get(cacheKey);
      if (cached === undefined || cached === null) this.values.delete(cacheKey);
      else this.values.set(cacheKey, value ?? null);
    }
  }

  /**
   * Opens the chain on its databases, or on one KeyValueStore that holds all three (empty
   * for a new node), and verifies it; CORRUPT_STORE if it does not hold together.
   */
  static async open(databases: KeyValueStore | ChainDatabases, options: ChainStoreOptions): Promise<ChainStore> {
    const split = isKeyValueStore(databases) ? { history: databases, state: databases, tree: databases } : databases;
    let store: ChainStore;
    try {
      store = new ChainStore(split, options);
      store.load();
      await store.findCoveredTreeLogs();
    } catch (error) {
      if (error instanceof TongbaoError || error instanceof AssertionError) throw error;
      throw corrupt(`cannot read the store: ${(error as Error)?.message}`, {}, error);
    }
    if (options.verify === 'full') await store.verifyFull();
    return store;
  }

  /** State tree pages held decoded in memory now (at most nodeCacheEntriesMax, besides those changed since the checkpoint). */
  stateTreeCachedPages(): number {
    return this.tree.cachedPages();
  }

  /** Which state tree this store runs ('native' or the 'javascript' reference): for logs and status. */
  get stateTreeKind(): 'native' | 'javascript' {
    return this.tree instanceof NativeStateTree ? 'native' : 'javascript';
  }

  private get hashBytes(): number {
    return this.tree.hashBytes;
  }

  /** Reads and checks the head, the head block and the genesis record. */
  private load(): void {
    const { state } = this.databases;
    const format = state.get(FORMAT_KEY);
    this.genesisBytes = state.get(GENESIS_KEY);
    if (this.genesisBytes === undefined) {
      // The tree is written after the state, so a tree without a genesis is not ours.
      if (format !== undefined || state.get(HEAD_KEY) !== undefined || !isSparseEmptyHash(this.tree.root())) {
        throw corrupt('it holds chain data but no genesis');
      }
      return;
    }
    if (format === undefined || format.length !== 4 || bytesToU32(format) > FORMAT_VERSION) {
      throw corrupt(`unknown layout version (expected ${FORMAT_VERSION})`, { format: format === undefined ? null : bytesToHex(format) });
    }
    if (bytesToU32(format) < FORMAT_VERSION) {
      throw new StorageError(
        'OLD_LAYOUT',
        `the store holds a chain in layout ${bytesToU32(format)} of an earlier version, which this version (layout ${FORMAT_VERSION}) does not read; remove the node's data folder and let it sync again, or re-create the network`,
        { details: { format: bytesToU32(format), expected: FORMAT_VERSION } },
      );
    }
    const headRecord = state.get(HEAD_KEY);
    if (headRecord === undefined) {
      this.replayTreeLog(0n);
      const genesisRoot = state.get(GENESIS_STATE_ROOT_KEY);
      if (genesisRoot === undefined || !equalBytes(genesisRoot, this.tree.root())) {
        throw corrupt('the state tree root is not the genesis state root, and there is no block', {
          treeRoot: bytesToHex(this.tree.root()),
        });
      }
      return;
    }
    if (headRecord.length !== 8 + this.hashBytes) throw corrupt('the head record is malformed');
    const height = bytesToU64(headRecord.subarray(0, 8));
    const hash = headRecord.slice(8);
    const header = this.readHeader(height);
    if (header === undefined) throw corrupt(`the head block ${height} is missing`, { height });
    if (!equalBytes(blockHash(this.hash, header), hash)) throw corrupt(`the head block ${height} does not hash to the head record`, { height });
    const indexed = state.get(blockHashKey(hash));
    if (indexed === undefined || bytesToU64(indexed) !== height) throw corrupt(`the head block ${height} is missing from the hash index`);
    this.checkBlockBody(height, header);
    this.replayTreeLog(height);
    if (!equalBytes(header.stateRoot, this.tree.root())) {
      throw corrupt(`the state tree root is not the state root of head block ${height}`, {
        height,
        treeRoot: bytesToHex(this.tree.root()),
        headerStateRoot: bytesToHex(header.stateRoot),
      });
    }
    this.currentHead = { height, hash, header };
  }

  /**
   * Brings the tree from its checkpoint up to `head`: the keys the blocks since changed
   * (their logs), at their current values, applied in one update. The tree depends only
   * on the final keys and values, so this is the tree the blocks built one by one; the
   * caller checks its root against the head's state root. Without a checkpoint record
   * (a crash before genesis's tree write) the tree is empty and the logs start at
   * genesis ("block 0").
   */
  private replayTreeLog(head: bigint): void {
    const { state, tree } = this.databases;
    const record = tree.get(TREE_CHECKPOINT_KEY);
    let height = -1n;
    if (record === undefined) {
      if (!isSparseEmptyHash(this.tree.root())) throw corrupt('the state tree has pages but no checkpoint record');
    } else {
      if (record.length !== 8 + this.hashBytes) throw corrupt('the state tree checkpoint record is malformed');
      height = bytesToU64(record.subarray(0, 8));
      if (!equalBytes(record.subarray(8), this.tree.root())) {
        throw corrupt(`the stored state tree is not at its checkpoint (block ${height})`, { height, treeRoot: bytesToHex(this.tree.root()) });
      }
    }
    if (height > head) throw corrupt(`the state tree checkpoint (block ${height}) is past the head (${head})`, { height });
    const keys = new Map<string, Uint8Array>();
    for (let h = height + 1n; h <= head; h++) {
      const log = state.get(treeLogKey(h));
      const logged = log === undefined ? undefined : decodeKeyLog(log);
      if (logged === undefined) throw corrupt(`the changed-key log of block ${h} is missing or malformed`, { height: h });
      for (const key of logged) keys.set(bytesKey(key), key);
      this.treeLoggedKeys += logged.length;
    }
    this.treeCheckpointHeight = height;
    if (keys.size === 0) return;
    const changes = [...keys.values()].sort(compareBytes).map((key) => ({ key, value: state.get(valueKey(key)) }));
    this.tree.applied(this.tree.prepare(changes));
  }

  /**
   * The logs at or below the tree checkpoint still stored (a crash came between the
   * checkpoint's tree write and the next state write, which deletes them): the next state
   * write deletes them.
   */
  private async findCoveredTreeLogs(): Promise<void> {
    if (this.treeCheckpointHeight < 0n) return;
    const range = { gte: treeLogKey(0n), lt: treeLogKey(this.treeCheckpointHeight + 1n) };
    for await (const [key] of this.databases.state.iterate(range)) this.coveredTreeLogs.push(key.slice());
  }

  private readHeader(height: bigint): BlockHeader | undefined {
    const bytes = this.databases.history.get(headerKey(height));
    if (bytes === undefined) return undefined;
    try {
      return decodeCanonical(BlockHeaderSchema, bytes, STORED_RECORD_BYTES_MAX);
    } catch (cause) {
      throw corrupt(`the header of block ${height} does not decode`, { height }, cause);
    }
  }

  /** Every transaction and receipt of a block is present. */
  private checkBlockBody(height: bigint, header: BlockHeader): void {
    this.readBlockTransactions(height, header.transactionCount);
    this.readBlockReceipts(height, header.transactionCount);
  }

  /** The block's transaction (or receipt) record list, checked to hold `count` entries. */
  private readBody(key: Uint8Array, what: 'transactions' | 'receipts', height: bigint, count: number): Uint8Array[] {
    if (count === 0) return [];
    const record = this.databases.history.get(key);
    if (record === undefined) throw corrupt(`the ${what} of block ${height} are missing`, { height });
    const items = decodeRecordList(record);
    if (items === undefined || items.length !== count) {
      throw corrupt(`the ${what} record of block ${height} is malformed or holds ${items?.length ?? 'no'} entries, not ${count}`, { height });
    }
    return items;
  }

  private readBlockTransactions(height: bigint, count: number): Uint8Array[] {
    return this.readBody(blockTransactionsKey(height), 'transactions', height, count);
  }

  private readBlockReceipts(height: bigint, count: number): Uint8Array[] {
    return this.readBody(blockReceiptsKey(height), 'receipts', height, count);
  }

  /** Entry `index` of a block's transaction (or receipt) record list. */
  private readBodyEntry(key: Uint8Array, what: 'transaction' | 'receipt', height: bigint, index: number): Uint8Array {
    const record = this.databases.history.get(key);
    const entry = record === undefined ? undefined : recordListItem(record, index);
    if (entry === undefined) throw corrupt(`${what} ${index} of block ${height} is missing`, { height, index });
    return entry;
  }

  /** The full check of options.verify 'full'; also callable on a live store. */
  async verifyFull(): Promise<{ blocks: number; leaves: number; nodes: number; pages: number }> {
    let next: Uint8Array | undefined;
    const head = this.currentHead;
    if (head !== undefined) {
      for (let height = head.height; height >= 1n; height--) {
        const header = this.readHeader(height);
        if (header === undefined) throw corrupt(`block ${height} is missing below the head`, { height });
        if (header.height !== height) throw corrupt(`block ${height} says it is at height ${header.height}`, { height });
        const hash = blockHash(this.hash, header);
        if (next !== undefined && !equalBytes(next, hash)) throw corrupt(`block ${height + 1n} does not link to block ${height}`, { height });
        this.checkBlockBody(height, header);
        next = header.previousHash;
      }
      if (next !== undefined && !equalBytes(next, new Uint8Array(this.hashBytes))) throw corrupt('block 1 does not link to the zero hash');
    }
    const { leaves, nodes, pages } = await this.tree.verifyAll(this.iterateState());
    return { blocks: Number(head?.height ?? 0n), leaves, nodes, pages };
  }

  /** The encoded Genesis, or undefined before commitGenesis. */
  genesis(): Uint8Array | undefined {
    return this.genesisBytes;
  }

  /** The last committed block; undefined at genesis (height 0) and before. */
  head(): ChainHead | undefined {
    return this.currentHead;
  }

  /** The committed state root. */
  stateRoot(): Uint8Array {
    return this.tree.root();
  }

  /**
   * The new state root for `changes` (sorted by key, each key once) and the writes that
   * go with it, for the next commit. Reads the store, writes nothing.
   */
  prepareState(changes: readonly StateChange[]): PreparedState {
    this.checkUsable();
    return this.tree.prepare(changes);
  }

  private checkUsable(): void {
    if (this.failure !== undefined) {
      throw new StorageError('STORE_FAILED', 'an earlier write to the chain store failed; reopen the store before writing again', {
        cause: this.failure,
      });
    }
  }

  /**
   * Applies `writes` one after another, each durable before the next starts; writes in a
   * row to one database (a store opened on a single KeyValueStore) are joined into one
   * batch, which is then atomic as a whole.
   */
  private async writeInOrder(writes: readonly DatabaseWrite[], after: () => void): Promise<void> {
    this.checkUsable();
    assert(!this.committing, 'one commit at a time');
    this.committing = true;
    try {
      for (let i = 0; i < writes.length; ) {
        const { kv } = writes[i]!;
        const operations: KvOperation[] = [];
        for (; i < writes.length && writes[i]!.kv === kv; i++) for (const op of writes[i]!.operations) operations.push(op);
        if (operations.length > 0) await kv.write(operations);
      }
    } catch (error) {
      // The write may or may not be on disk: only reopening (which verifies) can tell.
      this.failure = error;
      throw error;
    } finally {
      this.committing = false;
    }
    after();
  }

  /**
   * Writes genesis ("height 0"): the encoded Genesis and the initial state, then the
   * tree's first checkpoint. The state write logs the genesis keys, so that a crash
   * before the tree write leaves a store that opens (rebuilding the tree from the log).
   */
  async commitGenesis(genesisBytes: Uint8Array, prepared: PreparedState): Promise<void> {
    assert(this.genesisBytes === undefined, 'genesis is committed once');
    assert(equalBytes(prepared.previousRoot, this.tree.root()), 'the genesis state was prepared against the empty state');
    const state: KvOperation[] = [...prepared.operations];
    state.push({ type: 'put', key: treeLogKey(0n), value: encodeKeyLog(prepared.changes.map((change) => change.key)) });
    state.push({ type: 'put', key: GENESIS_STATE_ROOT_KEY, value: prepared.root });
    state.push({ type: 'put', key: FORMAT_KEY, value: u32ToBytes(FORMAT_VERSION) });
    // Last, so that a store missing any of the above has no genesis (see commitBlock).
    state.push({ type: 'put', key: GENESIS_KEY, value: genesisBytes });
    const tree = this.treeCheckpointOperations(0n, prepared);
    await this.writeInOrder([{ kv: this.databases.state, operations: state }, { kv: this.databases.tree, operations: tree }], () => {
      this.tree.applied(prepared);
      this.treeCheckpointed(0n);
      this.cacheValues(prepared);
      this.genesisBytes = genesisBytes.slice();
    });
  }

  /**
   * Commits the next block in up to three writes, each atomic: its history (header,
   * transactions, receipts), then its state (values, transaction and hash indexes,
   * changed-key log, head) — durable, the block is committed and the promise resolves —
   * then, at a tree checkpoint, the tree's pages, which go on in the background when the
   * tree has a database of its own (the next commit, and settle(), wait for them). The
   * checks are assertions: a block that does not follow the head, or state prepared
   * against another root, is a bug of the caller.
   */
  async commitBlock(commit: BlockCommit): Promise<void> {
    // A checkpoint still being written decides the dirty pages and the logs it covers.
    await this.settle();
    const { block, hash, receipts, receiptBytes, transactionIds, prepared } = commit;
    assert(receiptBytes === undefined || receiptBytes.length === receipts.length, 'one encoded receipt per receipt');
    const header = block.header;
    assert(header !== undefined, 'a block has a header');
    assert(this.genesisBytes !== undefined, 'genesis is committed before any block');
    const head = this.currentHead;
    const expectedHeight = (head?.height ?? 0n) + 1n;
    assert(header.height === expectedHeight, `block height ${header.height} follows the head (${expectedHeight})`);
    const previousHash = head?.hash ?? new Uint8Array(this.hashBytes);
    assert(equalBytes(header.previousHash, previousHash), 'the block links to the head');
    assert(equalBytes(prepared.previousRoot, this.tree.root()), 'the state was prepared against the committed state root');
    assert(equalBytes(header.stateRoot, prepared.root), "the header's state root is the prepared root");
    assert(equalBytes(blockHash(this.hash, header), hash), 'the given hash is the header hash');
    const count = block.transactions.length;
    assert(header.transactionCount === count, 'transaction_count matches the transactions');
    assert(receipts.length === count && transactionIds.length === count, 'one receipt and one id per transaction');

    const height = header.height;
    const heightBytes = u64ToBytes(height);
    // History records above the head are ignored (and overwritten when that height
    // commits), so the history write may land without the state write that follows.
    const history: KvOperation[] = [];
    history.push({ type: 'put', key: headerKey(height), value: encode(BlockHeaderSchema, header) });
    // A block without transactions (a round that only carries others' commits) has no body records.
    if (count > 0) {
      history.push({ type: 'put', key: blockTransactionsKey(height), value: encodeRecordList(block.transactions) });
      const encodedReceipts = receiptBytes ?? receipts.map((receipt) => encode(ReceiptSchema, receipt));
      history.push({ type: 'put', key: blockReceiptsKey(height), value: encodeRecordList(encodedReceipts) });
    }
    // The hash index is keyed by hash, not height: it goes with the state's random keys,
    // leaving the history database appended in key order (keys.ts, BLOCK_RECORD).
    const state: KvOperation[] = [{ type: 'put', key: blockHashKey(hash), value: heightBytes }];
    for (let i = 0; i < count; i++) {
      state.push({ type: 'put', key: transactionIndexKey(transactionIds[i]!), value: locationBytes(heightBytes, i) });
    }
    for (const op of prepared.operations) state.push(op);
    // Logged even at a checkpoint: until the tree write is durable, opening needs it.
    state.push({ type: 'put', key: treeLogKey(height), value: encodeKeyLog(prepared.changes.map((change) => change.key)) });
    for (const key of this.coveredTreeLogs) state.push({ type: 'del', key });
    // Order matters only to a store that breaks atomicity (see crash tests): the head
    // record goes last.
    state.push({ type: 'put', key: HEAD_KEY, value: concatBytes(heightBytes, hash) });
    const checkpoint = this.isTreeCheckpointDue(height, prepared);
    const tree = checkpoint ? this.treeCheckpointOperations(height, prepared) : [];
    // Where the tree shares the state's database, the writes join into one batch instead.
    const treeInBackground = checkpoint && this.databases.tree !== this.databases.state;
    const writes = [
      { kv: this.databases.history, operations: history },
      { kv: this.databases.state, operations: state },
      { kv: this.databases.tree, operations: treeInBackground ? [] : tree },
    ];
    await this.writeInOrder(writes, () => {
      this.tree.applied(prepared);
      this.coveredTreeLogs = [];
      if (!checkpoint) this.treeLoggedKeys += prepared.changes.length;
      else if (!treeInBackground) this.treeCheckpointed(height);
      this.cacheValues(prepared);
      this.currentHead = { height, hash: hash.slice(), header };
    });
    if (treeInBackground) this.writeTreeInBackground(height, tree);
  }

  /**
   * Resolves once no write is under way — a tree checkpoint's included — whether or not
   * it succeeded (a failed one makes later writes refuse with STORE_FAILED). Call it
   * before closing the databases.
   */
  async settle(): Promise<void> {
    await this.treeWrite;
  }

  /**
   * Writes a checkpoint's pages (treeCheckpointOperations(height, …)) after its block
   * committed, without holding up the commit: at 5,000 payments a second such a write of
   * 50,000–60,000 pages took 200–750 ms, during which the node committed nothing.
   */
  private writeTreeInBackground(height: bigint, operations: readonly KvOperation[]): void {
    const pending: Promise<void> = this.databases.tree
      .write(operations)
      .then(
        () => this.treeCheckpointed(height),
        (error: unknown) => {
          // The pages may or may not be on disk: only reopening (which verifies) can tell.
          this.failure = error;
        },
      )
      .finally(() => {
        if (this.treeWrite === pending) this.treeWrite = undefined;
      });
    this.treeWrite = pending;
  }

  /** Whether block `height`, changing `prepared`, must write the tree: by block count, dirty pages or logged keys. */
  private isTreeCheckpointDue(height: bigint, prepared: PreparedState): boolean {
    return (
      height - this.treeCheckpointHeight >= BigInt(this.treeCheckpointBlocks) ||
      this.tree.dirtyPages() + prepared.pageCount >= this.treeDirtyPagesMax ||
      this.treeLoggedKeys + prepared.changes.length >= this.treeLoggedKeysMax
    );
  }

  /**
   * The tree write of a checkpoint at `height`, with `prepared` applied by the same
   * commit: every dirty page and the checkpoint record.
   */
  private treeCheckpointOperations(height: bigint, prepared: PreparedState): KvOperation[] {
    const operations = this.tree.pageOperations(prepared);
    operations.push({ type: 'put', key: TREE_CHECKPOINT_KEY, value: concatBytes(u64ToBytes(height), prepared.root) });
    return operations;
  }

  /**
   * Once a tree write at `height` is durable (and its state applied): the dirty pages
   * are the store's now, and the logs it covers go with the next state write.
   */
  private treeCheckpointed(height: bigint): void {
    this.tree.checkpointed();
    for (let h = this.treeCheckpointHeight + 1n; h <= height; h++) this.coveredTreeLogs.push(treeLogKey(h));
    this.treeCheckpointHeight = height;
    this.treeLoggedKeys = 0;
  }

  /** Whether `height` is a committed block (guards against reading records of an unfinished one). */
  private isCommitted(height: bigint): boolean {
    return height >= 1n && this.currentHead !== undefined && height <= this.currentHead.height;
  }

  getHeader(height: bigint): BlockHeader | undefined {
    return this.isCommitted(height) ? this.readHeader(height) : undefined;
  }

  getBlock(height: bigint): Block | undefined {
    const header = this.getHeader(height);
    if (header === undefined) return undefined;
    return create(BlockSchema, { header, transactions: this.readBlockTransactions(height, header.transactionCount) });
  }

  heightOf(hash: Uint8Array): bigint | undefined {
    // Written with the block's state write, so only a committed block has one.
    const bytes = this.databases.state.get(blockHashKey(hash));
    if (bytes === undefined) return undefined;
    if (bytes.length !== 8) throw corrupt(`the hash index record of block ${bytesToHex(hash)} is malformed`);
    const height = bytesToU64(bytes);
    return this.isCommitted(height) ? height : undefined;
  }

  getBlockByHash(hash: Uint8Array): Block | undefined {
    const height = this.heightOf(hash);
    return height === undefined ? undefined : this.getBlock(height);
  }

  private locate(id: Uint8Array): { height: bigint; index: number } | undefined {
    const bytes = this.databases.state.get(transactionIndexKey(id));
    if (bytes === undefined) return undefined;
    if (bytes.length !== 12) throw corrupt(`the index record of transaction ${bytesToHex(id)} is malformed`);
    const height = bytesToU64(bytes.subarray(0, 8));
    return this.isCommitted(height) ? { height, index: bytesToU32(bytes, 8) } : undefined;
  }

  /** A committed transaction by id: where it is and its bytes. */
  getTransaction(id: Uint8Array): StoredTransaction | undefined {
    const at = this.locate(id);
    if (at === undefined) return undefined;
    return { ...at, bytes: this.readBodyEntry(blockTransactionsKey(at.height), 'transaction', at.height, at.index) };
  }

  getReceipt(id: Uint8Array): StoredReceipt | undefined {
    const at = this.locate(id);
    return at === undefined ? undefined : this.getReceiptAt(at.height, at.index);
  }

  getReceiptAt(height: bigint, index: number): StoredReceipt | undefined {
    if (!this.isCommitted(height)) return undefined;
    const record = this.databases.history.get(blockReceiptsKey(height));
    const bytes = record === undefined ? undefined : recordListItem(record, index);
    if (bytes === undefined) return undefined;
    try {
      return { height, index, receipt: decodeCanonical(ReceiptSchema, bytes, STORED_RECORD_BYTES_MAX) };
    } catch (cause) {
      throw corrupt(`receipt ${index} of block ${height} does not decode`, { height, index }, cause);
    }
  }

  /**
   * The committed state entries whose key starts with `prefix`, in key order (state
   * keys without the store's own prefix). For audits and queries, not for execution.
   * Do not commit while iterating.
   */
  async *iterateState(prefix: Uint8Array = new Uint8Array(0)): AsyncIterable<readonly [Uint8Array, Uint8Array]> {
    const gte = valueKey(prefix);
    for await (const [key, value] of this.databases.state.iterate({ gte, lt: prefixUpperBound(gte) })) yield [key.subarray(1), value] as const;
  }

  /** Inclusion or absence proof of `key` against stateRoot() (verify with protocol's verifyStateProof). */
  proveState(key: Uint8Array): StateProof {
    return this.tree.prove(key, this.state.get(key));
  }
}

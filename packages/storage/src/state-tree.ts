import {
  assert,
  bytesToHex,
  compareBytes,
  equalBytes,
  hashIntoOf,
  isSparseEmptyHash,
  pathBit,
  pathsSharePrefix,
  sparseEmptyHash,
  SPARSE_INNER_TAG,
  SPARSE_LEAF_TAG,
  type HashFunction,
  type HashIntoFunction,
  type StateChange,
  type StateProof,
} from '@tongbao/protocol';
import { StorageError } from './errors.js';
import type { KeyValueStore, KvOperation } from './kv.js';
import { PAGE_DEPTH_BITS, pageKey, prefixEnd, PREFIX, valueKey } from './keys.js';
import { bytesKey, GenerationCache } from './generation-cache.js';
import {
  NODE_CACHE_ENTRIES_MAX_DEFAULT,
  type KeyPresence,
  type PreparedState,
  type StateTree,
  type StateTreeOptions,
  type StateTreeStats,
  type ValueRecords,
} from './state-tree-contract.js';

/**
 * The state tree: the compressed sparse Merkle tree of protocol/merkle/sparse.ts —
 * binary hashing, binary proofs — stored in pages of four binary levels
 * (docs/adr/0003-state-commitment.md).
 *
 * A page at `level` holds the (up to 15) nodes at depths 4·level … 4·level + 3 under one
 * path prefix, in heap order (slot 0 the page's top node, slot s has children 2s+1 and
 * 2s+2), and the hashes of the 16 nodes just below it (slots 15…30), which are the top
 * nodes of its child pages. A page exists exactly when its top node is not empty. So a
 * change rewrites about depth/4 records instead of depth, and reads as many.
 *
 * A page record stores only what cannot be recomputed: the kind of each slot, each
 * leaf's key and value hashes, and the hashes below the bottom inner nodes. Loading a
 * page recomputes its inner hashes and checks its top hash against the hash its parent
 * (or the root) holds, so a page read from disk is verified on every path that reaches
 * it. Decoded pages are kept in a bounded cache (`nodeCacheEntriesMax`), so a block's
 * update rarely touches the disk.
 *
 * Pages are not written with every block. A block's changed pages stay in memory as
 * dirty pages, never evicted and newer than the store, until a checkpoint writes them
 * all at once (`pageOperations`, `checkpointed`): the top of the tree — the root page,
 * its 16 children, their 256 — changes in every block, and is written once per
 * checkpoint instead. The chain store decides when, and logs each block's changed keys
 * so that a restart rebuilds the dirty pages from the checkpoint: the tree is
 * determined by its keys and values alone, not by the order they were set in.
 *
 * A block's changes are applied in one pass down the tree over the changes sorted by
 * path: a node is visited only if some change lies below it, and the nodes above
 * several changes are read, rehashed and written once. The work is therefore
 * proportional to the changed keys times the tree depth (about log2 of the state size),
 * never to the state size.
 */

const EMPTY = 0;
const LEAF = 1;
const INNER = 2;
type Kind = typeof EMPTY | typeof LEAF | typeof INNER;

/** Node slots in a page (depths 0…3 below its top), and with the 16 child hashes. */
const PAGE_NODE_SLOTS = 15;
const PAGE_HASH_SLOTS = 31;
/** First slot of the bottom level: its children are the top nodes of child pages. */
const PAGE_BOTTOM_SLOT = 7;
/** First byte of a page record: its encoding version. */
const PAGE_RECORD_VERSION = 0x01;
const PAGE_HEADER_BYTES = 5;

/** Hash-sized cells of a decoded page: the 31 hash slots, then a key and a value hash per node slot. */
const PAGE_CELLS = PAGE_HASH_SLOTS + 2 * PAGE_NODE_SLOTS;

/** The depth, below the page's top, of slot `slot`. */
function slotDepth(slot: number): number {
  return slot === 0 ? 0 : slot < 3 ? 1 : slot < 7 ? 2 : slot < 15 ? 3 : 4;
}

/**
 * A decoded page, in one flat buffer: cell c (hashBytes long) at c·hashBytes holds hash
 * slot c for c < 31, and the key hash and value hash of the leaf in node slot s are
 * cells 31 + 2s and 32 + 2s. An absent hash is zeros with its bit clear in `present`.
 *
 * Why flat: a block caches every page it writes, and those pages outlive the young
 * generation. Held as arrays of separate 32-byte arrays (some 45 objects a page), they
 * made the scavenger copy about 20 KB per payment; one buffer per page is three objects.
 *
 * Committed pages (in the cache, or read from the store) are never changed; an update
 * writes into a clone. The hash views handed out are therefore stable for committed pages.
 */
class Page {
  constructor(
    /** Kinds of slots 0…14, 2 bits each, slot 0 highest (as in the record). */
    public packedKinds: number,
    /** Bit c set when hash slot c (0…30) holds a hash. */
    private present: number,
    /** Null once retired: any later use of the page fails loudly instead of reading a reused buffer. */
    private buffer: Uint8Array | null,
    private readonly hashBytes: number,
  ) {}

  static empty(hashBytes: number, buffers: PageBuffers): Page {
    return new Page(0, 0, buffers.zeroed(), hashBytes);
  }

  get cells(): Uint8Array {
    return this.buffer!;
  }

  clone(buffers: PageBuffers): Page {
    return new Page(this.packedKinds, this.present, buffers.copyOf(this.cells), this.hashBytes);
  }

  /** Gives the page's buffer back for reuse; the page must not be used again. */
  retire(buffers: PageBuffers): void {
    buffers.release(this.cells);
    this.buffer = null;
  }

  kind(slot: number): Kind {
    return ((this.packedKinds >>> (2 * (PAGE_NODE_SLOTS - 1 - slot))) & 3) as Kind;
  }

  setKind(slot: number, kind: Kind): void {
    const shift = 2 * (PAGE_NODE_SLOTS - 1 - slot);
    this.packedKinds = (this.packedKinds & ~(3 << shift)) | (kind << shift);
  }

  private cell(index: number): Uint8Array {
    return this.cells.subarray(index * this.hashBytes, (index + 1) * this.hashBytes);
  }

  private setCell(index: number, bytes: Uint8Array | undefined): void {
    if (bytes === undefined) this.cells.fill(0, index * this.hashBytes, (index + 1) * this.hashBytes);
    else this.cells.set(bytes, index * this.hashBytes);
  }

  /** Node hash of slots 0…14, child page top hash of slots 15…30; undefined when empty. */
  hash(slot: number): Uint8Array | undefined {
    return ((this.present >>> slot) & 1) === 1 ? this.cell(slot) : undefined;
  }

  setHash(slot: number, hash: Uint8Array | undefined): void {
    this.setCell(slot, hash);
    if (hash === undefined) this.present &= ~(1 << slot);
    else this.present |= 1 << slot;
  }

  /** Whether any hash slot holds a hash. */
  holdsHashes(): boolean {
    return this.present !== 0;
  }

  keyHash(slot: number): Uint8Array | undefined {
    return this.kind(slot) === LEAF ? this.cell(PAGE_HASH_SLOTS + 2 * slot) : undefined;
  }

  valueHash(slot: number): Uint8Array | undefined {
    return this.kind(slot) === LEAF ? this.cell(PAGE_HASH_SLOTS + 2 * slot + 1) : undefined;
  }

  /** The key and value hash of a leaf in `slot`, whose kind the caller sets to LEAF; undefined clears them. */
  setLeaf(slot: number, keyHash: Uint8Array | undefined, valueHash: Uint8Array | undefined): void {
    this.setCell(PAGE_HASH_SLOTS + 2 * slot, keyHash);
    this.setCell(PAGE_HASH_SLOTS + 2 * slot + 1, valueHash);
  }

  isEmpty(): boolean {
    return this.kind(0) === EMPTY;
  }
}

/**
 * Spare page buffers. A block copies thousands of pages before changing them, and each
 * fresh buffer of a page's size is an ArrayBuffer outside V8's heap, about 1.6 µs to
 * create here against 0.3 µs to fill one already made. The buffers of pages a commit
 * supersedes come back here (JsStateTree.applied).
 */
class PageBuffers {
  private readonly spare: Uint8Array[] = [];

  constructor(
    private readonly bytes: number,
    private readonly spareMax: number,
  ) {}

  zeroed(): Uint8Array {
    const buffer = this.spare.pop();
    if (buffer === undefined) return new Uint8Array(this.bytes);
    buffer.fill(0);
    return buffer;
  }

  copyOf(source: Uint8Array): Uint8Array {
    const buffer = this.spare.pop();
    if (buffer === undefined) return source.slice();
    buffer.set(source);
    return buffer;
  }

  release(buffer: Uint8Array): void {
    if (this.spare.length < this.spareMax) this.spare.push(buffer);
  }
}

/**
 * A page's key in the maps of pages in memory: a number for the pages of the top
 * PAGE_ID_NUMBER_LEVELS levels (the first 4·level bits of the path, then the level in 3
 * bits: below 2^27, a small integer to V8), the latin1 string of its store key below.
 * Every visit of a page looks it up; building its store key and a string from it cost
 * more than the lookup, and until a tree holds tens of millions of leaves every page is
 * in the top levels (level 6 spans depths 24…27).
 */
type PageId = number | string;

const PAGE_ID_NUMBER_LEVELS = 7;

/** The id of the page at `level` on `path`, bit 4·level − 1 replaced by `lastBit` unless -1 (as pageKey). */
function pageId(level: number, path: Uint8Array, lastBit: -1 | 0 | 1 = -1): PageId {
  if (level >= PAGE_ID_NUMBER_LEVELS) return bytesKey(pageKey(level, path, lastBit));
  if (level === 0) return 0;
  const bits = level * PAGE_DEPTH_BITS;
  let prefix = ((path[0]! << 16) | (path[1]! << 8) | path[2]!) >>> (24 - bits);
  if (lastBit !== -1) prefix = (prefix & ~1) | lastBit;
  return prefix * 8 + level;
}

/** pageId of the page stored under `key` (a pageKey). */
function pageIdOfStoreKey(key: Uint8Array): PageId {
  const level = key[1]!;
  if (level >= PAGE_ID_NUMBER_LEVELS) return bytesKey(key);
  const path = new Uint8Array(3);
  path.set(key.subarray(2, 5));
  return pageId(level, path);
}

const ROOT_PAGE_ID: PageId = 0;
const EMPTY_PATH = new Uint8Array(0);

/** Spare page buffers kept at most (about 8 MB with 32-byte hashes). */
const SPARE_PAGE_BUFFERS_MAX = 4096;

/** A node as the update pass carries it: kind, hash (undefined when empty), leaf data. */
interface NodeValue {
  readonly kind: Kind;
  readonly hash: Uint8Array | undefined;
  readonly keyHash?: Uint8Array | undefined;
  readonly valueHash?: Uint8Array | undefined;
}

const EMPTY_NODE: NodeValue = { kind: EMPTY, hash: undefined };

/** One change on its path; valueHash undefined deletes the key. */
interface PathChange {
  readonly keyHash: Uint8Array;
  readonly valueHash: Uint8Array | undefined;
  /** The path's first 32 bits, so that sorting compares numbers first. */
  readonly top: number;
}

function pathTop(keyHash: Uint8Array): number {
  return ((keyHash[0]! << 24) | (keyHash[1]! << 16) | (keyHash[2]! << 8) | keyHash[3]!) >>> 0;
}

/** A page changed by a prepare: dirty once applied, written at the next checkpoint. */
interface WrittenPage {
  /** pageId of the page, for the maps. */
  readonly key: PageId;
  readonly storeKey: Uint8Array;
  /** undefined: the page was deleted. */
  readonly page: Page | undefined;
}

/** The pages of a state this tree prepared. */
function writtenPages(prepared: PreparedState): readonly WrittenPage[] {
  assert(Array.isArray(prepared.pages), 'a prepared state is applied to the kind of tree that prepared it');
  return prepared.pages as readonly WrittenPage[];
}

/** Hashes node preimages (tag ‖ a ‖ b) through one reused buffer. */
class NodeHasher {
  private readonly input: Uint8Array;
  private readonly output: Uint8Array;
  private readonly into: HashIntoFunction;
  readonly empty: Uint8Array;
  count = 0;

  constructor(hash: HashFunction, readonly hashBytes: number) {
    this.into = hashIntoOf(hash);
    // Outside V8's heap from the start, so a native hash reads and writes them in place.
    this.input = new Uint8Array(new ArrayBuffer(1 + 2 * hashBytes));
    this.output = new Uint8Array(new ArrayBuffer(hashBytes));
    this.empty = sparseEmptyHash(hashBytes);
  }

  /** H(tag ‖ a ‖ b), a fresh array; undefined stands for the empty hash. */
  node(tag: number, a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array {
    const input = this.input;
    input[0] = tag;
    input.set(a ?? this.empty, 1);
    input.set(b ?? this.empty, 1 + this.hashBytes);
    this.into(this.output, input);
    this.count++;
    return this.output.slice();
  }
}

/** The JavaScript state tree: the reference implementation (see the file's opening comment). */
export class JsStateTree implements StateTree {
  private readonly kv: KeyValueStore;
  private readonly hash: HashFunction;
  readonly hashBytes: number;
  private readonly hasher: NodeHasher;
  private readonly cache: GenerationCache<PageId, Page>;
  /** Pages changed since the last checkpoint, by pageId; newer than the store, never evicted. */
  private readonly dirty = new Map<PageId, WrittenPage>();
  /** @internal for TreeUpdate. */
  readonly buffers: PageBuffers;
  private readonly rootKey: Uint8Array;
  private rootHash: Uint8Array;

  constructor(kv: KeyValueStore, hash: HashFunction, options: StateTreeOptions = {}) {
    this.kv = kv;
    this.hash = hash;
    this.hashBytes = hash(new Uint8Array(0)).length;
    assert(this.hashBytes >= 16 && this.hashBytes <= 64, 'the chain hash returns 16..64 bytes');
    this.hasher = new NodeHasher(hash, this.hashBytes);
    this.buffers = new PageBuffers(PAGE_CELLS * this.hashBytes, SPARE_PAGE_BUFFERS_MAX);
    const entriesMax = options.nodeCacheEntriesMax ?? NODE_CACHE_ENTRIES_MAX_DEFAULT;
    assert(Number.isSafeInteger(entriesMax) && entriesMax >= 0, 'nodeCacheEntriesMax is a whole number');
    this.cache = new GenerationCache<PageId, Page>(entriesMax);
    this.rootKey = pageKey(0, new Uint8Array(0));
    const record = kv.get(this.rootKey);
    if (record === undefined) this.rootHash = sparseEmptyHash(this.hashBytes);
    else {
      const page = this.decodePage(record, this.rootKey, undefined);
      this.rootHash = page.hash(0)!.slice();
      this.cache.set(ROOT_PAGE_ID, page);
    }
  }

  /** The root of the committed tree. */
  root(): Uint8Array {
    return this.rootHash;
  }

  /** Decoded pages held in memory now (at most nodeCacheEntriesMax). */
  cachedPages(): number {
    return this.cache.size;
  }

  /** Pages changed since the last checkpoint (held in memory until it). */
  dirtyPages(): number {
    return this.dirty.size;
  }

  /**
   * Makes `prepared` the committed tree, once the batch holding its value records is
   * durable: its pages become dirty until the next checkpoint.
   */
  applied(prepared: PreparedState): void {
    assert(equalBytes(prepared.previousRoot, this.rootHash), 'a prepared state is applied to the root it was prepared from');
    const pages = writtenPages(prepared);
    this.rootHash = prepared.root;
    for (const written of pages) {
      // The version this one supersedes is referred to by nothing now (updates copy
      // what they change, and a prepare's root is its own copy), so its buffer is reused.
      const superseded = this.dirty.get(written.key)?.page ?? this.cache.get(written.key);
      assert(superseded === undefined || superseded !== written.page, 'a written page is a new copy');
      this.dirty.set(written.key, written);
      this.cache.delete(written.key);
      superseded?.retire(this.buffers);
    }
  }

  /**
   * The page records a checkpoint writes: every dirty page, and `pending`'s pages (a
   * prepared state to be applied with the same batch) over them. Writes nothing.
   */
  pageOperations(pending?: PreparedState): KvOperation[] {
    const latest = new Map(this.dirty);
    for (const written of pending === undefined ? [] : writtenPages(pending)) latest.set(written.key, written);
    const operations: KvOperation[] = [];
    const kept: WrittenPage[] = [];
    for (const written of latest.values()) {
      if (written.page === undefined) operations.push({ type: 'del', key: written.storeKey });
      else kept.push(written);
    }
    const records = this.encodePages(kept.map((written) => written.page!));
    for (let i = 0; i < kept.length; i++) operations.push({ type: 'put', key: kept[i]!.storeKey, value: records[i]! });
    return operations;
  }

  /** Once a batch holding pageOperations() is durable (and applied): the dirty pages are the store's now. */
  checkpointed(): void {
    for (const { key, page } of this.dirty.values()) {
      if (page !== undefined) this.cache.set(key, page);
    }
    this.dirty.clear();
  }

  private corrupt(key: Uint8Array, message: string): never {
    throw new StorageError('CORRUPT_STORE', `state tree page ${bytesToHex(key)} ${message}`, { details: { key: bytesToHex(key) } });
  }

  /**
   * The committed page at `level` on `path` (bit 4·level − 1 replaced by `lastBit` unless
   * -1), whose top node has hash `expected`: from the cache, or the store (its key built
   * only then).
   */
  loadPage(level: number, path: Uint8Array, lastBit: -1 | 0 | 1, expected: Uint8Array, stats: StateTreeStats | undefined): Page {
    const id = pageId(level, path, lastBit);
    const dirty = this.dirty.get(id);
    if (dirty !== undefined) {
      if (stats !== undefined) stats.nodeCacheHits++;
      assert(dirty.page !== undefined && equalBytes(dirty.page.hash(0)!, expected), 'a dirty page agrees with its parent');
      return dirty.page;
    }
    const cached = this.cache.get(id);
    if (cached !== undefined) {
      if (stats !== undefined) stats.nodeCacheHits++;
      // The cache holds only committed pages, which agree with their parents.
      assert(equalBytes(cached.hash(0)!, expected), 'a cached page agrees with its parent');
      return cached;
    }
    const key = pageKey(level, path, lastBit);
    const record = this.kv.get(key);
    if (record === undefined) this.corrupt(key, 'is missing though its parent refers to it');
    const hashesBefore = this.hasher.count;
    const page = this.decodePage(record, key, expected);
    if (stats !== undefined) {
      stats.nodeReads++;
      stats.loadHashes += this.hasher.count - hashesBefore;
    }
    this.cache.set(id, page);
    return page;
  }

  /**
   * Decodes a page record: version ‖ kinds (u32, 2 bits per slot, slot 0 highest) ‖ per
   * slot in order: a leaf's key hash ‖ value hash, a bottom inner node's two child
   * hashes. Recomputes the inner hashes, and checks the top hash against `expected`.
   */
  private decodePage(record: Uint8Array, key: Uint8Array, expected: Uint8Array | undefined): Page {
    const n = this.hashBytes;
    if (record.length < PAGE_HEADER_BYTES || record[0] !== PAGE_RECORD_VERSION) this.corrupt(key, `is malformed (${record.length} bytes)`);
    const packed = ((record[1]! << 24) | (record[2]! << 16) | (record[3]! << 8) | record[4]!) >>> 0;
    if (packed >>> 30 !== 0) this.corrupt(key, 'has a malformed kind field');
    const page = Page.empty(n, this.buffers);
    let offset = PAGE_HEADER_BYTES;
    for (let slot = 0; slot < PAGE_NODE_SLOTS; slot++) {
      const kind = (packed >>> (2 * (PAGE_NODE_SLOTS - 1 - slot))) & 3;
      if (kind === 3) this.corrupt(key, `has an unknown node kind in slot ${slot}`);
      if (kind !== EMPTY && slot > 0 && page.kind((slot - 1) >>> 1) !== INNER) this.corrupt(key, `has a node below a leaf or an empty slot (${slot})`);
      page.setKind(slot, kind as Kind);
      if (kind === LEAF || (kind === INNER && slot >= PAGE_BOTTOM_SLOT)) {
        if (offset + 2 * n > record.length) this.corrupt(key, 'is truncated');
        const a = record.subarray(offset, offset + n);
        const b = record.subarray(offset + n, offset + 2 * n);
        offset += 2 * n;
        if (kind === LEAF) {
          page.setLeaf(slot, a, b);
        } else {
          page.setHash(2 * slot + 1, isSparseEmptyHash(a) ? undefined : a);
          page.setHash(2 * slot + 2, isSparseEmptyHash(b) ? undefined : b);
        }
      }
    }
    if (offset !== record.length) this.corrupt(key, `has ${record.length - offset} bytes too many`);
    if (page.kind(0) === EMPTY) this.corrupt(key, 'is stored but empty');
    for (let slot = PAGE_NODE_SLOTS - 1; slot >= 0; slot--) {
      const kind = page.kind(slot);
      if (kind === LEAF) page.setHash(slot, this.hasher.node(SPARSE_LEAF_TAG, page.keyHash(slot), page.valueHash(slot)));
      else if (kind === INNER) page.setHash(slot, this.hasher.node(SPARSE_INNER_TAG, page.hash(2 * slot + 1), page.hash(2 * slot + 2)));
    }
    if (expected !== undefined && !equalBytes(page.hash(0)!, expected)) this.corrupt(key, 'does not hash to what its parent holds');
    return page;
  }

  /** The length of a page's record. */
  private recordBytes(page: Page): number {
    let length = PAGE_HEADER_BYTES;
    for (let slot = 0; slot < PAGE_NODE_SLOTS; slot++) {
      const kind = page.kind(slot);
      if (kind === LEAF || (kind === INNER && slot >= PAGE_BOTTOM_SLOT)) length += 2 * this.hashBytes;
    }
    return length;
  }

  /** Writes a page's record (decodePage's format) into `record`, exactly recordBytes(page) long. */
  private encodePage(page: Page, record: Uint8Array): void {
    const n = this.hashBytes;
    const packed = page.packedKinds;
    record[0] = PAGE_RECORD_VERSION;
    record[1] = packed >>> 24;
    record[2] = (packed >>> 16) & 0xff;
    record[3] = (packed >>> 8) & 0xff;
    record[4] = packed & 0xff;
    let offset = PAGE_HEADER_BYTES;
    const cells = page.cells;
    for (let slot = 0; slot < PAGE_NODE_SLOTS; slot++) {
      const kind = page.kind(slot);
      // Both cases are two adjacent cells; an absent child is zeros, the sparse empty hash.
      let first = -1;
      if (kind === LEAF) first = PAGE_HASH_SLOTS + 2 * slot;
      else if (kind === INNER && slot >= PAGE_BOTTOM_SLOT) first = 2 * slot + 1;
      if (first === -1) continue;
      record.set(cells.subarray(first * n, (first + 2) * n), offset);
      offset += 2 * n;
    }
    assert(offset === record.length, 'a page record is exactly its computed length');
  }

  /** Records of `pages`, all in one allocation (a checkpoint writes thousands). */
  private encodePages(pages: readonly Page[]): Uint8Array[] {
    const lengths = pages.map((page) => this.recordBytes(page));
    let total = 0;
    for (const length of lengths) total += length;
    const buffer = new Uint8Array(total);
    const records: Uint8Array[] = new Array(pages.length);
    let offset = 0;
    for (let i = 0; i < pages.length; i++) {
      const record = buffer.subarray(offset, offset + lengths[i]!);
      this.encodePage(pages[i]!, record);
      records[i] = record;
      offset += lengths[i]!;
    }
    return records;
  }

  /**
   * The new root and the writes for `changes` (sorted by key, each key once), without
   * touching the store.
   */
  prepare(changes: readonly StateChange[]): PreparedState {
    const stats: StateTreeStats = { nodeReads: 0, nodeCacheHits: 0, nodeWrites: 0, nodeDeletes: 0, hashes: 0, loadHashes: 0 };
    const operations: KvOperation[] = [];
    const hash = this.hash;
    const pathChanges: PathChange[] = new Array(changes.length);
    for (let i = 0; i < changes.length; i++) {
      const { key, value } = changes[i]!;
      // The execution contract (protocol/state.ts): sorted, so each key once.
      assert(i === 0 || compareBytes(changes[i - 1]!.key, key) < 0, 'state changes are sorted by key with no key twice');
      const keyHash = hash(key);
      pathChanges[i] = { keyHash, valueHash: value === undefined ? undefined : hash(value), top: pathTop(keyHash) };
      stats.hashes += value === undefined ? 1 : 2;
      operations.push(value === undefined ? { type: 'del', key: valueKey(key) } : { type: 'put', key: valueKey(key), value });
    }
    pathChanges.sort((a, b) => a.top - b.top || compareBytes(a.keyHash, b.keyHash));

    const previousRoot = this.rootHash;
    if (pathChanges.length === 0) return { previousRoot, root: previousRoot, operations, changeCount: 0, stats, pageCount: 0, pages: [], changes };
    const hashesBefore = this.hasher.count;
    const update = new TreeUpdate(this, this.hasher, pathChanges, stats);
    const rootRef = new PageRef(0, EMPTY_PATH, -1, isSparseEmptyHash(previousRoot) ? undefined : previousRoot);
    const newRoot = update.updateRoot(rootRef);
    const pages = update.finish();
    stats.hashes += this.hasher.count - hashesBefore - stats.loadHashes;
    // A copy: the new root may be a view into a committed page, whose buffer is reused once superseded.
    const root = (newRoot.hash ?? sparseEmptyHash(this.hashBytes)).slice();
    return { previousRoot, root, operations, changeCount: changes.length, stats, pageCount: pages.length, pages, changes };
  }

  /** The committed page at `level` on `path` if memory holds it (dirty or cached): never read from the store. */
  private heldPage(level: number, path: Uint8Array, expected: Uint8Array): Page | undefined {
    const id = pageId(level, path, -1);
    const dirty = this.dirty.get(id);
    const page = dirty === undefined ? this.cache.get(id) : dirty.page;
    if (page !== undefined) assert(equalBytes(page.hash(0)!, expected), 'a held page agrees with its parent');
    return page;
  }

  lookup(key: Uint8Array): KeyPresence {
    if (isSparseEmptyHash(this.rootHash)) return 'absent';
    const keyHash = this.hash(key);
    let page = this.heldPage(0, EMPTY_PATH, this.rootHash);
    let slot = 0;
    for (let depth = 0; page !== undefined; depth++) {
      const kind = page.kind(slot);
      if (kind === EMPTY) return 'absent';
      if (kind === LEAF) return equalBytes(page.keyHash(slot)!, keyHash) ? 'present' : 'absent';
      const child = 2 * slot + 1 + pathBit(keyHash, depth);
      const childHash = page.hash(child);
      if (childHash === undefined) return 'absent';
      if (child < PAGE_NODE_SLOTS) slot = child;
      else {
        page = this.heldPage((depth + 1) / PAGE_DEPTH_BITS, keyHash, childHash);
        slot = 0;
      }
    }
    return 'unknown';
  }

  /**
   * The proof for `key` against the committed root; `value` is the committed value,
   * which the caller reads from the value records.
   */
  prove(key: Uint8Array, value: Uint8Array | undefined): StateProof {
    const keyHash = this.hash(key);
    const siblings: Uint8Array[] = [];
    if (isSparseEmptyHash(this.rootHash)) {
      assert(value === undefined, 'a key in an empty tree has no value record');
      return { key, value: undefined, siblings, leaf: undefined };
    }
    let page = this.loadPage(0, EMPTY_PATH, -1, this.rootHash, undefined);
    let slot = 0;
    for (let depth = 0; ; depth++) {
      const kind = page.kind(slot);
      if (kind === EMPTY) {
        assert(value === undefined, 'a key on an empty path has no value record');
        return { key, value: undefined, siblings, leaf: undefined };
      }
      if (kind === LEAF) {
        const leafKeyHash = page.keyHash(slot)!;
        const leafValueHash = page.valueHash(slot)!;
        if (equalBytes(leafKeyHash, keyHash)) {
          assert(value !== undefined && equalBytes(this.hash(value), leafValueHash), 'the value record matches its leaf');
          return { key, value, siblings, leaf: undefined };
        }
        assert(value === undefined, 'a key without a leaf has no value record');
        return { key, value: undefined, siblings, leaf: { keyHash: leafKeyHash.slice(), valueHash: leafValueHash.slice() } };
      }
      const bit = pathBit(keyHash, depth);
      const child = 2 * slot + 1 + bit;
      siblings.push((page.hash(child + (bit === 0 ? 1 : -1)) ?? this.hasher.empty).slice());
      const childHash = page.hash(child);
      if (childHash === undefined) {
        assert(value === undefined, 'a key on an empty path has no value record');
        return { key, value: undefined, siblings, leaf: undefined };
      }
      if (child < PAGE_NODE_SLOTS) slot = child;
      else {
        page = this.loadPage((depth + 1) / PAGE_DEPTH_BITS, keyHash, -1, childHash, undefined);
        slot = 0;
      }
    }
  }

  /**
   * Full check of the committed tree (an fsck, O(state size)): every page's hashes
   * against its parent, every leaf on its own path, no inner node that should have been
   * compressed, no page record that the tree does not reach, and exactly one leaf per
   * value record (`valueRecords`: state key and value) with the value's hash. Reads the
   * store, not the cache; dirty pages (newer than the store) are encoded and checked like
   * records. Throws CORRUPT_STORE on the first contradiction.
   */
  async verifyAll(valueRecords: ValueRecords): Promise<{ leaves: number; nodes: number; pages: number }> {
    const n = this.hashBytes;
    const leaves = new Map<string, string>();
    let nodes = 0;
    let pages = 0;
    const corrupt = (message: string): never => {
      throw new StorageError('CORRUPT_STORE', `state tree check failed: ${message}`);
    };
    // A dirty page stands for the record the next checkpoint writes (or deletes).
    const recordOf = (key: Uint8Array, id: PageId): Uint8Array | undefined => {
      const dirty = this.dirty.get(id);
      if (dirty === undefined) return this.kv.get(key);
      return dirty.page === undefined ? undefined : this.encodePages([dirty.page])[0];
    };
    let dirtyReached = 0;
    const rootRecord = recordOf(this.rootKey, ROOT_PAGE_ID);
    if (rootRecord === undefined) {
      if (!isSparseEmptyHash(this.rootHash)) corrupt('the root page is missing');
    } else if (isSparseEmptyHash(this.rootHash)) corrupt('the tree is empty but a root page is stored');
    // Depth-first over pages: (level, a path with the page's prefix, expected top hash,
    // whether the top node's sibling is empty).
    const stack: Array<{ level: number; path: Uint8Array; hash: Uint8Array; siblingEmpty: boolean }> = [];
    if (!isSparseEmptyHash(this.rootHash)) stack.push({ level: 0, path: new Uint8Array(n), hash: this.rootHash, siblingEmpty: false });
    while (stack.length > 0) {
      const { level, path, hash, siblingEmpty } = stack.pop()!;
      const key = pageKey(level, path);
      const id = pageId(level, path);
      const record = recordOf(key, id);
      if (record === undefined) return corrupt(`page ${bytesToHex(key)} is missing`);
      const page = this.decodePage(record, key, hash);
      pages++;
      if (this.dirty.has(id)) dirtyReached++;
      if (siblingEmpty && page.kind(0) === LEAF) corrupt(`page ${bytesToHex(key)} holds a lone leaf that should have been compressed`);
      for (let slot = 0; slot < PAGE_NODE_SLOTS; slot++) {
        const kind = page.kind(slot);
        if (kind === EMPTY) continue;
        nodes++;
        // This node's path: the page's prefix, then the bits of the slot's heap index.
        const depth = level * PAGE_DEPTH_BITS + slotDepth(slot);
        const own = path.slice();
        let index = slot + 1; // heap index with its leading 1 marking the depth
        for (let d = depth - 1; index > 1; d--, index >>>= 1) {
          const mask = 0x80 >>> (d & 7);
          own[d >>> 3] = (index & 1) === 1 ? own[d >>> 3]! | mask : own[d >>> 3]! & ~mask;
        }
        if (kind === LEAF) {
          const keyHash = page.keyHash(slot)!;
          if (!pathsSharePrefix(keyHash, own, depth)) corrupt(`a leaf in page ${bytesToHex(key)} is off its key's path`);
          leaves.set(bytesToHex(keyHash), bytesToHex(page.valueHash(slot)!));
          continue;
        }
        const left = page.hash(2 * slot + 1);
        const right = page.hash(2 * slot + 2);
        if (left === undefined && right === undefined) corrupt(`an inner node in page ${bytesToHex(key)} has no children`);
        if (slot < PAGE_BOTTOM_SLOT) {
          const lone = left === undefined ? 2 * slot + 2 : right === undefined ? 2 * slot + 1 : -1;
          if (lone !== -1 && page.kind(lone) === LEAF) corrupt(`an inner node in page ${bytesToHex(key)} holds a lone leaf that should have been compressed`);
          continue;
        }
        for (const bit of [0, 1] as const) {
          const child = bit === 0 ? left : right;
          if (child === undefined) continue;
          const childPath = own.slice();
          const mask = 0x80 >>> (depth & 7);
          childPath[depth >>> 3] = bit === 1 ? childPath[depth >>> 3]! | mask : childPath[depth >>> 3]! & ~mask;
          stack.push({ level: level + 1, path: childPath, hash: child, siblingEmpty: (bit === 0 ? right : left) === undefined });
        }
      }
    }
    let dirtyWritten = 0;
    for (const { page } of this.dirty.values()) if (page !== undefined) dirtyWritten++;
    if (dirtyReached !== dirtyWritten) corrupt(`${dirtyWritten - dirtyReached} of the pages changed since the last checkpoint are not in the tree`);
    // The store's records the next checkpoint leaves alone must be exactly the tree's other pages.
    let records = 0;
    for await (const [key] of this.kv.iterate({ gte: Uint8Array.of(PREFIX.page), lt: prefixEnd(PREFIX.page) })) {
      if (!this.dirty.has(pageIdOfStoreKey(key))) records++;
    }
    if (records !== pages - dirtyReached) corrupt(`the store holds ${records} page records but the tree reaches ${pages - dirtyReached}`);
    let values = 0;
    for await (const [key, value] of valueRecords) {
      values++;
      const keyHash = bytesToHex(this.hash(key));
      const valueHash = leaves.get(keyHash);
      if (valueHash === undefined) corrupt(`the value record of state key ${bytesToHex(key)} has no leaf in the tree`);
      if (valueHash !== bytesToHex(this.hash(value))) corrupt(`the value record of state key ${bytesToHex(key)} does not match its leaf`);
    }
    if (values !== leaves.size) corrupt(`the tree has ${leaves.size} leaves but the store ${values} value records`);
    return { leaves: leaves.size, nodes, pages };
  }
}

/**
 * A page as one update sees it: the committed version (read lazily; never changed) and
 * the version being written (a clone, made on the first write).
 */
class PageRef {
  private committed: Page | undefined;
  work: Page | undefined;

  /**
   * The page at `level` on `path` (bit 4·level − 1 replaced by `lastBit` unless -1);
   * `topHash`: the committed hash of its top node, undefined if there is no committed page.
   */
  constructor(
    private readonly level: number,
    private readonly path: Uint8Array,
    private readonly lastBit: -1 | 0 | 1,
    readonly topHash: Uint8Array | undefined,
  ) {}

  read(tree: JsStateTree, stats: StateTreeStats): Page {
    if (this.committed === undefined) {
      assert(this.topHash !== undefined, 'only a page that exists is read');
      this.committed = tree.loadPage(this.level, this.path, this.lastBit, this.topHash, stats);
    }
    return this.committed;
  }

  /** The page's key in the maps of pages in memory. */
  id(): PageId {
    return pageId(this.level, this.path, this.lastBit);
  }

  /** The page's key in the store. */
  storeKey(): Uint8Array {
    return pageKey(this.level, this.path, this.lastBit);
  }

  get exists(): boolean {
    return this.topHash !== undefined;
  }
}

/** Where a node sits: a slot of a page. */
interface Address {
  readonly ref: PageRef;
  readonly slot: number;
}

/** One prepare's pass down the tree. Never writes the store: it collects pages to write. */
class TreeUpdate {
  private readonly written: PageRef[] = [];

  constructor(
    private readonly tree: JsStateTree,
    private readonly hasher: NodeHasher,
    private readonly changes: readonly PathChange[],
    private readonly stats: StateTreeStats,
  ) {}

  updateRoot(rootRef: PageRef): NodeValue {
    const address: Address = { ref: rootRef, slot: 0 };
    const oldHash = rootRef.topHash;
    const result = this.visit(0, address, oldHash, 0, this.changes.length);
    if (!sameHash(oldHash, result.hash)) this.setSlot(this.writable(rootRef), 0, result);
    return result;
  }

  /** Every page this update changed, in the order first written. */
  finish(): WrittenPage[] {
    const pages: WrittenPage[] = [];
    for (const ref of this.written) {
      const page = ref.work!;
      if (page.isEmpty()) {
        assert(!page.holdsHashes(), 'an emptied page has no nodes left');
        if (!ref.exists) continue;
        this.stats.nodeDeletes++;
        pages.push({ key: ref.id(), storeKey: ref.storeKey(), page: undefined });
      } else {
        this.stats.nodeWrites++;
        pages.push({ key: ref.id(), storeKey: ref.storeKey(), page });
      }
    }
    return pages;
  }

  private writable(ref: PageRef): Page {
    if (ref.work === undefined) {
      ref.work = ref.exists ? ref.read(this.tree, this.stats).clone(this.tree.buffers) : Page.empty(this.tree.hashBytes, this.tree.buffers);
      this.written.push(ref);
    }
    return ref.work;
  }

  private readNode(address: Address): NodeValue {
    const page = address.ref.read(this.tree, this.stats);
    const slot = address.slot;
    const kind = page.kind(slot);
    if (kind === EMPTY) return EMPTY_NODE;
    return { kind, hash: page.hash(slot), keyHash: page.keyHash(slot), valueHash: page.valueHash(slot) };
  }

  private setSlot(page: Page, slot: number, node: NodeValue): void {
    page.setKind(slot, node.kind);
    page.setHash(slot, node.hash);
    page.setLeaf(slot, node.kind === LEAF ? node.keyHash : undefined, node.kind === LEAF ? node.valueHash : undefined);
  }

  /**
   * The address of the child (`bit`) of the node at `parent`, at `depth` + 1. A bottom
   * slot's children are the top nodes of child pages; `path` is any path through the
   * parent (its bit `depth` is replaced by `bit`), `childHash` the child's committed hash.
   */
  private child(parent: Address, depth: number, bit: 0 | 1, path: Uint8Array, childHash: Uint8Array | undefined): Address {
    const slot = 2 * parent.slot + 1 + bit;
    if (slot < PAGE_NODE_SLOTS) return { ref: parent.ref, slot };
    const level = (depth + 1) / PAGE_DEPTH_BITS;
    return { ref: new PageRef(level, path, bit, childHash), slot: 0 };
  }

  /**
   * Puts `node` as child `bit` of the node at `parent`, where a node of hash `oldHash`
   * (undefined for none) was: in the parent's page, and for a bottom slot also as the
   * top of the child page (which is deleted when the node is empty). Nothing if it is
   * the same node.
   */
  private place(parent: Address, bit: 0 | 1, address: Address | undefined, oldHash: Uint8Array | undefined, node: NodeValue): void {
    if (sameHash(oldHash, node.hash)) return;
    const slot = 2 * parent.slot + 1 + bit;
    const page = this.writable(parent.ref);
    if (slot < PAGE_NODE_SLOTS) {
      this.setSlot(page, slot, node);
      return;
    }
    page.setHash(slot, node.hash);
    assert(address !== undefined && address.ref !== parent.ref, 'a child page has an address');
    this.setSlot(this.writable(address.ref), 0, node);
  }

  /** Index of the first change in [lo, hi) whose path has bit `depth` set. */
  private split(lo: number, hi: number, depth: number): number {
    let a = lo;
    let b = hi;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (pathBit(this.changes[mid]!.keyHash, depth) === 0) a = mid + 1;
      else b = mid;
    }
    return a;
  }

  /** The subtree at `address` (at `depth`, of hash `oldHash` now) after changes [lo, hi), which all lie below it. */
  private visit(depth: number, address: Address, oldHash: Uint8Array | undefined, lo: number, hi: number): NodeValue {
    if (oldHash === undefined) return this.rebuild(depth, address, EMPTY_NODE, lo, hi);
    const page = address.ref.read(this.tree, this.stats);
    if (page.kind(address.slot) === INNER) return this.update(depth, address, lo, hi);
    return this.rebuild(depth, address, this.readNode(address), lo, hi);
  }

  /**
   * The inner node at `at` (depth `depth`) after changes [lo, hi), which all lie below it.
   * Every position strictly below is written to match the result; the position itself
   * is left to the caller, which alone knows whether a lone leaf moves up.
   */
  private update(depth: number, at: Address, lo: number, hi: number): NodeValue {
    const page = at.ref.read(this.tree, this.stats);
    const leftHash = page.hash(2 * at.slot + 1);
    const rightHash = page.hash(2 * at.slot + 2);
    const mid = this.split(lo, hi, depth);
    const childDepth = depth + 1;
    // An untouched side is read only if the other side empties and it might have to move up.
    // An empty untouched side is known without a read.
    let left: NodeValue | undefined = leftHash === undefined ? EMPTY_NODE : undefined;
    let right: NodeValue | undefined = rightHash === undefined ? EMPTY_NODE : undefined;
    let leftAt: Address | undefined;
    let rightAt: Address | undefined;
    if (lo < mid) {
      leftAt = this.child(at, depth, 0, this.changes[lo]!.keyHash, leftHash);
      left = this.visit(childDepth, leftAt, leftHash, lo, mid);
    }
    if (mid < hi) {
      rightAt = this.child(at, depth, 1, this.changes[mid]!.keyHash, rightHash);
      right = this.visit(childDepth, rightAt, rightHash, mid, hi);
    }
    if (left?.kind === EMPTY && right === undefined) {
      rightAt = this.child(at, depth, 1, this.changes[lo]!.keyHash, rightHash);
      right = this.readNode(rightAt);
    }
    if (right?.kind === EMPTY && left === undefined) {
      leftAt = this.child(at, depth, 0, this.changes[lo]!.keyHash, leftHash);
      left = this.readNode(leftAt);
    }
    if (left !== undefined && right !== undefined) {
      const lone = left.kind === EMPTY ? right : right.kind === EMPTY ? left : undefined;
      if (lone !== undefined && lone.kind !== INNER) {
        // Nothing, or a single leaf, remains below: it takes this node's place.
        this.place(at, 0, leftAt, leftHash, EMPTY_NODE);
        this.place(at, 1, rightAt, rightHash, EMPTY_NODE);
        return lone;
      }
      this.place(at, 0, leftAt, leftHash, left);
      this.place(at, 1, rightAt, rightHash, right);
      return this.inner(left.hash, right.hash);
    }
    // One side untouched and the other not empty: the untouched side stays as it is.
    if (left !== undefined) {
      this.place(at, 0, leftAt, leftHash, left);
      return this.inner(left.hash, rightHash);
    }
    assert(right !== undefined, 'at least one side of a visited node changed');
    this.place(at, 1, rightAt, rightHash, right);
    return this.inner(leftHash, right.hash);
  }

  private inner(left: Uint8Array | undefined, right: Uint8Array | undefined): NodeValue {
    return { kind: INNER, hash: this.hasher.node(SPARSE_INNER_TAG, left, right) };
  }

  /**
   * Where the old subtree is empty or one leaf, nothing lies below this position: the
   * new subtree is built from the surviving keys (the old leaf unless changed, plus the
   * changes that set a value).
   */
  private rebuild(depth: number, at: Address, old: NodeValue, lo: number, hi: number): NodeValue {
    const entries: Array<{ keyHash: Uint8Array; valueHash: Uint8Array; unchanged?: NodeValue }> = [];
    const oldKeyHash = old.kind === LEAF ? old.keyHash! : undefined;
    let oldPlaced = oldKeyHash === undefined;
    for (let i = lo; i < hi; i++) {
      const change = this.changes[i]!;
      if (!oldPlaced) {
        const order = compareBytes(oldKeyHash!, change.keyHash);
        if (order < 0) {
          entries.push({ keyHash: oldKeyHash!, valueHash: old.valueHash!, unchanged: old });
          oldPlaced = true;
        } else if (order === 0) {
          oldPlaced = true; // the change replaces or deletes the old leaf
        }
      }
      if (change.valueHash !== undefined) entries.push({ keyHash: change.keyHash, valueHash: change.valueHash });
    }
    if (!oldPlaced) entries.push({ keyHash: oldKeyHash!, valueHash: old.valueHash!, unchanged: old });
    return this.build(depth, at, entries, 0, entries.length);
  }

  private build(
    depth: number,
    at: Address,
    entries: ReadonlyArray<{ keyHash: Uint8Array; valueHash: Uint8Array; unchanged?: NodeValue }>,
    lo: number,
    hi: number,
  ): NodeValue {
    if (lo === hi) return EMPTY_NODE;
    if (hi - lo === 1) {
      const entry = entries[lo]!;
      return (
        entry.unchanged ?? {
          kind: LEAF,
          hash: this.hasher.node(SPARSE_LEAF_TAG, entry.keyHash, entry.valueHash),
          keyHash: entry.keyHash,
          valueHash: entry.valueHash,
        }
      );
    }
    let mid = lo;
    while (mid < hi && pathBit(entries[mid]!.keyHash, depth) === 0) mid++;
    const path = entries[lo]!.keyHash;
    // Positions below a former empty or leaf position hold nothing yet: plain puts.
    const leftAt = this.child(at, depth, 0, path, undefined);
    const rightAt = this.child(at, depth, 1, path, undefined);
    const left = this.build(depth + 1, leftAt, entries, lo, mid);
    const right = this.build(depth + 1, rightAt, entries, mid, hi);
    this.place(at, 0, leftAt, undefined, left);
    this.place(at, 1, rightAt, undefined, right);
    return this.inner(left.hash, right.hash);
  }
}

function sameHash(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a === undefined ? b === undefined : b !== undefined && (a === b || equalBytes(a, b));
}

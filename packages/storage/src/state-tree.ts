import {
  assert,
  compareBytes,
  equalBytes,
  isSparseEmptyHash,
  pathBit,
  pathsSharePrefix,
  sparseEmptyHash,
  sparseInnerRecord,
  sparseLeafRecord,
  SPARSE_INNER_TAG,
  SPARSE_LEAF_TAG,
  bytesToHex,
  type HashFunction,
  type StateChange,
  type StateProof,
} from '@tongbao/protocol';
import { StorageError } from './errors.js';
import type { KeyValueStore, KvOperation } from './kv.js';
import { nodeKey, prefixEnd, PREFIX, valueKey } from './keys.js';

/**
 * The state tree: the compressed sparse Merkle tree of protocol/merkle/sparse.ts, kept in
 * the key-value store one node per record, keyed by its position (depth and path
 * prefix), current version only (docs/adr/0003-state-commitment.md).
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

/** A subtree as the update pass sees it: empty, or a node with its record and hash. */
type Subtree =
  | { readonly kind: typeof EMPTY }
  | { readonly kind: typeof LEAF | typeof INNER; readonly record: Uint8Array; readonly hash: Uint8Array };

const EMPTY_SUBTREE: Subtree = { kind: EMPTY };

/** One change on its path; valueHash undefined deletes the key. */
interface PathChange {
  readonly keyHash: Uint8Array;
  readonly valueHash: Uint8Array | undefined;
}

/** Work done by one prepare, counted so tests can show it scales with the change set. */
export interface StateTreeStats {
  nodeReads: number;
  nodeWrites: number;
  nodeDeletes: number;
  hashes: number;
}

/**
 * The effect of a block's state changes, computed but not applied: the new root and
 * every record to write (tree nodes and values). Valid only against the root it was
 * prepared from.
 */
export interface PreparedState {
  readonly previousRoot: Uint8Array;
  readonly root: Uint8Array;
  readonly operations: readonly KvOperation[];
  readonly changeCount: number;
  readonly stats: Readonly<StateTreeStats>;
}

export class StateTree {
  private readonly kv: KeyValueStore;
  private readonly hash: HashFunction;
  readonly hashBytes: number;
  private rootHash: Uint8Array;

  constructor(kv: KeyValueStore, hash: HashFunction) {
    this.kv = kv;
    this.hash = hash;
    this.hashBytes = hash(new Uint8Array(0)).length;
    assert(this.hashBytes >= 16 && this.hashBytes <= 64, 'the chain hash returns 16..64 bytes');
    const rootRecord = kv.get(nodeKey(0, new Uint8Array(0)));
    if (rootRecord === undefined) this.rootHash = sparseEmptyHash(this.hashBytes);
    else {
      this.checkRecord(rootRecord, nodeKey(0, new Uint8Array(0)));
      this.rootHash = hash(rootRecord);
    }
  }

  /** The root of the committed tree. */
  root(): Uint8Array {
    return this.rootHash;
  }

  /** Called by the chain store once a batch holding `prepared` is durable. */
  applied(prepared: PreparedState): void {
    assert(equalBytes(prepared.previousRoot, this.rootHash), 'a prepared state is applied to the root it was prepared from');
    this.rootHash = prepared.root;
  }

  private checkRecord(record: Uint8Array, key: Uint8Array): void {
    const tag = record[0];
    if (record.length !== 1 + 2 * this.hashBytes || (tag !== SPARSE_LEAF_TAG && tag !== SPARSE_INNER_TAG)) {
      throw new StorageError('CORRUPT_STORE', `state tree node ${bytesToHex(key)} is malformed (${record.length} bytes, tag ${tag})`, {
        details: { key: bytesToHex(key) },
      });
    }
  }

  private readNode(key: Uint8Array, hash: Uint8Array, stats: StateTreeStats): Subtree {
    stats.nodeReads++;
    const record = this.kv.get(key);
    if (record === undefined) {
      throw new StorageError('CORRUPT_STORE', `state tree node ${bytesToHex(key)} is missing though its parent refers to it`, {
        details: { key: bytesToHex(key) },
      });
    }
    this.checkRecord(record, key);
    return { kind: record[0] === SPARSE_LEAF_TAG ? LEAF : INNER, record, hash };
  }

  /**
   * The new root and the writes for `changes` (sorted by key, each key once), without
   * touching the store.
   */
  prepare(changes: readonly StateChange[]): PreparedState {
    const stats: StateTreeStats = { nodeReads: 0, nodeWrites: 0, nodeDeletes: 0, hashes: 0 };
    const operations: KvOperation[] = [];
    const hash = this.hash;
    const pathChanges: PathChange[] = new Array(changes.length);
    for (let i = 0; i < changes.length; i++) {
      const { key, value } = changes[i]!;
      // The execution contract (protocol/state.ts): sorted, so each key once.
      assert(i === 0 || compareBytes(changes[i - 1]!.key, key) < 0, 'state changes are sorted by key with no key twice');
      pathChanges[i] = { keyHash: hash(key), valueHash: value === undefined ? undefined : hash(value) };
      stats.hashes += value === undefined ? 1 : 2;
      operations.push(value === undefined ? { type: 'del', key: valueKey(key) } : { type: 'put', key: valueKey(key), value });
    }
    pathChanges.sort((a, b) => compareBytes(a.keyHash, b.keyHash));

    const previousRoot = this.rootHash;
    if (pathChanges.length === 0) return { previousRoot, root: previousRoot, operations, changeCount: 0, stats };
    const rootKey = nodeKey(0, pathChanges[0]!.keyHash);
    const oldRoot = isSparseEmptyHash(previousRoot) ? EMPTY_SUBTREE : this.readNode(rootKey, previousRoot, stats);
    const update = new TreeUpdate(this, hash, this.hashBytes, pathChanges, operations, stats);
    const newRoot = update.update(0, pathChanges[0]!.keyHash, oldRoot, 0, pathChanges.length);
    update.place(rootKey, previousRoot, newRoot);
    const root = newRoot.kind === EMPTY ? sparseEmptyHash(this.hashBytes) : newRoot.hash;
    return { previousRoot, root, operations, changeCount: changes.length, stats };
  }

  /** @internal for TreeUpdate */
  read(key: Uint8Array, hash: Uint8Array, stats: StateTreeStats): Subtree {
    return this.readNode(key, hash, stats);
  }

  /**
   * The proof for `key` against the committed root; `value` is the committed value,
   * which the caller reads from the value records.
   */
  prove(key: Uint8Array, value: Uint8Array | undefined): StateProof {
    const stats: StateTreeStats = { nodeReads: 0, nodeWrites: 0, nodeDeletes: 0, hashes: 0 };
    const keyHash = this.hash(key);
    const siblings: Uint8Array[] = [];
    let nodeHash = this.rootHash;
    let depth = 0;
    const n = this.hashBytes;
    while (!isSparseEmptyHash(nodeHash)) {
      const node = this.readNode(nodeKey(depth, keyHash), nodeHash, stats);
      assert(node.kind !== EMPTY, 'a read node is not empty');
      if (node.kind === LEAF) {
        const leafKeyHash = node.record.subarray(1, 1 + n);
        if (equalBytes(leafKeyHash, keyHash)) {
          assert(value !== undefined && equalBytes(this.hash(value), node.record.subarray(1 + n)), 'the value record matches its leaf');
          return { key, value, siblings, leaf: undefined };
        }
        assert(value === undefined, 'a key without a leaf has no value record');
        return { key, value: undefined, siblings, leaf: { keyHash: leafKeyHash.slice(), valueHash: node.record.slice(1 + n) } };
      }
      const left = node.record.subarray(1, 1 + n);
      const right = node.record.subarray(1 + n);
      const bit = pathBit(keyHash, depth);
      siblings.push((bit === 0 ? right : left).slice());
      nodeHash = bit === 0 ? left : right;
      depth++;
    }
    assert(value === undefined, 'a key on an empty path has no value record');
    return { key, value: undefined, siblings, leaf: undefined };
  }

  /**
   * Full check of the committed tree (an fsck, O(state size)): every node's hash, every
   * leaf on its own path, no inner node that should have been compressed, and exactly one
   * leaf per value record with the value's hash. Throws CORRUPT_STORE on the first
   * contradiction.
   */
  async verifyAll(): Promise<{ leaves: number; nodes: number }> {
    const n = this.hashBytes;
    const leaves = new Map<string, string>();
    let nodes = 0;
    const corrupt = (message: string): never => {
      throw new StorageError('CORRUPT_STORE', `state tree check failed: ${message}`);
    };
    // Depth-first, with explicit stack: (depth, path representative, expected hash).
    const stack: Array<{ depth: number; path: Uint8Array; hash: Uint8Array; lastBit: -1 | 0 | 1 }> = [];
    if (!isSparseEmptyHash(this.rootHash)) stack.push({ depth: 0, path: new Uint8Array(n), hash: this.rootHash, lastBit: -1 });
    while (stack.length > 0) {
      const { depth, path, hash, lastBit } = stack.pop()!;
      const key = nodeKey(depth, path, lastBit);
      const record = this.kv.get(key);
      if (record === undefined) return corrupt(`node ${bytesToHex(key)} is missing`);
      this.checkRecord(record, key);
      if (!equalBytes(this.hash(record), hash)) corrupt(`node ${bytesToHex(key)} does not hash to what its parent holds`);
      nodes++;
      // The node's own path: the parent's path with bit depth - 1 set as in the key.
      const own = path.slice();
      if (lastBit !== -1) {
        const mask = 0x80 >>> ((depth - 1) & 7);
        own[(depth - 1) >>> 3] = lastBit === 1 ? own[(depth - 1) >>> 3]! | mask : own[(depth - 1) >>> 3]! & ~mask;
      }
      if (record[0] === SPARSE_LEAF_TAG) {
        const keyHash = record.subarray(1, 1 + n);
        if (!pathsSharePrefix(keyHash, own, depth)) corrupt(`leaf ${bytesToHex(key)} is off its key's path`);
        leaves.set(bytesToHex(keyHash), bytesToHex(record.subarray(1 + n)));
        continue;
      }
      const left = record.subarray(1, 1 + n);
      const right = record.subarray(1 + n);
      if (isSparseEmptyHash(left) && isSparseEmptyHash(right)) corrupt(`inner node ${bytesToHex(key)} has no children`);
      for (const [bit, child] of [[0, left], [1, right]] as const) {
        if (isSparseEmptyHash(child)) {
          // One empty child: the other must be an inner node, else it should have been lifted.
          const other = bit === 0 ? right : left;
          const otherRecord = this.kv.get(nodeKey(depth + 1, own, bit === 0 ? 1 : 0));
          if (otherRecord !== undefined && otherRecord[0] === SPARSE_LEAF_TAG && equalBytes(this.hash(otherRecord), other)) {
            corrupt(`inner node ${bytesToHex(key)} holds a lone leaf that should have been compressed`);
          }
          continue;
        }
        stack.push({ depth: depth + 1, path: own, hash: child, lastBit: bit });
      }
    }
    let values = 0;
    for await (const [key, value] of this.kv.iterate({ gte: Uint8Array.of(PREFIX.value), lt: prefixEnd(PREFIX.value) })) {
      values++;
      const keyHash = bytesToHex(this.hash(key.subarray(1)));
      const valueHash = leaves.get(keyHash);
      if (valueHash === undefined) corrupt(`value record ${bytesToHex(key)} has no leaf in the tree`);
      if (valueHash !== bytesToHex(this.hash(value))) corrupt(`value record ${bytesToHex(key)} does not match its leaf`);
    }
    if (values !== leaves.size) corrupt(`the tree has ${leaves.size} leaves but the store ${values} value records`);
    return { leaves: leaves.size, nodes };
  }
}

/** One prepare's pass down the tree. Never writes the store: it collects operations. */
class TreeUpdate {
  private readonly empty: Uint8Array;

  constructor(
    private readonly tree: StateTree,
    private readonly hash: HashFunction,
    private readonly hashBytes: number,
    private readonly changes: readonly PathChange[],
    private readonly operations: KvOperation[],
    private readonly stats: StateTreeStats,
  ) {
    this.empty = sparseEmptyHash(hashBytes);
  }

  private node(kind: typeof LEAF | typeof INNER, record: Uint8Array): Subtree {
    this.stats.hashes++;
    return { kind, record, hash: this.hash(record) };
  }

  /**
   * Puts `subtree` at position `key`, where a node of hash `oldHash` (zero for none)
   * was: a delete, a put, or nothing if it is the same node.
   */
  place(key: Uint8Array, oldHash: Uint8Array, subtree: Subtree): void {
    const hadNode = !isSparseEmptyHash(oldHash);
    if (subtree.kind === EMPTY) {
      if (hadNode) {
        this.operations.push({ type: 'del', key });
        this.stats.nodeDeletes++;
      }
    } else if (!hadNode || !equalBytes(oldHash, subtree.hash)) {
      this.operations.push({ type: 'put', key, value: subtree.record });
      this.stats.nodeWrites++;
    }
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

  /**
   * The subtree at (`depth`, prefix of `path`) after changes [lo, hi), which all lie
   * below it, given the subtree there now. Every position strictly below is written
   * (into operations) to match the result; the position itself is left to the caller,
   * which alone knows whether a lone leaf moves up.
   */
  update(depth: number, path: Uint8Array, old: Subtree, lo: number, hi: number): Subtree {
    if (lo === hi) return old;
    if (old.kind !== INNER) return this.rebuild(depth, old, lo, hi);
    const n = this.hashBytes;
    const leftHash = old.record.subarray(1, 1 + n);
    const rightHash = old.record.subarray(1 + n);
    const mid = this.split(lo, hi, depth);
    const childDepth = depth + 1;
    const leftKey = nodeKey(childDepth, path, 0);
    const rightKey = nodeKey(childDepth, path, 1);
    // An untouched side is read only if the other side empties and it might have to move up.
    // An empty untouched side is known without a read.
    let left: Subtree | undefined = isSparseEmptyHash(leftHash) ? EMPTY_SUBTREE : undefined;
    let right: Subtree | undefined = isSparseEmptyHash(rightHash) ? EMPTY_SUBTREE : undefined;
    if (lo < mid) {
      const oldLeft = isSparseEmptyHash(leftHash) ? EMPTY_SUBTREE : this.tree.read(leftKey, leftHash, this.stats);
      left = this.update(childDepth, this.changes[lo]!.keyHash, oldLeft, lo, mid);
    }
    if (mid < hi) {
      const oldRight = isSparseEmptyHash(rightHash) ? EMPTY_SUBTREE : this.tree.read(rightKey, rightHash, this.stats);
      right = this.update(childDepth, this.changes[mid]!.keyHash, oldRight, mid, hi);
    }
    if (left?.kind === EMPTY && right === undefined) right = this.tree.read(rightKey, rightHash, this.stats);
    if (right?.kind === EMPTY && left === undefined) left = this.tree.read(leftKey, leftHash, this.stats);
    if (left !== undefined && right !== undefined) {
      const lone = left.kind === EMPTY ? right : right.kind === EMPTY ? left : undefined;
      if (lone !== undefined && lone.kind !== INNER) {
        // Nothing, or a single leaf, remains below: it takes this node's place.
        this.place(leftKey, leftHash, EMPTY_SUBTREE);
        this.place(rightKey, rightHash, EMPTY_SUBTREE);
        return lone;
      }
      this.place(leftKey, leftHash, left);
      this.place(rightKey, rightHash, right);
      return this.node(INNER, sparseInnerRecord(this.hashOf(left), this.hashOf(right)));
    }
    // One side untouched and the other not empty: the untouched side stays as it is.
    if (left !== undefined) {
      this.place(leftKey, leftHash, left);
      return this.node(INNER, sparseInnerRecord(this.hashOf(left), rightHash));
    }
    assert(right !== undefined, 'at least one side of a visited node changed');
    this.place(rightKey, rightHash, right);
    return this.node(INNER, sparseInnerRecord(leftHash, this.hashOf(right)));
  }

  private hashOf(subtree: Subtree): Uint8Array {
    return subtree.kind === EMPTY ? this.empty : subtree.hash;
  }

  /**
   * Where the old subtree is empty or one leaf, nothing lies below this position: the
   * new subtree is built from the surviving keys (the old leaf unless changed, plus the
   * changes that set a value).
   */
  private rebuild(depth: number, old: Subtree, lo: number, hi: number): Subtree {
    const n = this.hashBytes;
    const entries: Array<{ keyHash: Uint8Array; valueHash: Uint8Array; unchanged?: Subtree }> = [];
    let oldKeyHash: Uint8Array | undefined;
    if (old.kind === LEAF) oldKeyHash = old.record.subarray(1, 1 + n);
    let oldPlaced = oldKeyHash === undefined;
    for (let i = lo; i < hi; i++) {
      const change = this.changes[i]!;
      if (!oldPlaced) {
        const order = compareBytes(oldKeyHash!, change.keyHash);
        if (order < 0) {
          entries.push({ keyHash: oldKeyHash!, valueHash: old.kind === LEAF ? old.record.subarray(1 + n) : this.empty, unchanged: old });
          oldPlaced = true;
        } else if (order === 0) {
          oldPlaced = true; // the change replaces or deletes the old leaf
        }
      }
      if (change.valueHash !== undefined) entries.push({ keyHash: change.keyHash, valueHash: change.valueHash });
    }
    if (!oldPlaced) entries.push({ keyHash: oldKeyHash!, valueHash: old.kind === LEAF ? old.record.subarray(1 + n) : this.empty, unchanged: old });
    return this.build(depth, entries, 0, entries.length);
  }

  private build(
    depth: number,
    entries: ReadonlyArray<{ keyHash: Uint8Array; valueHash: Uint8Array; unchanged?: Subtree }>,
    lo: number,
    hi: number,
  ): Subtree {
    if (lo === hi) return EMPTY_SUBTREE;
    if (hi - lo === 1) {
      const entry = entries[lo]!;
      return entry.unchanged ?? this.node(LEAF, sparseLeafRecord(entry.keyHash, entry.valueHash));
    }
    let mid = lo;
    while (mid < hi && pathBit(entries[mid]!.keyHash, depth) === 0) mid++;
    const path = entries[lo]!.keyHash;
    const left = this.build(depth + 1, entries, lo, mid);
    const right = this.build(depth + 1, entries, mid, hi);
    // Positions below a former empty or leaf position hold nothing yet: plain puts.
    this.place(nodeKey(depth + 1, path, 0), this.empty, left);
    this.place(nodeKey(depth + 1, path, 1), this.empty, right);
    return this.node(INNER, sparseInnerRecord(this.hashOf(left), this.hashOf(right)));
  }
}

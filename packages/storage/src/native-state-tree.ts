import sm2Native, { type StateTreeHandle, type PreparedStateHandle } from '@tongbao/sm2-native';
import { AssertionError, OffHeapScratch, assert, compareBytes, equalBytes, type HashFunction, type StateChange, type StateProof } from '@tongbao/protocol';
import { StorageError } from './errors.js';
import type { KeyValueStore, KvOperation, KvRange } from './kv.js';
import { PREFIX, valueKey } from './keys.js';
import { bytesKey } from './generation-cache.js';
import { JsStateTree } from './state-tree.js';
import {
  NODE_CACHE_ENTRIES_MAX_DEFAULT,
  type KeyPresence,
  type PreparedState,
  type StateTree,
  type StateTreeOptions,
  type StateTreeStats,
  type ValueRecords,
} from './state-tree-contract.js';

const binding = sm2Native.binding;

/** The longest key lookup copies into its reused buffer (state keys are far shorter). */
const LOOKUP_SCRATCH_BYTES = 256;

/** The addon's answers to stateTreeLookup, by number. */
const PRESENCE: readonly KeyPresence[] = ['absent', 'present', 'unknown'];

/** The native tree works on 32-byte hashes only (both suites' hashes are 32 bytes). */
const NATIVE_HASH_BYTES = 32;

/** What the addon hashes with: one of OpenSSL's digests, or (tests) the chain's function called back. */
type NativeDigest = 'sha256' | 'sm3' | HashFunction;

/**
 * The addon's own digest for `hash` when `hash` is the protocol's native SHA-256 or SM3
 * (protocol/crypto/digest.ts hands those out with the addon's function as `into`).
 */
function opensslDigestOf(hash: HashFunction): 'sha256' | 'sm3' | undefined {
  const into = (hash as { into?: unknown }).into;
  if (binding === null || into === undefined) return undefined;
  if (into === binding.sha256Into) return 'sha256';
  if (into === binding.sm3Into) return 'sm3';
  return undefined;
}

/** Whether openStateTree gives the native tree for `hash`: the addon is built and hashes with it. */
export function nativeStateTreeAvailable(hash: HashFunction): boolean {
  return opensslDigestOf(hash) !== undefined;
}

/** Native errors as the reference throws them: CORRUPT_STORE as StorageError, broken invariants as AssertionError. */
function translated(error: unknown): unknown {
  const code = (error as { code?: unknown })?.code;
  const message = (error as Error)?.message ?? String(error);
  if (code === 'CORRUPT_STORE') {
    const key = /^state tree page ([0-9a-f]+) /.exec(message)?.[1];
    return new StorageError('CORRUPT_STORE', message, key === undefined ? {} : { details: { key } });
  }
  if (code === 'TONGBAO_ASSERTION') return new AssertionError(message);
  return error;
}

function call<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw translated(error);
  }
}

/** Byte arrays laid end to end, and where each ends: how the addon takes and gives lists. */
function concatenate(parts: readonly (Uint8Array | undefined)[]): { bytes: Uint8Array; ends: Uint32Array } {
  let total = 0;
  for (const part of parts) total += part?.length ?? 0;
  const bytes = new Uint8Array(total);
  const ends = new Uint32Array(parts.length);
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part !== undefined) {
      bytes.set(part, offset);
      offset += part.length;
    }
    ends[i] = offset;
  }
  return { bytes, ends };
}

/**
 * The state tree with its pages and its update pass in the addon (native/sm2/src/state_tree.c):
 * the same pages, records, roots and proofs as the JavaScript reference, JsStateTree,
 * at a fraction of the cost — no page objects for the garbage collector, no Map lookups
 * of page ids, no typed-array views. The store stays here: the addon reads the pages it
 * lacks through `kv.get`, and the chain store writes what pageOperations returns.
 */
export class NativeStateTree implements StateTree {
  readonly hashBytes = NATIVE_HASH_BYTES;
  private readonly handle: StateTreeHandle;
  private readonly lookupScratch = new OffHeapScratch(LOOKUP_SCRATCH_BYTES);

  /**
   * `digest`: the hash the addon computes itself — 'sha256' or 'sm3' — or, for tests,
   * the chain's hash function, which the addon then calls for every hash.
   */
  constructor(
    private readonly kv: KeyValueStore,
    private readonly hash: HashFunction,
    options: StateTreeOptions = {},
    digest: NativeDigest = opensslDigestOf(hash) ?? hash,
  ) {
    assert(binding !== null, 'the native state tree needs the addon built');
    assert(hash(new Uint8Array(0)).length === NATIVE_HASH_BYTES, 'the native state tree works on 32-byte hashes');
    const entriesMax = options.nodeCacheEntriesMax ?? NODE_CACHE_ENTRIES_MAX_DEFAULT;
    assert(Number.isSafeInteger(entriesMax) && entriesMax >= 0, 'nodeCacheEntriesMax is a whole number');
    // Only kv, never this: the addon holds the reader for the tree's whole life.
    const fetch = (key: Uint8Array): Uint8Array | undefined => kv.get(key);
    this.handle = call(() => binding.stateTreeCreate(digest, PREFIX.page, entriesMax, fetch));
  }

  root(): Uint8Array {
    return binding!.stateTreeRoot(this.handle);
  }

  cachedPages(): number {
    return binding!.stateTreeCounts(this.handle)[0];
  }

  dirtyPages(): number {
    return binding!.stateTreeCounts(this.handle)[1];
  }

  prepare(changes: readonly StateChange[]): PreparedState {
    const operations: KvOperation[] = new Array(changes.length);
    const keys: Uint8Array[] = new Array(changes.length);
    const values: (Uint8Array | undefined)[] = new Array(changes.length);
    const deleted = new Uint8Array(changes.length);
    for (let i = 0; i < changes.length; i++) {
      const { key, value } = changes[i]!;
      keys[i] = key;
      values[i] = value;
      if (value === undefined) deleted[i] = 1;
      operations[i] = value === undefined ? { type: 'del', key: valueKey(key) } : { type: 'put', key: valueKey(key), value };
    }
    const previousRoot = this.root();
    const packedKeys = concatenate(keys);
    const packedValues = concatenate(values);
    const result = call(() =>
      binding!.stateTreePrepare(this.handle, packedKeys.bytes, packedKeys.ends, packedValues.bytes, packedValues.ends, deleted),
    );
    const [nodeReads, nodeCacheHits, nodeWrites, nodeDeletes, hashes, loadHashes] = result.stats;
    const stats: StateTreeStats = { nodeReads, nodeCacheHits, nodeWrites, nodeDeletes, hashes, loadHashes };
    return { previousRoot, root: result.root, operations, changeCount: changes.length, stats, pageCount: result.pageCount, pages: result.prepared, changes };
  }

  applied(prepared: PreparedState): void {
    call(() => binding!.stateTreeApplied(this.handle, preparedHandle(prepared)));
  }

  pageOperations(pending?: PreparedState): KvOperation[] {
    const { keys, keyEnds, records, recordEnds } = call(() =>
      binding!.stateTreePageRecords(this.handle, pending === undefined ? null : preparedHandle(pending)),
    );
    const operations: KvOperation[] = new Array(keyEnds.length);
    let keyStart = 0;
    let recordStart = 0;
    for (let i = 0; i < keyEnds.length; i++) {
      const key = keys.subarray(keyStart, keyEnds[i]);
      operations[i] =
        recordEnds[i] === recordStart ? { type: 'del', key } : { type: 'put', key, value: records.subarray(recordStart, recordEnds[i]) };
      keyStart = keyEnds[i]!;
      recordStart = recordEnds[i]!;
    }
    return operations;
  }

  checkpointed(): void {
    call(() => binding!.stateTreeCheckpointed(this.handle));
  }

  lookup(key: Uint8Array): KeyPresence {
    const held = this.lookupScratch.hold(key);
    return PRESENCE[call(() => binding!.stateTreeLookup(this.handle, held))]!;
  }

  prove(key: Uint8Array, value: Uint8Array | undefined): StateProof {
    const path = call(() => binding!.stateTreeProve(this.handle, key));
    const siblings: Uint8Array[] = [];
    for (let offset = 0; offset < path.siblings.length; offset += NATIVE_HASH_BYTES) {
      siblings.push(path.siblings.slice(offset, offset + NATIVE_HASH_BYTES));
    }
    if (path.leaf === 1) {
      assert(value !== undefined && equalBytes(this.hash(value), path.leafValueHash!), 'the value record matches its leaf');
      return { key, value, siblings, leaf: undefined };
    }
    if (path.leaf === 2) {
      assert(value === undefined, 'a key without a leaf has no value record');
      return { key, value: undefined, siblings, leaf: { keyHash: path.leafKeyHash!, valueHash: path.leafValueHash! } };
    }
    assert(value === undefined, 'a key on an empty path has no value record');
    return { key, value: undefined, siblings, leaf: undefined };
  }

  /**
   * The reference's full check, over the store as the next checkpoint would leave it
   * (the dirty pages written over it): an independent implementation reads every page
   * this one wrote, and must reach this one's root.
   */
  async verifyAll(valueRecords: ValueRecords): Promise<{ leaves: number; nodes: number; pages: number }> {
    const overlay = new OverlayKeyValueStore(this.kv, this.pageOperations());
    const reference = new JsStateTree(overlay, this.hash, { nodeCacheEntriesMax: 0 });
    if (!equalBytes(reference.root(), this.root())) {
      throw new StorageError('CORRUPT_STORE', 'state tree check failed: the stored root page does not hash to the committed root');
    }
    return reference.verifyAll(valueRecords);
  }
}

function preparedHandle(prepared: PreparedState): PreparedStateHandle {
  assert(typeof prepared.pages === 'object' && prepared.pages !== null && !Array.isArray(prepared.pages), 'a prepared state is applied to the kind of tree that prepared it');
  return prepared.pages as PreparedStateHandle;
}

/** A read-only view of a store with some writes laid over it, for verifyAll. */
class OverlayKeyValueStore implements KeyValueStore {
  private readonly over = new Map<string, KvOperation>();

  constructor(
    private readonly base: KeyValueStore,
    operations: readonly KvOperation[],
  ) {
    for (const operation of operations) this.over.set(bytesKey(operation.key), operation);
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const operation = this.over.get(bytesKey(key));
    if (operation === undefined) return this.base.get(key);
    return operation.type === 'put' ? operation.value : undefined;
  }

  write(): Promise<void> {
    return Promise.reject(new AssertionError('the overlay of a state tree check is read-only'));
  }

  async *iterate(range: KvRange = {}): AsyncIterable<readonly [Uint8Array, Uint8Array]> {
    assert(range.reverse !== true && (range.limit === undefined || range.limit < 0), 'the overlay iterates forward and whole');
    const inRange = (key: Uint8Array): boolean =>
      (range.gte === undefined || compareBytes(key, range.gte) >= 0) && (range.lt === undefined || compareBytes(key, range.lt) < 0);
    const entries: Array<readonly [Uint8Array, Uint8Array]> = [];
    for await (const entry of this.base.iterate({ ...(range.gte === undefined ? {} : { gte: range.gte }), ...(range.lt === undefined ? {} : { lt: range.lt }) })) {
      if (!this.over.has(bytesKey(entry[0]))) entries.push(entry);
    }
    for (const operation of this.over.values()) {
      if (operation.type === 'put' && inRange(operation.key)) entries.push([operation.key, operation.value]);
    }
    entries.sort((a, b) => compareBytes(a[0], b[0]));
    yield* entries;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

// Checks both state trees — the JavaScript reference and the native one (its hash called
// back into JavaScript here, so that any hash can drive it) — with the same suite, each
// against the from-scratch reference in protocol: after every random batch of sets and deletes (fast-check, small key space so
// that keys collide, get deleted and come back), the root equals sparseMerkleRoot of the
// model state, every key's proof (present or absent) verifies, and the full fsck passes.
// The same random batches run on trees with no page cache, a tiny one (2–3 pages, so
// pages are evicted all the time) and the default: roots, proofs and written records
// must be identical. Then shows the work of one update scales with the change set, not
// the state: the counted page reads, writes and hashes for k changes at 1k and 50k keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  bytesToHex,
  compareBytes,
  sparseMerkleRoot,
  u64ToBytes,
  utf8ToBytes,
  verifyStateProof,
  type StateChange,
} from '@tongbao/protocol';
import { MemoryKeyValueStore } from './memory-kv.js';
import { JsStateTree } from './state-tree.js';
import { NativeStateTree } from './native-state-tree.js';
import type { PreparedState, StateTree, StateTreeOptions } from './state-tree-contract.js';
import type { KeyValueStore, KvOperation } from './kv.js';
import { PAGE_DEPTH_BITS, pageKey, valueKey } from './keys.js';
import { StorageError } from './errors.js';
import { valueRecordsIn } from './testing/value-records.js';

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());

type OpenTree = (kv: KeyValueStore, hash: (data: Uint8Array) => Uint8Array, options?: StateTreeOptions) => StateTree;
const IMPLEMENTATIONS: ReadonlyArray<readonly [string, OpenTree]> = [
  ['JavaScript', (kv, hash, options) => new JsStateTree(kv, hash, options)],
  ['native', (kv, hash, options) => new NativeStateTree(kv, hash, options)],
];

for (const [implementation, openTree] of IMPLEMENTATIONS) {

/**
 * Applies `changes` as the chain store would: the value records, and with `checkpoint`
 * every dirty page too. Returns the operations written.
 */
async function apply(kv: MemoryKeyValueStore, tree: StateTree, changes: StateChange[], checkpoint = true): Promise<{ prepared: PreparedState; operations: KvOperation[] }> {
  const prepared = tree.prepare(changes);
  const operations = [...prepared.operations, ...(checkpoint ? tree.pageOperations(prepared) : [])];
  await kv.write(operations);
  tree.applied(prepared);
  if (checkpoint) tree.checkpointed();
  return { prepared, operations };
}

function sortedChanges(map: Map<string, Uint8Array | undefined>): StateChange[] {
  return [...map.entries()]
    .map(([hex, value]) => ({ key: Uint8Array.from(Buffer.from(hex, 'hex')), value }))
    .sort((a, b) => compareBytes(a.key, b.key));
}

/**
 * SHA-256 with its first five bytes zeroed: every key's path then starts with 40 zero
 * bits, so leaves sit 40 levels down or deeper and the pages below the top seven levels —
 * which the tree keys by string rather than by number — are the ones that work.
 */
const deepPathHash = (data: Uint8Array): Uint8Array => sha256(data).fill(0, 0, 5);

for (const [name, hash, numRuns] of [['SHA-256', sha256, 120], ['a hash whose paths share 40 leading bits', deepPathHash, 40]] as const) {
test(`${implementation}: random batches (${name}): root equals the from-scratch root; all proofs verify; fsck passes`, async () => {
  const sha256 = hash;
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          batch: fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.option(fc.uint8Array({ maxLength: 4 }), { freq: 3 })), { maxLength: 30 }),
          checkpoint: fc.boolean(),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      async (batches) => {
        const kv = new MemoryKeyValueStore();
        const tree = openTree(kv, sha256);
        const model = new Map<string, Uint8Array>();
        for (const { batch, checkpoint } of batches) {
          const changes = new Map<string, Uint8Array | undefined>();
          for (const [k, v] of batch) changes.set(bytesToHex(utf8ToBytes(`key${k}`)), v ?? undefined);
          // Between checkpoints the dirty pages stand in for the store's, in proofs and in the full check.
          await apply(kv, tree, sortedChanges(changes), checkpoint);
          for (const [hex, v] of changes) {
            if (v === undefined) model.delete(hex);
            else model.set(hex, v);
          }
          const entries = [...model.entries()].map(([hex, value]) => ({ key: Uint8Array.from(Buffer.from(hex, 'hex')), value }));
          assert.deepEqual(tree.root(), sparseMerkleRoot(sha256, entries));
          for (let k = 0; k <= 60; k++) {
            const key = utf8ToBytes(`key${k}`);
            const value = kv.get(valueKey(key));
            assert.deepEqual(value === undefined ? undefined : Array.from(value), model.has(bytesToHex(key)) ? Array.from(model.get(bytesToHex(key))!) : undefined);
            const proof = tree.prove(key, value);
            assert.ok(verifyStateProof(sha256, tree.root(), proof), `proof of key${k}`);
          }
          const check = await tree.verifyAll(valueRecordsIn(kv));
          assert.equal(check.leaves, model.size);
        }
        // The checkpoint writes exactly the tree: reopened from the store alone, it is the same.
        await apply(kv, tree, []);
        assert.equal(tree.dirtyPages(), 0);
        const reopened = openTree(kv.reopen(), sha256);
        assert.deepEqual(reopened.root(), tree.root());
        assert.equal((await reopened.verifyAll(valueRecordsIn(kv))).leaves, model.size);
      },
    ),
    { numRuns },
  );
});
}

test(`${implementation}: a tiny page cache (constant eviction) and none give the same roots, proofs and writes as the default`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.option(fc.uint8Array({ maxLength: 4 }), { freq: 3 })), { maxLength: 60 }),
        { minLength: 1, maxLength: 8 },
      ),
      fc.integer({ min: 2, max: 3 }),
      async (batches, tiny) => {
        const trees = [undefined, 0, tiny].map((nodeCacheEntriesMax) => {
          const kv = new MemoryKeyValueStore();
          return { kv, tree: openTree(kv, sha256, nodeCacheEntriesMax === undefined ? {} : { nodeCacheEntriesMax }) };
        });
        const model = new Map<string, Uint8Array>();
        for (const batch of batches) {
          const changes = new Map<string, Uint8Array | undefined>();
          for (const [k, v] of batch) changes.set(bytesToHex(utf8ToBytes(`key${k}`)), v ?? undefined);
          const sorted = sortedChanges(changes);
          const written: string[] = [];
          for (const { kv, tree } of trees) {
            const { operations } = await apply(kv, tree, sorted);
            written.push(JSON.stringify(operations.map((op) => [op.type, bytesToHex(op.key), op.type === 'put' ? bytesToHex(op.value) : ''])));
          }
          assert.equal(written[1], written[0]);
          assert.equal(written[2], written[0]);
          for (const [hex, v] of changes) {
            if (v === undefined) model.delete(hex);
            else model.set(hex, v);
          }
          const entries = [...model.entries()].map(([hex, value]) => ({ key: Uint8Array.from(Buffer.from(hex, 'hex')), value }));
          const expectedRoot = sparseMerkleRoot(sha256, entries);
          for (const { tree } of trees) assert.deepEqual(tree.root(), expectedRoot);
          assert.ok(trees[2]!.tree.cachedPages() <= tiny, `the tiny cache holds ${trees[2]!.tree.cachedPages()} pages`);
          assert.equal(trees[1]!.tree.cachedPages(), 0);
          for (let k = 0; k <= 300; k += 7) {
            const key = utf8ToBytes(`key${k}`);
            const proofs = trees.map(({ kv, tree }) => tree.prove(key, kv.get(valueKey(key))));
            assert.deepEqual(proofs[1], proofs[0]);
            assert.deepEqual(proofs[2], proofs[0]);
            assert.ok(verifyStateProof(sha256, expectedRoot, proofs[0]!));
          }
        }
        // A reopened tree (cold cache) agrees, and the stored pages pass the full check.
        for (const { kv } of trees) {
          const reopened = openTree(kv.reopen(), sha256);
          assert.deepEqual(reopened.root(), trees[0]!.tree.root());
          assert.equal((await reopened.verifyAll(valueRecordsIn(kv))).leaves, model.size);
        }
      },
    ),
    { numRuns: 60 },
  );
});

test(`${implementation}: the full check refuses a stray page, an altered page and a page off its path`, async () => {
  const isCorrupt = (e: unknown): boolean => e instanceof StorageError && e.code === 'CORRUPT_STORE';
  const { kv, tree } = await stateOf(2_000);
  assert.equal((await tree.verifyAll(valueRecordsIn(kv))).leaves, 2_000);
  const keyHash = sha256(u64ToBytes(7n));
  const proof = tree.prove(u64ToBytes(7n), kv.get(valueKey(u64ToBytes(7n))));
  const level = Math.floor(proof.siblings.length / PAGE_DEPTH_BITS);
  assert.ok(level >= 1);
  const key = pageKey(level, keyHash);
  const record = kv.get(key)!.slice();
  {
    // A copy of a real page at a position the tree does not reach.
    const stray = pageKey(level + 3, keyHash);
    await kv.write([{ type: 'put', key: stray, value: record }]);
    await assert.rejects(openTree(kv.reopen(), sha256).verifyAll(valueRecordsIn(kv)), isCorrupt);
    await kv.write([{ type: 'del', key: stray }]);
  }
  {
    const altered = record.slice();
    altered[altered.length - 1] = altered[altered.length - 1]! ^ 1;
    await kv.write([{ type: 'put', key, value: altered }]);
    const reopened = openTree(kv.reopen(), sha256);
    await assert.rejects(reopened.verifyAll(valueRecordsIn(kv)), isCorrupt);
    // Reaching the page on a path also checks it against its parent.
    assert.throws(() => reopened.prove(u64ToBytes(7n), kv.get(valueKey(u64ToBytes(7n)))), isCorrupt);
    await kv.write([{ type: 'put', key, value: altered.subarray(0, altered.length - 1) }]);
    assert.throws(() => openTree(kv.reopen(), sha256).prove(u64ToBytes(7n), kv.get(valueKey(u64ToBytes(7n)))), isCorrupt);
    await kv.write([{ type: 'put', key, value: record }]);
  }
  assert.equal((await openTree(kv.reopen(), sha256).verifyAll(valueRecordsIn(kv))).leaves, 2_000);
});

test(`${implementation}: a prepared state does not touch the store and is reusable only against its root`, async () => {
  const kv = new MemoryKeyValueStore();
  const tree = openTree(kv, sha256);
  const rootBefore = tree.root();
  const prepared = tree.prepare([{ key: utf8ToBytes('a'), value: utf8ToBytes('1') }]);
  assert.deepEqual(tree.root(), rootBefore);
  assert.equal(kv.get(valueKey(utf8ToBytes('a'))), undefined);
  await apply(kv, tree, [{ key: utf8ToBytes('b'), value: utf8ToBytes('2') }]);
  assert.throws(() => tree.applied(prepared), /prepared from/);
});

test(`${implementation}: unsorted or repeated keys are a bug, caught by an assertion`, () => {
  const tree = openTree(new MemoryKeyValueStore(), sha256);
  assert.throws(() => tree.prepare([{ key: utf8ToBytes('b'), value: undefined }, { key: utf8ToBytes('a'), value: undefined }]), /sorted/);
  assert.throws(() => tree.prepare([{ key: utf8ToBytes('a'), value: undefined }, { key: utf8ToBytes('a'), value: undefined }]), /sorted/);
});

/** A state of `size` keys k:0.., built in one prepare. */
async function stateOf(size: number, nodeCacheEntriesMax?: number): Promise<{ kv: MemoryKeyValueStore; tree: StateTree }> {
  const kv = new MemoryKeyValueStore();
  const tree = openTree(kv, sha256, nodeCacheEntriesMax === undefined ? {} : { nodeCacheEntriesMax });
  const changes: StateChange[] = [];
  for (let i = 0; i < size; i++) changes.push({ key: u64ToBytes(BigInt(i)), value: utf8ToBytes(`v${i}`) });
  await apply(kv, tree, changes);
  return { kv, tree };
}

test(`${implementation}: update work grows with the changes and the tree depth, not the state size`, async () => {
  const k = 100;
  const counts: Record<number, { reads: number; writes: number; hashes: number }> = {};
  for (const size of [1_000, 50_000]) {
    // No cache, so every page the update visits is a counted read.
    const { tree } = await stateOf(size, 0);
    // k updates, k/2 inserts and k/2 deletes, spread over the key space.
    const changes: StateChange[] = [];
    for (let i = 0; i < k; i++) changes.push({ key: u64ToBytes(BigInt(Math.floor((i * size) / k))), value: utf8ToBytes(`new${i}`) });
    for (let i = 0; i < k / 2; i++) changes.push({ key: u64ToBytes(BigInt(size + i)), value: utf8ToBytes('inserted') });
    for (let i = 0; i < k / 2; i++) changes.push({ key: u64ToBytes(BigInt(Math.floor((i * size) / k) + 1)), value: undefined });
    changes.sort((a, b) => compareBytes(a.key, b.key));
    const { stats } = tree.prepare(changes);
    counts[size] = { reads: stats.nodeReads, writes: stats.nodeWrites + stats.nodeDeletes, hashes: stats.hashes };
  }
  const small = counts[1_000]!;
  const large = counts[50_000]!;
  // 50× the state deepens the tree by log2(50) ≈ 5.6 levels. With k changes the top
  // log2(k) levels are shared, so per change the unshared path grows from ~3 to ~8
  // levels: a few times the work, nowhere near 50×. Reads and writes count pages of 4
  // levels, hashes count binary nodes.
  for (const measure of ['reads', 'writes', 'hashes'] as const) {
    assert.ok(large[measure] <= 4 * small[measure], `${measure}: ${JSON.stringify(counts)}`);
    // At most one tree depth (+ a few) of node work per change.
    for (const size of [1_000, 50_000]) {
      assert.ok(counts[size]![measure] <= 2 * k * (Math.log2(size) + 4), `${measure} at ${size}: ${JSON.stringify(counts)}`);
    }
  }
  console.log(`work for ${2 * k} changes: ${JSON.stringify(counts)}`);
});

// Page buffers are reused once a commit supersedes their page, so nothing handed out may
// be a view into one. The case that would be: deleting one of two keys leaves the other
// leaf as the new root, a node read out of the old root page, which that commit retires.
test(`${implementation}: a root handed out stays put while superseded page buffers are reused`, async () => {
  const kv = new MemoryKeyValueStore();
  const tree = openTree(kv, sha256);
  const [a, b, c] = ['a', 'b', 'c'].map((k) => utf8ToBytes(k)) as [Uint8Array, Uint8Array, Uint8Array];
  await apply(kv, tree, [
    { key: a, value: utf8ToBytes('1') },
    { key: b, value: utf8ToBytes('2') },
  ]);
  await apply(kv, tree, [{ key: b, value: undefined }]);
  const root = tree.root();
  const copy = root.slice();
  assert.deepEqual(root, sparseMerkleRoot(sha256, [{ key: a, value: utf8ToBytes('1') }]));
  // These take the retired buffers and write into them.
  for (let i = 0; i < 4; i++) tree.prepare([{ key: a, value: utf8ToBytes(`${i}`) }, { key: c, value: utf8ToBytes(`${i}`) }]);
  tree.prepare([{ key: a, value: utf8ToBytes('3') }]);
  assert.deepEqual(root, copy);
  assert.deepEqual(tree.root(), copy);
});
}

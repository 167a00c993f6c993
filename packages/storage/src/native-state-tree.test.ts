// Checks the native state tree against the JavaScript reference where a node runs it:
// with the suites' own hashes (OpenSSL's SHA-256 and SM3 inside the addon), the same
// random blocks give the same roots, work counts, page records and proofs, and a store
// written by either is read by the other. Then what goes wrong: a page reader that
// throws, a corrupt page, a prepared state handed to the wrong tree — each refused with
// the reference's error and the committed tree left as it was. And openStateTree's
// choice of tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesToHex, getSuite, u64ToBytes, utf8ToBytes, verifyStateProof, type HashFunction, type StateChange } from '@tongbao/protocol';
import { MemoryKeyValueStore } from './memory-kv.js';
import type { KvOperation } from './kv.js';
import { pageKey, valueKey } from './keys.js';
import { StorageError } from './errors.js';
import { valueRecordsIn } from './testing/value-records.js';
import { JsStateTree } from './state-tree.js';
import { NativeStateTree, nativeStateTreeAvailable } from './native-state-tree.js';
import { openStateTree } from './open-state-tree.js';
import type { StateTree } from './state-tree-contract.js';

const SUITE_HASHES: ReadonlyArray<readonly [string, HashFunction]> = [
  ['SHA-256', getSuite('ed25519').hash],
  ['SM3', getSuite('sm2').hash],
];

/** The operations in key order, as comparable text (the two trees list dirty pages in different orders). */
function canonical(operations: readonly KvOperation[]): string[] {
  return operations
    .map((op) => `${op.type} ${bytesToHex(op.key)} ${op.type === 'put' ? bytesToHex(op.value) : ''}`)
    .sort();
}

async function applyTo(kv: MemoryKeyValueStore, tree: StateTree, changes: StateChange[], checkpoint: boolean): Promise<{ written: string[]; stats: object; pageCount: number }> {
  const prepared = tree.prepare(changes);
  const operations = [...prepared.operations, ...(checkpoint ? tree.pageOperations(prepared) : [])];
  await kv.write(operations);
  tree.applied(prepared);
  if (checkpoint) tree.checkpointed();
  return { written: canonical(operations), stats: prepared.stats, pageCount: prepared.pageCount };
}

function sortedChanges(batch: ReadonlyArray<readonly [number, Uint8Array | null]>): StateChange[] {
  const byKey = new Map<number, Uint8Array | undefined>();
  for (const [k, v] of batch) byKey.set(k, v ?? undefined);
  // u64 keys sort as numbers.
  return [...byKey.entries()].sort((a, b) => a[0] - b[0]).map(([k, value]) => ({ key: u64ToBytes(BigInt(k)), value }));
}

for (const [name, hash] of SUITE_HASHES) {
  test(`${name}: the native tree runs on the addon's digest and matches the reference block for block`, async () => {
    assert.ok(nativeStateTreeAvailable(hash), 'the addon is built (npm ci builds it) and knows this hash');
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            batch: fc.array(fc.tuple(fc.integer({ min: 0, max: 2_000 }), fc.option(fc.uint8Array({ maxLength: 6 }), { freq: 4 })), { maxLength: 150 }),
            checkpoint: fc.boolean(),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        fc.constantFrom(0, 3, 1 << 16),
        async (batches, nodeCacheEntriesMax) => {
          const jsKv = new MemoryKeyValueStore();
          const nativeKv = new MemoryKeyValueStore();
          const js = new JsStateTree(jsKv, hash, { nodeCacheEntriesMax });
          const native = new NativeStateTree(nativeKv, hash, { nodeCacheEntriesMax });
          for (const { batch, checkpoint } of batches) {
            const changes = sortedChanges(batch);
            const a = await applyTo(jsKv, js, changes, checkpoint);
            const b = await applyTo(nativeKv, native, changes, checkpoint);
            assert.deepEqual(native.root(), js.root());
            assert.deepEqual(b.stats, a.stats);
            assert.equal(b.pageCount, a.pageCount);
            assert.deepEqual(b.written, a.written);
            assert.equal(native.dirtyPages(), js.dirtyPages());
            for (let k = 0; k <= 2_000; k += 97) {
              const key = u64ToBytes(BigInt(k));
              const proof = native.prove(key, nativeKv.get(valueKey(key)));
              assert.deepEqual(proof, js.prove(key, jsKv.get(valueKey(key))));
              assert.ok(verifyStateProof(hash, native.root(), proof));
            }
            // lookup answers from memory: the same as the reference, and never wrong about the store.
            for (let k = 0; k <= 2_000; k += 13) {
              const key = u64ToBytes(BigInt(k));
              const presence = native.lookup(key);
              assert.equal(presence, js.lookup(key));
              if (presence !== 'unknown') assert.equal(presence === 'present', nativeKv.get(valueKey(key)) !== undefined);
            }
          }
          assert.deepEqual(await native.verifyAll(valueRecordsIn(nativeKv)), await js.verifyAll(valueRecordsIn(jsKv)));
          // A store written by one tree is read by the other.
          await applyTo(nativeKv, native, [], true);
          await applyTo(jsKv, js, [], true);
          const crossed = [
            { tree: new JsStateTree(nativeKv.reopen(), hash), kv: nativeKv },
            { tree: new NativeStateTree(jsKv.reopen(), hash), kv: jsKv },
          ];
          for (const { tree, kv } of crossed) {
            assert.deepEqual(tree.root(), js.root());
            assert.deepEqual(await tree.verifyAll(valueRecordsIn(kv)), await js.verifyAll(valueRecordsIn(jsKv)));
          }
        },
      ),
      { numRuns: 25 },
    );
  });
}

const sha256 = getSuite('ed25519').hash;

/** A native tree of `size` keys, checkpointed, over a store whose reads can be made to fail. */
async function nativeTreeOf(size: number): Promise<{ kv: MemoryKeyValueStore; reads: { fail: boolean }; reopen: () => NativeStateTree }> {
  const kv = new MemoryKeyValueStore();
  const tree = new NativeStateTree(kv, sha256);
  const changes: StateChange[] = [];
  for (let i = 0; i < size; i++) changes.push({ key: u64ToBytes(BigInt(i)), value: utf8ToBytes(`v${i}`) });
  await applyTo(kv, tree, changes, true);
  const reads = { fail: false };
  const reopen = (): NativeStateTree => {
    const store = kv.reopen();
    const get = store.get.bind(store);
    store.get = (key: Uint8Array): Uint8Array | undefined => {
      if (reads.fail) throw new StorageError('IO_ERROR', 'the disk is gone');
      return get(key);
    };
    return new NativeStateTree(store, sha256, { nodeCacheEntriesMax: 0 });
  };
  return { kv, reads, reopen };
}

test('a page reader that throws: the error reaches the caller, and the tree is as it was', async () => {
  const { reads, reopen } = await nativeTreeOf(500);
  const tree = reopen();
  const root = tree.root();
  const changes = [{ key: u64ToBytes(3n), value: utf8ToBytes('changed') }];
  reads.fail = true;
  assert.throws(() => tree.prepare(changes), (e: unknown) => e instanceof StorageError && e.code === 'IO_ERROR');
  assert.throws(() => tree.prove(u64ToBytes(3n), utf8ToBytes('v3')), (e: unknown) => e instanceof StorageError && e.code === 'IO_ERROR');
  reads.fail = false;
  assert.deepEqual(tree.root(), root);
  assert.equal(tree.dirtyPages(), 0);
  // The same change, once the store answers, gives what the reference gives.
  const reference = new JsStateTree(new MemoryKeyValueStore(), sha256);
  const all: StateChange[] = [];
  for (let i = 0; i < 500; i++) all.push({ key: u64ToBytes(BigInt(i)), value: i === 3 ? utf8ToBytes('changed') : utf8ToBytes(`v${i}`) });
  assert.deepEqual(tree.prepare(changes).root, reference.prepare(all).root);
});

test('lookup reads no page: a reopened tree knows only its root page, and learns the paths it reads', async () => {
  for (const make of [
    (kv: MemoryKeyValueStore) => new NativeStateTree(kv, sha256),
    (kv: MemoryKeyValueStore) => new JsStateTree(kv, sha256),
  ]) {
    const kv = new MemoryKeyValueStore();
    const tree = make(kv);
    assert.equal(tree.lookup(u64ToBytes(1n)), 'absent', 'an empty tree holds nothing');
    await applyTo(kv, tree, sortedChanges(Array.from({ length: 2_000 }, (_, i) => [i, utf8ToBytes(`v${i}`)] as const)), true);
    // Written by this tree: its pages are in memory, every answer is certain.
    assert.equal(tree.lookup(u64ToBytes(7n)), 'present');
    assert.equal(tree.lookup(u64ToBytes(2_007n)), 'absent');

    const store = kv.reopen();
    let reads = 0;
    const get = store.get.bind(store);
    store.get = (key: Uint8Array): Uint8Array | undefined => {
      reads++;
      return get(key);
    };
    const reopened = make(store);
    const readsAtOpen = reads;
    // 2,000 keys fill the root page's 16 subtrees: below it nothing is in memory yet.
    assert.equal(reopened.lookup(u64ToBytes(7n)), 'unknown');
    assert.equal(reopened.lookup(u64ToBytes(2_007n)), 'unknown');
    assert.equal(reads, readsAtOpen, 'lookup read no page');
    // A proof reads the path's pages; then lookup answers on that path.
    reopened.prove(u64ToBytes(7n), store.get(valueKey(u64ToBytes(7n))));
    assert.equal(reopened.lookup(u64ToBytes(7n)), 'present');
  }
});

test('a corrupt page is CORRUPT_STORE with its key, on the update path and on the proof path', async () => {
  const { kv, reopen } = await nativeTreeOf(2_000);
  const keyHash = sha256(u64ToBytes(7n));
  const proof = reopen().prove(u64ToBytes(7n), kv.get(valueKey(u64ToBytes(7n))));
  const key = pageKey(Math.floor(proof.siblings.length / 4), keyHash);
  const record = kv.get(key)!.slice();
  const isCorruptPage = (e: unknown): boolean =>
    e instanceof StorageError && e.code === 'CORRUPT_STORE' && (e.details as { key?: string }).key === bytesToHex(key);
  for (const damaged of [record.subarray(0, record.length - 1), Uint8Array.from(record, (b, i) => (i === record.length - 1 ? b ^ 1 : b))]) {
    await kv.write([{ type: 'put', key, value: damaged }]);
    const tree = reopen();
    const root = tree.root();
    assert.throws(() => tree.prove(u64ToBytes(7n), kv.get(valueKey(u64ToBytes(7n)))), isCorruptPage);
    assert.throws(() => tree.prepare([{ key: u64ToBytes(7n), value: utf8ToBytes('x') }]), isCorruptPage);
    await assert.rejects(tree.verifyAll(valueRecordsIn(kv)), (e: unknown) => e instanceof StorageError && e.code === 'CORRUPT_STORE');
    assert.deepEqual(tree.root(), root);
  }
  await kv.write([{ type: 'del', key }]);
  assert.throws(() => reopen().prove(u64ToBytes(7n), undefined), (e: unknown) => isCorruptPage(e) && /missing/.test((e as Error).message));
  // A malformed root page is refused when the tree opens.
  await kv.write([{ type: 'put', key: pageKey(0, new Uint8Array(0)), value: Uint8Array.of(9) }]);
  assert.throws(() => reopen(), (e: unknown) => e instanceof StorageError && e.code === 'CORRUPT_STORE' && /malformed/.test((e as Error).message));
});

test('a prepared state is applied only by the kind of tree that prepared it, and only once', () => {
  const js = new JsStateTree(new MemoryKeyValueStore(), sha256);
  const native = new NativeStateTree(new MemoryKeyValueStore(), sha256);
  const change = [{ key: utf8ToBytes('a'), value: utf8ToBytes('1') }];
  assert.throws(() => js.applied(native.prepare(change)), /kind of tree/);
  assert.throws(() => native.applied(js.prepare(change)), /kind of tree/);
  const prepared = native.prepare(change);
  native.applied(prepared);
  assert.throws(() => native.applied(prepared), /prepared from/);
  assert.equal(native.dirtyPages(), 1);
});

test('openStateTree: native for the suites\' hashes, the reference for any other hash or when asked', () => {
  const kv = new MemoryKeyValueStore();
  for (const [, hash] of SUITE_HASHES) {
    assert.ok(openStateTree(kv, hash) instanceof NativeStateTree);
    assert.ok(openStateTree(kv, hash, {}, 'javascript') instanceof JsStateTree);
  }
  const other: HashFunction = (data) => sha256(data);
  assert.ok(openStateTree(kv, other) instanceof JsStateTree);
});

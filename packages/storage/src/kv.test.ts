// One conformance suite for every KeyValueStore (memory and LevelDB), the same test code
// run against each factory: byte order of keys (including 0x00 and 0xff bytes and
// prefixes), batch semantics (last op on a key wins, puts and deletes together, a
// batch is all or nothing when one of its operations is invalid), range bounds, reverse
// and limit, use after close, and that contents survive close and reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { compareBytes } from '@tongbao/protocol';
import type { KeyValueStore, KvRange } from './kv.js';
import { LevelKeyValueStore } from './level-kv.js';
import { MemoryKeyValueStore } from './memory-kv.js';
import { StorageError } from './errors.js';

interface Factory {
  readonly name: string;
  /** A fresh empty store and a way to reopen it after close. */
  create(): Promise<{ store: KeyValueStore; reopen(): Promise<KeyValueStore>; cleanup(): void }>;
}

const factories: Factory[] = [
  {
    name: 'memory',
    async create() {
      const store = new MemoryKeyValueStore();
      return { store, reopen: async () => store.reopen(), cleanup: () => {} };
    },
  },
  {
    name: 'leveldb',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'tongbao-kv-'));
      const store = await LevelKeyValueStore.open(dir);
      return { store, reopen: () => LevelKeyValueStore.open(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

async function collect(store: KeyValueStore, range?: KvRange): Promise<Array<[number[], number[]]>> {
  const out: Array<[number[], number[]]> = [];
  for await (const [key, value] of store.iterate(range)) out.push([Array.from(key), Array.from(value)]);
  return out;
}

for (const factory of factories) {
  const run = (name: string, body: (store: KeyValueStore, reopen: () => Promise<KeyValueStore>) => Promise<void>) =>
    test(`${factory.name}: ${name}`, async () => {
      const { store, reopen, cleanup } = await factory.create();
      try {
        await body(store, reopen);
      } finally {
        await store.close().catch(() => {});
        cleanup();
      }
    });

  run('get of a missing key is undefined; put then get returns the bytes as a Uint8Array', async (store) => {
    assert.equal(store.get(b(1)), undefined);
    await store.write([{ type: 'put', key: b(1), value: b(9, 9) }]);
    const value = store.get(b(1));
    assert.ok(value instanceof Uint8Array);
    assert.deepEqual(Array.from(value!), [9, 9]);
    await store.write([{ type: 'put', key: b(2), value: new Uint8Array(0) }]);
    assert.deepEqual(Array.from(store.get(b(2))!), [], 'an empty value is present, not absent');
  });

  run('keys iterate in unsigned byte order, with 0x00 and 0xff bytes and prefixes', async (store) => {
    const keys = [b(0xff), b(0x00), b(0x00, 0x00), b(0x7f), b(0x80), b(0xff, 0x00), b(0x01, 0xff), b(0x01), b(0xff, 0xff, 0xff)];
    await store.write(keys.map((key, i) => ({ type: 'put' as const, key, value: b(i) })));
    const expected = [...keys].sort(compareBytes).map((k) => Array.from(k));
    assert.deepEqual((await collect(store)).map(([k]) => k), expected);
    assert.deepEqual((await collect(store, { reverse: true })).map(([k]) => k), [...expected].reverse());
    for (const key of keys) assert.ok(store.get(key) !== undefined);
  });

  run('a batch applies in order: the last operation on a key wins; deletes remove', async (store) => {
    await store.write([
      { type: 'put', key: b(1), value: b(1) },
      { type: 'put', key: b(1), value: b(2) },
      { type: 'put', key: b(2), value: b(2) },
      { type: 'del', key: b(2) },
      { type: 'del', key: b(3) },
    ]);
    assert.deepEqual(await collect(store), [[[1], [2]]]);
    await store.write([{ type: 'del', key: b(1) }, { type: 'put', key: b(3), value: b(3) }]);
    assert.equal(store.get(b(1)), undefined);
    assert.deepEqual(await collect(store), [[[3], [3]]]);
  });

  run('a batch with an invalid operation changes nothing', async (store) => {
    await store.write([{ type: 'put', key: b(1), value: b(1) }]);
    await assert.rejects(
      store.write([
        { type: 'put', key: b(2), value: b(2) },
        { type: 'del', key: b(1) },
        { type: 'put', key: b(3), value: undefined as unknown as Uint8Array },
      ]),
    );
    assert.deepEqual(await collect(store), [[[1], [1]]]);
  });

  run('range bounds: gte inclusive, lt exclusive, with reverse and limit', async (store) => {
    await store.write(Array.from({ length: 10 }, (_, i) => ({ type: 'put' as const, key: b(5, i), value: b(i) })));
    await store.write([{ type: 'put', key: b(4, 0xff), value: b(0) }, { type: 'put', key: b(6), value: b(0) }]);
    const keysOf = async (range: KvRange) => (await collect(store, range)).map(([k]) => k[1]);
    assert.deepEqual(await keysOf({ gte: b(5), lt: b(6) }), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(await keysOf({ gte: b(5, 3), lt: b(5, 6) }), [3, 4, 5]);
    assert.deepEqual(await keysOf({ gte: b(5, 3), lt: b(5, 6), reverse: true }), [5, 4, 3]);
    assert.deepEqual(await keysOf({ gte: b(5), lt: b(6), limit: 2 }), [0, 1]);
    assert.deepEqual(await keysOf({ gte: b(5), lt: b(6), reverse: true, limit: 2 }), [9, 8]);
    assert.deepEqual(await keysOf({ gte: b(5, 20), lt: b(6) }), []);
    assert.deepEqual(await keysOf({ gte: b(5), lt: b(5) }), []);
    assert.deepEqual(await keysOf({ gte: b(5), lt: b(6), limit: 0 }), []);
    assert.equal((await collect(store, { lt: b(5) })).length, 1);
    assert.equal((await collect(store, { gte: b(5, 9) })).length, 2);
  });

  run('stored bytes are copies: mutating the written arrays changes nothing', async (store) => {
    const key = b(1, 2);
    const value = b(3, 4);
    await store.write([{ type: 'put', key, value }]);
    key[0] = 7;
    value[0] = 7;
    assert.deepEqual(Array.from(store.get(b(1, 2))!), [3, 4]);
  });

  // LevelDB's store copies short keys and values side by side into one buffer before the
  // native call, and get copies short keys into a reused one: lengths on both sides of
  // those bounds (64 and 256 bytes), views into a larger array, and deletes among puts,
  // each read back by its own bytes.
  run('keys and values of every length up to 300 bytes, and views into larger arrays, read back exactly', async (store) => {
    const lengths = [0, 1, 2, 31, 63, 64, 65, 100, 255, 256, 257, 300];
    const backing = new Uint8Array(1024).map((_, i) => (i * 37 + 11) & 0xff);
    const keyOf = (length: number, tag: number): Uint8Array => {
      const key = new Uint8Array(length + 1);
      key[0] = tag;
      for (let i = 1; i <= length; i++) key[i] = (length + i * 13) & 0xff;
      return key;
    };
    const operations = lengths.flatMap((length, i) => [
      { type: 'put' as const, key: keyOf(length, 1), value: backing.subarray(i, i + length) },
      { type: 'put' as const, key: backing.subarray(500 + i, 500 + i + length + 1), value: keyOf(length, 2) },
      { type: 'put' as const, key: keyOf(length, 3), value: b(9) },
      { type: 'del' as const, key: keyOf(length, 3) },
    ]);
    await store.write(operations);
    lengths.forEach((length, i) => {
      assert.deepEqual(Array.from(store.get(keyOf(length, 1))!), Array.from(backing.subarray(i, i + length)), `value of length ${length}`);
      assert.deepEqual(Array.from(store.get(backing.subarray(500 + i, 500 + i + length + 1))!), Array.from(keyOf(length, 2)), `key of length ${length + 1}`);
      assert.equal(store.get(keyOf(length, 3)), undefined, `deleted key of length ${length + 1}`);
    });
  });

  run('random batches agree with a model map, in order', async (store) => {
    const model = new Map<string, number[]>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 3 }), fc.option(fc.uint8Array({ maxLength: 3 }))), { maxLength: 20 }),
        async (ops) => {
          await store.write(ops.map(([key, value]) => (value === null ? { type: 'del' as const, key } : { type: 'put' as const, key, value })));
          for (const [key, value] of ops) {
            if (value === null) model.delete(Array.from(key).join(','));
            else model.set(Array.from(key).join(','), Array.from(value));
          }
          const got = await collect(store);
          const want = [...model.entries()]
            .map(([k, v]) => [k === '' ? [] : k.split(',').map(Number), v] as [number[], number[]])
            .sort((x, y) => compareBytes(Uint8Array.from(x[0]), Uint8Array.from(y[0])));
          assert.deepEqual(got, want);
        },
      ),
      { numRuns: 50 },
    );
  });

  run('contents survive close and reopen; a closed store refuses use', async (store, reopen) => {
    await store.write([{ type: 'put', key: b(0, 0xff), value: b(1) }, { type: 'put', key: b(0xff, 0), value: b(2) }]);
    await store.close();
    assert.throws(() => store.get(b(0, 0xff)), (e: unknown) => e instanceof StorageError && e.code === 'STORE_CLOSED');
    const again = await reopen();
    try {
      assert.deepEqual(await collect(again), [[[0, 0xff], [1]], [[0xff, 0], [2]]]);
    } finally {
      await again.close();
    }
  });
}

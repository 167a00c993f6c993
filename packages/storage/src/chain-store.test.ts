// Checks the chain store end to end on both key-value stores (memory, LevelDB), each as
// one database and as three (history, state, tree): genesis
// then blocks with transactions, receipts and random state changes; every block, lookup
// by hash, transaction and receipt lookup, state value and state proof (verified with
// protocol's verifier against the head header's state_root) after each block and after
// reopening; that the commit preconditions are assertions; and that opening refuses a
// store whose head block, head hash or tree does not hold together (CORRUPT_STORE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AssertionError,
  bytesToHex,
  bytesToU64,
  compareBytes,
  concatBytes,
  equalBytes,
  sparseMerkleRoot,
  u64ToBytes,
  verifyStateProof,
  type StateEntry,
} from '@tongbao/protocol';
import { ChainStore, type BlockCommit, type ChainDatabases } from './chain-store.js';
import { StorageError } from './errors.js';
import { blockReceiptsKey, blockTransactionsKey, FORMAT_KEY, FORMAT_VERSION, HEAD_KEY, headerKey, PAGE_DEPTH_BITS, pageKey, PREFIX, prefixEnd, TREE_CHECKPOINT_KEY, treeLogKey, u32ToBytes, valueKey } from './keys.js';
import { decodeKeyLog } from './tree-log.js';
import { FaultyKeyValueStore } from './testing/faulty-kv.js';
import type { KeyValueStore, KvOperation } from './kv.js';
import { LevelKeyValueStore } from './level-kv.js';
import { openLevelChainDatabases } from './level-chain-databases.js';
import { MemoryKeyValueStore } from './memory-kv.js';
import { ensureGenesis, nextBlock, randomChanges, seededRandom, stateKey } from './testing/chain-fixture.js';

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const KEY_SPACE = 300;

const isCorrupt = (e: unknown): boolean => e instanceof StorageError && e.code === 'CORRUPT_STORE';

type Databases = KeyValueStore | ChainDatabases;
interface Backend {
  readonly databases: Databases;
  reopen(): Promise<Databases>;
  close(databases: Databases): Promise<void>;
  cleanup(): void;
}

const closeEach = async (databases: Databases): Promise<void> => {
  for (const kv of new Set('get' in databases ? [databases] : [databases.history, databases.state, databases.tree])) await kv.close();
};

const backends: Array<{ name: string; make(): Promise<Backend> }> = [
  {
    name: 'memory',
    async make() {
      const kv = new MemoryKeyValueStore();
      return { databases: kv, reopen: async () => kv.reopen(), close: closeEach, cleanup: () => {} };
    },
  },
  {
    name: 'memory, three databases',
    async make() {
      const [history, state, tree] = [new MemoryKeyValueStore(), new MemoryKeyValueStore(), new MemoryKeyValueStore()];
      const reopen = async () => ({ history: history.reopen(), state: state.reopen(), tree: tree.reopen() });
      return { databases: { history, state, tree }, reopen, close: closeEach, cleanup: () => {} };
    },
  },
  {
    name: 'leveldb',
    async make() {
      const dir = mkdtempSync(join(tmpdir(), 'tongbao-chain-'));
      const cleanup = () => rmSync(dir, { recursive: true, force: true });
      return { databases: await LevelKeyValueStore.open(dir), reopen: () => LevelKeyValueStore.open(dir), close: closeEach, cleanup };
    },
  },
  {
    name: 'leveldb, three databases',
    async make() {
      const dir = mkdtempSync(join(tmpdir(), 'tongbao-chain-'));
      const cleanup = () => rmSync(dir, { recursive: true, force: true });
      return { databases: await openLevelChainDatabases(dir), reopen: () => openLevelChainDatabases(dir), close: closeEach, cleanup };
    },
  },
];

for (const backend of backends) {
  test(`${backend.name}: genesis, blocks, lookups, proofs, reopen`, async () => {
    const { databases, reopen, close, cleanup } = await backend.make();
    try {
      // A tree checkpoint at block 4; blocks 5 and 6 are in the tree log when it reopens.
      let store = await ChainStore.open(databases, { hash: sha256, treeCheckpointBlocks: 4 });
      assert.equal(store.genesis(), undefined);
      assert.equal(store.head(), undefined);
      await ensureGenesis(store, KEY_SPACE / 2);
      assert.equal(store.head(), undefined, 'no block yet at genesis');
      const model = new Map<string, Uint8Array>();
      for (let n = 0; n < KEY_SPACE / 2; n++) model.set(bytesToHex(stateKey(n)), store.state.get(stateKey(n))!);
      const random = seededRandom(7);
      const commits: BlockCommit[] = [];
      for (let h = 1; h <= 6; h++) {
        const changes = randomChanges(random, 40, KEY_SPACE);
        const commit = nextBlock(store, sha256, changes, h % 3 === 0 ? 0 : 5 * h);
        await store.commitBlock(commit);
        commits.push(commit);
        for (const { key, value } of changes) {
          if (value === undefined) model.delete(bytesToHex(key));
          else model.set(bytesToHex(key), value);
        }
        assert.equal(store.head()!.height, BigInt(h));
        assert.deepEqual(store.stateRoot(), commit.block.header!.stateRoot);
      }
      const entries: StateEntry[] = [...model].map(([hex, value]) => ({ key: Uint8Array.from(Buffer.from(hex, 'hex')), value }));
      assert.deepEqual(store.stateRoot(), sparseMerkleRoot(sha256, entries), 'incremental root equals the from-scratch root');

      const check = (s: ChainStore) => {
        const head = s.head()!;
        assert.equal(head.height, 6n);
        for (const [i, commit] of commits.entries()) {
          const height = BigInt(i + 1);
          assert.deepEqual(s.getBlock(height), commit.block);
          assert.deepEqual(s.getBlockByHash(commit.hash), commit.block);
          commit.transactionIds.forEach((id, index) => {
            assert.deepEqual(s.getTransaction(id), { height, index, bytes: commit.block.transactions[index] });
            assert.deepEqual(s.getReceipt(id)?.receipt, commit.receipts[index]);
          });
        }
        assert.equal(s.getBlock(7n), undefined);
        assert.equal(s.getBlock(0n), undefined);
        assert.equal(s.getTransaction(sha256(new Uint8Array(1))), undefined);
        for (let n = 0; n < KEY_SPACE + 5; n++) {
          const key = stateKey(n);
          const want = model.get(bytesToHex(key));
          const got = s.state.get(key);
          assert.deepEqual(got === undefined ? undefined : Array.from(got), want === undefined ? undefined : Array.from(want));
          const proof = s.proveState(key);
          assert.ok(verifyStateProof(sha256, head.header.stateRoot, proof), `proof for key ${n}`);
          assert.equal(proof.value === undefined, want === undefined);
        }
      };
      check(store);
      const listed: string[] = [];
      for await (const [key, value] of store.iterateState(new TextEncoder().encode('acct/'))) listed.push(`${bytesToHex(key)}=${bytesToHex(value)}`);
      assert.deepEqual(listed, [...model].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${bytesToHex(v)}`));
      for await (const _ of store.iterateState(Uint8Array.of(0xff, 0xff))) assert.fail('no state key starts with ff ff');
      if (!('get' in databases)) {
        // Each database holds its own records only.
        const kinds = async (kv: KeyValueStore) => {
          const seen = new Set<string>();
          for await (const [key] of kv.iterate()) seen.add(key[0] === PREFIX.meta ? new TextDecoder().decode(key) : String.fromCharCode(key[0]!));
          return [...seen].sort();
        };
        assert.deepEqual(await kinds(databases.history), ['b']);
        assert.deepEqual(await kinds(databases.state), ['H', 'X', 'mformat', 'mgenesis', 'mgenesis-state-root', 'mhead', 't', 'v']);
        assert.deepEqual(await kinds(databases.tree), ['mtree-checkpoint', 'p']);
      }
      await store.settle();
      await close(databases);
      const again = await reopen();
      store = await ChainStore.open(again, { hash: sha256, verify: 'full' });
      check(store);
      assert.deepEqual(store.head()!.hash, commits[5]!.hash);
      await close(again);
    } finally {
      cleanup();
    }
  });
}

// Tree pages are deferred: a block that is not a checkpoint writes no page record; every
// block logs its changed keys; a checkpoint comes every treeCheckpointBlocks blocks, or
// sooner once treeDirtyPagesMax pages are dirty or the logs hold treeLoggedKeysMax keys,
// writes exactly the tree the blocks built, and the next block's write deletes the logs
// it covers. After every block, a store reopened from what is on disk has the head's
// root, proofs that verify, and passes the full check.
test('tree pages are written at checkpoints; reopening between them rebuilds the same tree', async () => {
  for (const options of [{ treeCheckpointBlocks: 5 }, { treeCheckpointBlocks: 1_000, treeDirtyPagesMax: 40 }, { treeCheckpointBlocks: 1_000, treeLoggedKeysMax: 50 }]) {
    const kv = new MemoryKeyValueStore();
    const store = await ChainStore.open(kv, { hash: sha256, ...options });
    await ensureGenesis(store, 50);
    const random = seededRandom(5);
    const pageRecords = async () => {
      const records: string[] = [];
      for await (const [key, value] of kv.iterate({ gte: Uint8Array.of(PREFIX.page), lt: prefixEnd(PREFIX.page) })) records.push(`${bytesToHex(key)}=${bytesToHex(value)}`);
      return records.join();
    };
    const checkpoints: number[] = [];
    for (let h = 1; h <= 12; h++) {
      const checkpointBefore = checkpoints.at(-1) ?? 0;
      const pagesBefore = await pageRecords();
      await store.commitBlock(nextBlock(store, sha256, randomChanges(random, 20, 200), 2));
      const checkpoint = kv.get(TREE_CHECKPOINT_KEY)!;
      const atCheckpoint = u64ToBytes(BigInt(h)).every((byte, i) => checkpoint[i] === byte);
      if (atCheckpoint) checkpoints.push(h);
      else assert.equal(await pageRecords(), pagesBefore, `${JSON.stringify(options)}: block ${h} is no checkpoint and wrote no page`);
      for (let k = 0; k <= h; k++) {
        assert.equal(kv.get(treeLogKey(BigInt(k))) !== undefined, k > checkpointBefore, `after block ${h}: the log of block ${k} is kept exactly while no written checkpoint covers it`);
      }
      const reopened = await ChainStore.open(kv.reopen(), { hash: sha256, ...options });
      assert.deepEqual(reopened.stateRoot(), store.head()!.header.stateRoot);
      for (let n = 0; n < 200; n += 9) assert.ok(verifyStateProof(sha256, reopened.stateRoot(), reopened.proveState(stateKey(n))));
      assert.equal((await reopened.verifyFull()).blocks, h);
      assert.equal((await store.verifyFull()).blocks, h);
    }
    if (options.treeCheckpointBlocks === 5) assert.deepEqual(checkpoints, [5, 10]);
    else assert.ok(checkpoints.length >= 2, `the dirty-page or logged-key bound forces checkpoints: ${checkpoints.join()}`);
  }
});

// Validators sharing hardware write their tree checkpoints at different blocks: a store
// staggered as index i of n scales its bounds by 1 + i/n. Two stores commit the same
// blocks with the same bounds, one as index 0 and one as index 1 of 2: the first
// checkpoints every 4 blocks (or at 40 dirty pages, or 80 logged keys), the second every
// 6 (or 60, or 120), and both end at one state root. A stagger outside 0 ≤ index < count
// is refused.
test('a staggered store writes its tree checkpoints at other blocks, with the same roots', async () => {
  const boundsCases = [{ treeCheckpointBlocks: 4 }, { treeCheckpointBlocks: 1_000, treeDirtyPagesMax: 40 }, { treeCheckpointBlocks: 1_000, treeLoggedKeysMax: 80 }];
  for (const bounds of boundsCases) {
    const stores = [];
    for (const index of [0, 1]) {
      const kv = new MemoryKeyValueStore();
      const store = await ChainStore.open(kv, { hash: sha256, ...bounds, treeCheckpointStagger: { index, count: 2 } });
      await ensureGenesis(store, 50);
      stores.push({ kv, store, checkpoints: [] as number[] });
    }
    const random = seededRandom(9);
    for (let h = 1; h <= 12; h++) {
      const changes = randomChanges(random, 20, 200);
      for (const s of stores) {
        await s.store.commitBlock(nextBlock(s.store, sha256, changes, 2));
        if (bytesToU64(s.kv.get(TREE_CHECKPOINT_KEY)!.subarray(0, 8)) === BigInt(h)) s.checkpoints.push(h);
      }
      assert.deepEqual(stores[0]!.store.stateRoot(), stores[1]!.store.stateRoot(), `block ${h}: one state root`);
    }
    const [first, second] = stores.map((s) => s.checkpoints);
    if (bounds.treeCheckpointBlocks === 4) {
      assert.deepEqual(first, [4, 8, 12]);
      assert.deepEqual(second, [6, 12]);
    } else {
      assert.ok(first!.length > second!.length && second!.length >= 1, `${JSON.stringify(bounds)}: index 0 checkpoints more often than index 1: ${first} / ${second}`);
      assert.notDeepEqual(first!.slice(0, 1), second!.slice(0, 1), 'the first checkpoints are at different blocks');
    }
  }
  for (const stagger of [{ index: 2, count: 2 }, { index: -1, count: 2 }, { index: 0, count: 0 }]) {
    await assert.rejects(ChainStore.open(new MemoryKeyValueStore(), { hash: sha256, treeCheckpointStagger: stagger }), AssertionError, JSON.stringify(stagger));
  }
});

test('commit preconditions are assertions: height, link, state root, stale preparation', async () => {
  const kv = new MemoryKeyValueStore();
  const store = await ChainStore.open(kv, { hash: sha256 });
  const early = nextBlock(store, sha256, [], 1);
  await assert.rejects(store.commitBlock(early), AssertionError, 'no block before genesis');
  await ensureGenesis(store, 10);
  const random = seededRandom(1);
  const first = nextBlock(store, sha256, randomChanges(random, 5, 10), 2);
  const stale = nextBlock(store, sha256, randomChanges(random, 5, 10), 2, 1);
  await store.commitBlock(first);
  await assert.rejects(store.commitBlock(first), AssertionError, 'same height twice');
  await assert.rejects(store.commitBlock(stale), AssertionError, 'prepared against an old root');
  const good = nextBlock(store, sha256, randomChanges(random, 5, 10), 1);
  const wrongRoot = { ...good, block: { ...good.block, header: { ...good.block.header!, stateRoot: new Uint8Array(32) } } };
  await assert.rejects(store.commitBlock(wrongRoot), AssertionError);
  const wrongLink = { ...good, block: { ...good.block, header: { ...good.block.header!, previousHash: new Uint8Array(32) } } };
  await assert.rejects(store.commitBlock(wrongLink), AssertionError);
  await assert.rejects(store.commitBlock({ ...good, hash: new Uint8Array(32) }), AssertionError);
  await store.commitBlock(good);
  assert.equal(store.head()!.height, 2n);
});

test('opening refuses an inconsistent store with CORRUPT_STORE', async () => {
  // Tree pages written with every block, so that the stored pages are the head's tree.
  const build = async (treeCheckpointBlocks = 1) => {
    const kv = new MemoryKeyValueStore();
    const store = await ChainStore.open(kv, { hash: sha256, treeCheckpointBlocks });
    await ensureGenesis(store, 20);
    const random = seededRandom(3);
    for (let h = 0; h < 3; h++) await store.commitBlock(nextBlock(store, sha256, randomChanges(random, 8, 40), 3));
    return { kv, store };
  };
  {
    const { kv } = await build();
    await kv.write([{ type: 'del', key: headerKey(3n) }]);
    await assert.rejects(ChainStore.open(kv.reopen(), { hash: sha256 }), isCorrupt, 'head block missing');
  }
  {
    // The head block's transactions and its receipts are one record each, holding every entry.
    const { kv } = await build();
    await kv.write([{ type: 'del', key: blockReceiptsKey(3n) }]);
    await assert.rejects(ChainStore.open(kv.reopen(), { hash: sha256 }), isCorrupt, 'head receipts missing');
  }
  {
    const { kv } = await build();
    const body = kv.get(blockTransactionsKey(3n))!;
    await kv.write([{ type: 'put', key: blockTransactionsKey(3n), value: body.subarray(0, body.length - 1) }]);
    await assert.rejects(ChainStore.open(kv.reopen(), { hash: sha256 }), isCorrupt, 'head transactions truncated');
  }
  {
    const { kv } = await build();
    const head = kv.get(HEAD_KEY)!.slice();
    head[20] = head[20]! ^ 1;
    await kv.write([{ type: 'put', key: HEAD_KEY, value: head }]);
    await assert.rejects(ChainStore.open(kv.reopen(), { hash: sha256 }), isCorrupt, 'head hash mismatch');
  }
  {
    const { kv } = await build();
    const root = kv.get(pageKey(0, new Uint8Array(0)))!.slice();
    root[5] = root[5]! ^ 1;
    await kv.write([{ type: 'put', key: pageKey(0, new Uint8Array(0)), value: root }]);
    await assert.rejects(ChainStore.open(kv.reopen(), { hash: sha256 }), isCorrupt, 'tree root is not the head state root');
  }
  {
    // A deep node altered: only the full check sees it.
    const { kv, store } = await build();
    const proof = store.proveState(stateKey(1));
    const deepKey = pageKey(Math.floor(proof.siblings.length / PAGE_DEPTH_BITS), sha256(stateKey(1)));
    assert.ok(proof.siblings.length >= PAGE_DEPTH_BITS, 'the altered leaf is below the root page');
    const node = kv.get(deepKey)!.slice();
    node[40] = node[40]! ^ 1;
    await kv.write([{ type: 'put', key: deepKey, value: node }]);
    await ChainStore.open(kv.reopen(), { hash: sha256 });
    await assert.rejects(ChainStore.open(kv.reopen(), { hash: sha256, verify: 'full' }), isCorrupt, 'fsck finds a bad deep node');
  }
  {
    const { kv } = await build();
    await kv.write([{ type: 'del', key: headerKey(2n) }]);
    await ChainStore.open(kv.reopen(), { hash: sha256 });
    await assert.rejects(ChainStore.open(kv.reopen(), { hash: sha256, verify: 'full' }), isCorrupt, 'fsck finds a missing block');
  }
  {
    // Pages at the genesis checkpoint, blocks 1–3 in the tree log: each of those records is load-bearing.
    const { kv } = await build(64);
    assert.equal((await (await ChainStore.open(kv.reopen(), { hash: sha256, verify: 'full' })).verifyFull()).blocks, 3);
    const checkpointRoot = kv.get(TREE_CHECKPOINT_KEY)!.subarray(8).slice();
    const loggedKey = decodeKeyLog(kv.get(treeLogKey(2n))!)![0]!.slice();
    const tampered: Array<[string, KvOperation]> = [
      ['a missing tree log', { type: 'del', key: treeLogKey(2n) }],
      ['a missing tree checkpoint record', { type: 'del', key: TREE_CHECKPOINT_KEY }],
      ['a tree checkpoint past the head', { type: 'put', key: TREE_CHECKPOINT_KEY, value: concatBytes(u64ToBytes(4n), checkpointRoot) }],
      ['a tree checkpoint of another root', { type: 'put', key: TREE_CHECKPOINT_KEY, value: concatBytes(u64ToBytes(0n), new Uint8Array(32).fill(7)) }],
      ['a changed value of a logged key', { type: 'put', key: valueKey(loggedKey), value: Uint8Array.of(1, 2, 3) }],
    ];
    for (const [what, operation] of tampered) {
      const { kv: copy } = await build(64);
      await copy.write([operation]);
      await assert.rejects(ChainStore.open(copy.reopen(), { hash: sha256 }), isCorrupt, what);
    }
  }
  {
    const { kv, store } = await build();
    assert.ok(equalBytes(store.stateRoot(), store.head()!.header.stateRoot));
    const ok = await ChainStore.open(kv.reopen(), { hash: sha256, verify: 'full' });
    assert.equal((await ok.verifyFull()).blocks, 3);
  }
});

// The value cache is an optimisation only: under every bound (off, tiny, default), after
// every block, each key of the key space reads exactly what the key-value store holds;
// and a write that failed leaves the cache serving the values committed before it.
test('the state value cache never changes what is read, whatever its bound', async () => {
  for (const valueCacheEntriesMax of [0, 2, 16, undefined]) {
    const inner = new MemoryKeyValueStore();
    const faulty = new FaultyKeyValueStore(inner);
    const store = await ChainStore.open(faulty, valueCacheEntriesMax === undefined ? { hash: sha256 } : { hash: sha256, valueCacheEntriesMax });
    await ensureGenesis(store, KEY_SPACE / 2);
    const random = seededRandom(11);
    const readAll = () => Array.from({ length: KEY_SPACE }, (_, n) => store.state.get(stateKey(n)));
    const rawAll = () => Array.from({ length: KEY_SPACE }, (_, n) => inner.get(valueKey(stateKey(n))));
    for (let h = 1; h <= 8; h++) {
      readAll(); // warm the cache with the values before the block
      await store.commitBlock(nextBlock(store, sha256, randomChanges(random, 60, KEY_SPACE), 2));
      assert.deepEqual(readAll(), rawAll(), `bound ${valueCacheEntriesMax}: block ${h}`);
    }
    const before = readAll();
    faulty.arm({ tornWriteOperations: 0 });
    await assert.rejects(store.commitBlock(nextBlock(store, sha256, randomChanges(random, 60, KEY_SPACE), 2)));
    faulty.arm({});
    // The torn write applied nothing; the cache must not pretend otherwise.
    assert.deepEqual(rawAll(), before);
    // The crashed store throws on what it must read; what the cache answers is the old value.
    for (let n = 0; n < KEY_SPACE; n++) {
      let value: Uint8Array | undefined | 'threw';
      try {
        value = store.state.get(stateKey(n));
      } catch (error) {
        assert.ok(error instanceof StorageError && error.code === 'IO_ERROR');
        value = 'threw';
      }
      if (value !== 'threw') assert.deepEqual(value, before[n], `bound ${valueCacheEntriesMax}: key ${n} after the failed write`);
    }
  }
});

test('a state key the tree shows absent is answered without a store read; others still are read', async () => {
  const inner = new MemoryKeyValueStore();
  let valueReads = 0;
  const counting: KeyValueStore = Object.create(inner, {
    get: {
      value: (key: Uint8Array) => {
        if (key[0] === PREFIX.value) valueReads++;
        return inner.get(key);
      },
    },
  });
  const store = await ChainStore.open(counting, { hash: sha256, valueCacheEntriesMax: 0 });
  await ensureGenesis(store, KEY_SPACE / 2);
  await store.commitBlock(nextBlock(store, sha256, randomChanges(seededRandom(5), 60, KEY_SPACE), 2));
  // Never written: the tree's pages in memory show each absent.
  for (let n = 0; n < 200; n++) assert.equal(store.state.get(stateKey(KEY_SPACE + n)), undefined);
  assert.equal(valueReads, 0);
  // Present keys come from the value records (the tree holds only their hashes).
  for (let n = 0; n < KEY_SPACE; n++) assert.deepEqual(store.state.get(stateKey(n)), inner.get(valueKey(stateKey(n))));
  assert.ok(valueReads > 0 && valueReads <= KEY_SPACE, `${valueReads} value reads`);
});

// The three databases belong together: a store whose tree database is missing (emptied)
// or whose history database is another chain's is refused; a folder holding the
// one-database layout of earlier versions is refused with OLD_LAYOUT, not opened beside
// as a new chain.
test('three databases: a lost or foreign one is refused, and so is the old one-database layout', async () => {
  const build = async (seed: number) => {
    const databases = { history: new MemoryKeyValueStore(), state: new MemoryKeyValueStore(), tree: new MemoryKeyValueStore() };
    // Pages with every block, so that the other chain's tree is past the common genesis.
    const store = await ChainStore.open(databases, { hash: sha256, treeCheckpointBlocks: 1 });
    await ensureGenesis(store, 20);
    const random = seededRandom(seed);
    for (let h = 0; h < 3; h++) await store.commitBlock(nextBlock(store, sha256, randomChanges(random, 8, 40), 3));
    return databases;
  };
  const ours = await build(1);
  const other = await build(2);
  assert.equal((await (await ChainStore.open({ history: ours.history.reopen(), state: ours.state.reopen(), tree: ours.tree.reopen() }, { hash: sha256, verify: 'full' })).verifyFull()).blocks, 3);
  await assert.rejects(ChainStore.open({ history: ours.history.reopen(), state: ours.state.reopen(), tree: new MemoryKeyValueStore() }, { hash: sha256 }), isCorrupt, 'tree lost');
  await assert.rejects(ChainStore.open({ history: other.history.reopen(), state: ours.state.reopen(), tree: ours.tree.reopen() }, { hash: sha256 }), isCorrupt, 'foreign history');
  await assert.rejects(ChainStore.open({ history: ours.history.reopen(), state: ours.state.reopen(), tree: other.tree.reopen() }, { hash: sha256 }), isCorrupt, 'foreign tree');

  const dir = mkdtempSync(join(tmpdir(), 'tongbao-old-layout-'));
  try {
    const old = await LevelKeyValueStore.open(dir);
    await old.write([{ type: 'put', key: HEAD_KEY, value: new Uint8Array(40) }]);
    await old.close();
    await assert.rejects(openLevelChainDatabases(dir), (e: unknown) => e instanceof StorageError && e.code === 'OLD_LAYOUT' && e.message.includes('remove'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A store written by an earlier layout version is refused with OLD_LAYOUT and a sentence
// saying what to do; a later version than this one is not ours to read (CORRUPT_STORE).
test('a store of an earlier format version is refused with OLD_LAYOUT, a later one as corrupt', async () => {
  const kv = new MemoryKeyValueStore();
  const store = await ChainStore.open(kv, { hash: sha256 });
  await ensureGenesis(store, 10);
  await store.commitBlock(nextBlock(store, sha256, randomChanges(seededRandom(3), 5, 10), 2));
  assert.equal((await ChainStore.open(kv.reopen(), { hash: sha256 })).head()!.height, 1n);
  await kv.write([{ type: 'put', key: FORMAT_KEY, value: u32ToBytes(FORMAT_VERSION - 1) }]);
  await assert.rejects(
    ChainStore.open(kv.reopen(), { hash: sha256 }),
    (e: unknown) => e instanceof StorageError && e.code === 'OLD_LAYOUT' && e.message.includes(`layout ${FORMAT_VERSION - 1}`) && e.message.includes('remove'),
  );
  await kv.write([{ type: 'put', key: FORMAT_KEY, value: u32ToBytes(FORMAT_VERSION + 1) }]);
  await assert.rejects(ChainStore.open(kv.reopen(), { hash: sha256 }), isCorrupt);
});

// The history database is only ever appended to in key order — what lets LevelDB place
// its flushed files without merging them (keys.ts, BLOCK_RECORD) — and a block's hash
// finds its height through the index in the state database.
test('history: every write puts keys above all earlier ones; the hash index finds each block', async () => {
  const written: Uint8Array[][] = [];
  class RecordingStore extends MemoryKeyValueStore {
    override async write(operations: readonly KvOperation[]): Promise<void> {
      written.push(operations.map((op) => op.key));
      await super.write(operations);
    }
  }
  const databases = { history: new RecordingStore(), state: new MemoryKeyValueStore(), tree: new MemoryKeyValueStore() };
  const store = await ChainStore.open(databases, { hash: sha256 });
  await ensureGenesis(store, 20);
  const random = seededRandom(9);
  const hashes: Uint8Array[] = [];
  for (let h = 0; h < 12; h++) {
    const commit = nextBlock(store, sha256, randomChanges(random, 6, 40), h % 3);
    await store.commitBlock(commit);
    hashes.push(commit.hash);
  }
  assert.ok(written.length >= 12);
  let highest: Uint8Array = new Uint8Array(0);
  for (const keys of written) {
    const sorted = [...keys].sort(compareBytes);
    assert.ok(compareBytes(sorted[0]!, highest) > 0, 'a write starts above every key written before');
    highest = sorted[sorted.length - 1]!;
  }
  hashes.forEach((hash, i) => assert.equal(store.heightOf(hash), BigInt(i + 1)));
  assert.equal(store.heightOf(sha256(Uint8Array.of(1))), undefined);
});

/** A store whose writes can be held back (until release) or made to fail. */
class HeldKeyValueStore extends MemoryKeyValueStore {
  private gate: { promise: Promise<void>; open(): void } | undefined;
  failNext = false;

  hold(): void {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.gate = { promise, open };
  }

  release(): void {
    this.gate?.open();
    this.gate = undefined;
  }

  override async write(operations: readonly KvOperation[]): Promise<void> {
    await this.gate?.promise;
    if (this.failNext) {
      this.failNext = false;
      throw new StorageError('IO_ERROR', 'injected: the tree write failed');
    }
    await super.write(operations);
  }
}

// With a tree database of its own, a checkpoint's pages are written after its block has
// committed: commitBlock resolves once the state write is durable, a block prepared
// meanwhile commits after the pages are written (and its state write deletes the logs
// they cover), and a failed page write makes the next write refuse (STORE_FAILED) while a
// reopened store is at the committed head.
test('three databases: a checkpoint\'s pages are written after its block commits; the next commit waits for them', async () => {
  const history = new MemoryKeyValueStore();
  const state = new MemoryKeyValueStore();
  const tree = new HeldKeyValueStore();
  const store = await ChainStore.open({ history, state, tree }, { hash: sha256, treeCheckpointBlocks: 2 });
  await ensureGenesis(store, 20);
  const random = seededRandom(4);
  const checkpointHeight = () => bytesToU64(tree.get(TREE_CHECKPOINT_KEY)!.subarray(0, 8));
  await store.commitBlock(nextBlock(store, sha256, randomChanges(random, 8, 40), 2));
  tree.hold();
  await store.commitBlock(nextBlock(store, sha256, randomChanges(random, 8, 40), 2));
  assert.equal(store.head()!.height, 2n, 'block 2 committed while its checkpoint is held back');
  assert.equal(checkpointHeight(), 0n);
  const third = nextBlock(store, sha256, randomChanges(random, 8, 40), 2);
  let committed = false;
  const committing = store.commitBlock(third).then(() => (committed = true));
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(committed, false, 'block 3 waits for the checkpoint of block 2');
  assert.equal(state.get(treeLogKey(3n)), undefined);
  tree.release();
  await committing;
  assert.equal(checkpointHeight(), 2n);
  for (const h of [0n, 1n, 2n]) assert.equal(state.get(treeLogKey(h)), undefined, `the log of block ${h} is covered and deleted`);
  assert.notEqual(state.get(treeLogKey(3n)), undefined);
  const reopened = await ChainStore.open({ history: history.reopen(), state: state.reopen(), tree: tree.reopen() }, { hash: sha256, verify: 'full' });
  assert.deepEqual(reopened.head()!.hash, third.hash);

  tree.failNext = true;
  const fourth = nextBlock(store, sha256, randomChanges(random, 8, 40), 2);
  await store.commitBlock(fourth);
  await store.settle();
  assert.throws(() => store.prepareState([]), (e: unknown) => e instanceof StorageError && e.code === 'STORE_FAILED');
  const afterFailure = await ChainStore.open({ history: history.reopen(), state: state.reopen(), tree: tree.reopen() }, { hash: sha256, verify: 'full' });
  assert.deepEqual(afterFailure.head()!.hash, fourth.hash, 'the block whose pages failed stays committed');
  assert.deepEqual(afterFailure.stateRoot(), fourth.block.header!.stateRoot);
});

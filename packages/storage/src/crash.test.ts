// Crash safety of the chain store, three ways, (1) and (2) for a block that writes its
// tree pages, one that is the tree checkpoint after logged blocks, and one only logged,
// each on one database and on three (history, state, tree: separate writes, so a crash
// can fall between them). (1) Atomic stores that crash at the N-th call of any method
// during prepare + commit, for every N, and just after each write: reopened (with the
// full check), the store is exactly at the previous block or exactly at the new one, and
// commits on from there. (2) Stores WITHOUT atomic batches, torn after each possible
// prefix of the block's operations: reopened with the full check, the store is at the
// previous block, at the new one, or refused with CORRUPT_STORE — never silently between,
// which shows batch atomicity is the only property we rely on. (3) A real child process
// committing to three LevelDBs, SIGKILLed at random moments over several rounds: the
// reopened head is at or just past every acknowledged block, all blocks link, and the
// head's state root is the tree's root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesToHex } from '@tongbao/protocol';
import { ChainStore, type BlockCommit, type ChainStoreOptions } from './chain-store.js';
import { StorageError } from './errors.js';
import { openLevelChainDatabases } from './level-chain-databases.js';
import { MemoryKeyValueStore } from './memory-kv.js';
import { FaultInjector, FaultyKeyValueStore } from './testing/faulty-kv.js';
import { ensureGenesis, nextBlock, randomChanges, seededRandom, stateKey } from './testing/chain-fixture.js';

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const KEY_SPACE = 40;

/** Everything a reader can observe, as comparable strings. */
function snapshot(store: ChainStore, probe: BlockCommit): string {
  const head = store.head();
  const values: string[] = [];
  for (let n = 0; n < KEY_SPACE; n++) {
    const value = store.state.get(stateKey(n));
    values.push(value === undefined ? '-' : bytesToHex(value));
  }
  return JSON.stringify({
    height: String(head?.height),
    hash: head === undefined ? null : bytesToHex(head.hash),
    root: bytesToHex(store.stateRoot()),
    values,
    probeBlock: store.getBlock(probe.block.header!.height) !== undefined,
    probeTransactions: probe.transactionIds.map((id) => store.getTransaction(id) !== undefined && store.getReceipt(id) !== undefined),
  });
}

/**
 * Block 3 commits in each of the three ways the tree can go: with its pages (a
 * checkpoint every block), as the checkpoint after two logged blocks, and logged only.
 */
const TREE_MODES = [
  { name: 'pages every block', treeCheckpointBlocks: 1 },
  { name: 'checkpoint after a tree log', treeCheckpointBlocks: 3 },
  { name: 'tree log only', treeCheckpointBlocks: 64 },
] as const;
type TreeMode = (typeof TREE_MODES)[number];

/**
 * The store on one database (every write of a block one batch) or on three (history,
 * state and tree written one after another, so a crash can fall between them); the
 * three crash together.
 */
const LAYOUTS = ['one database', 'three databases'] as const;
type Layout = (typeof LAYOUTS)[number];

interface Disk {
  readonly faults: FaultInjector;
  open(options: ChainStoreOptions): Promise<ChainStore>;
  /** The same data after a restart, un-faulted. */
  reopen(options: ChainStoreOptions): Promise<ChainStore>;
}

function disk(layout: Layout): Disk {
  const faults = new FaultInjector();
  if (layout === 'one database') {
    const inner = new MemoryKeyValueStore();
    return {
      faults,
      open: (options) => ChainStore.open(new FaultyKeyValueStore(inner, faults), options),
      reopen: (options) => ChainStore.open(inner.reopen(), options),
    };
  }
  const inner = { history: new MemoryKeyValueStore(), state: new MemoryKeyValueStore(), tree: new MemoryKeyValueStore() };
  return {
    faults,
    open: (options) =>
      ChainStore.open(
        { history: new FaultyKeyValueStore(inner.history, faults), state: new FaultyKeyValueStore(inner.state, faults), tree: new FaultyKeyValueStore(inner.tree, faults) },
        options,
      ),
    reopen: (options) => ChainStore.open({ history: inner.history.reopen(), state: inner.state.reopen(), tree: inner.tree.reopen() }, options),
  };
}

/** A store at block 2, and the block 3 every run tries to commit (deterministic). */
async function setup(layout: Layout, mode: TreeMode, nodeCacheEntriesMax?: number): Promise<{ disk: Disk; store: ChainStore }> {
  const d = disk(layout);
  const options = { hash: sha256, treeCheckpointBlocks: mode.treeCheckpointBlocks };
  const store = await d.open(nodeCacheEntriesMax === undefined ? options : { ...options, nodeCacheEntriesMax });
  await ensureGenesis(store, KEY_SPACE / 2);
  for (let h = 1; h <= 2; h++) await store.commitBlock(nextBlock(store, sha256, randomChanges(seededRandom(h), 10, KEY_SPACE), 3));
  return { disk: d, store };
}

const block3 = (store: ChainStore, salt = 0): BlockCommit => nextBlock(store, sha256, randomChanges(seededRandom(3 + salt), 12, KEY_SPACE), 4, salt);

async function expectedSnapshots(layout: Layout, mode: TreeMode): Promise<{ before: string; after: string; probe: BlockCommit; operations: number; writes: number }> {
  const { disk: d, store } = await setup(layout, mode);
  const probe = block3(store);
  const before = snapshot(store, probe);
  d.faults.arm({});
  await store.commitBlock(probe);
  return { before, after: snapshot(store, probe), probe, operations: d.faults.operations, writes: d.faults.writes };
}

/**
 * Prepares and commits a block and waits for a tree checkpoint's write that may go on
 * after it; the error of the prepare or the commit, if one failed.
 */
async function commitAndSettle(store: ChainStore, block: () => BlockCommit): Promise<unknown> {
  let failed: unknown;
  try {
    await store.commitBlock(block());
  } catch (error) {
    failed = error;
  }
  await store.settle();
  return failed;
}

/**
 * A store reopened after a crash in block 3's commit goes on: it commits the next
 * block — block 3 again, a different one (another proposer's round), when the crash
 * left it at block 2 — and passes the full check, and a hash of a block that never
 * committed is not found.
 */
async function goesOn(d: Disk, reopened: ChainStore, crashed: BlockCommit): Promise<void> {
  const height = reopened.head()!.height;
  const next = height === 2n ? block3(reopened, 1) : nextBlock(reopened, sha256, randomChanges(seededRandom(4), 12, KEY_SPACE), 2);
  await reopened.commitBlock(next);
  if (height === 2n) {
    assert.equal(reopened.getBlockByHash(crashed.hash), undefined, 'the block that did not commit is not found by its hash');
    assert.equal(reopened.heightOf(crashed.hash), undefined);
    for (const id of crashed.transactionIds) assert.equal(reopened.getTransaction(id), undefined);
  }
  assert.deepEqual(reopened.getBlockByHash(next.hash), next.block);
  const again = await d.reopen({ hash: sha256, verify: 'full' });
  assert.equal(again.head()!.height, height + 1n);
}

for (const layout of LAYOUTS) {
  for (const mode of TREE_MODES) {
    test(`${layout}, ${mode.name}: a crash at every call of prepare + commit leaves the previous block or the new one`, async () => {
      const { before, after, probe, writes } = await expectedSnapshots(layout, mode);
      const seen = { before: 0, after: 0 };
      // Without the page cache every tree read of a stored page reaches the store, so each is a crash point.
      for (let n = 1; ; n++) {
        const { disk: d, store } = await setup(layout, mode, 0);
        d.faults.arm({ failAtCall: n });
        const failed = await commitAndSettle(store, () => block3(store));
        if (!d.faults.crashed) {
          assert.equal(failed, undefined);
          assert.ok(n > 2, `the commit made ${n - 1} calls`);
          break;
        }
        // A tree checkpoint written in the background fails after its block committed.
        assert.ok(failed instanceof StorageError || (failed === undefined && layout === 'three databases'), `call ${n}: ${String(failed)}`);
        if (d.faults.crashedIn === 'write') {
          // The process no longer knows what is on disk: it must reopen.
          assert.throws(() => store.prepareState([]), (e: unknown) => e instanceof StorageError && e.code === 'STORE_FAILED');
        }
        const reopened = await d.reopen({ hash: sha256, verify: 'full' });
        const state = snapshot(reopened, probe);
        assert.ok(state === before || state === after, `call ${n}: the store is between blocks: ${state}`);
        seen[state === before ? 'before' : 'after']++;
        await goesOn(d, reopened, probe);
      }
      // And a crash just after each write became durable, before the commit returned:
      // after the last, the block is there.
      for (let w = 1; w <= writes; w++) {
        const { disk: d, store } = await setup(layout, mode);
        d.faults.arm({ crashAfterWrite: w });
        await commitAndSettle(store, () => block3(store));
        assert.ok(d.faults.crashed, `write ${w} crashed`);
        const reopened = await d.reopen({ hash: sha256, verify: 'full' });
        const state = snapshot(reopened, probe);
        assert.ok(state === before || state === after, `after write ${w}: the store is between blocks: ${state}`);
        if (w === writes) assert.equal(state, after);
        seen[state === before ? 'before' : 'after']++;
        await goesOn(d, reopened, probe);
      }
      assert.ok(seen.before >= 2, JSON.stringify(seen));
      console.log(`${layout}, ${mode.name}: crash at every call and after each of ${writes} writes: ${JSON.stringify(seen)}`);
    });

    test(`${layout}, ${mode.name}: torn (non-atomic) writes are never served between blocks: previous block, new block or CORRUPT_STORE`, async () => {
      const { before, after, probe, operations } = await expectedSnapshots(layout, mode);
      const outcome = { atPrevious: 0, atNew: 0, refused: 0 };
      for (let p = 0; p < operations; p++) {
        const { disk: d, store } = await setup(layout, mode);
        d.faults.arm({ tornWriteOperations: p });
        await commitAndSettle(store, () => block3(store));
        assert.ok(d.faults.crashed && d.faults.operations > p, 'the commit reached the torn write');
        try {
          const reopened = await d.reopen({ hash: sha256, verify: 'full' });
          const state = snapshot(reopened, probe);
          assert.ok(state === before || state === after, `prefix ${p} of ${operations} opened between blocks: ${state}`);
          outcome[state === before ? 'atPrevious' : 'atNew']++;
        } catch (error) {
          assert.ok(error instanceof StorageError && error.code === 'CORRUPT_STORE', `prefix ${p}: ${String(error)}`);
          outcome.refused++;
        }
      }
      assert.ok(outcome.atPrevious > 0 && outcome.refused > 0, JSON.stringify(outcome));
      console.log(`${layout}, ${mode.name}: torn writes of ${operations} operations: ${JSON.stringify(outcome)}`);
    });
  }
}

test('SIGKILLed child committing to three LevelDBs: reopens at or just past its last acknowledged block', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tongbao-kill-'));
  const child = fileURLToPath(new URL('./testing/commit-loop.js', import.meta.url));
  const random = seededRandom(Date.now() & 0xffff);
  let acked = 0n;
  let kills = 0;
  try {
    for (let round = 0; round < 6; round++) {
      const proc = spawn(process.execPath, [child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
      // Wait until it is committing, then kill at a random moment.
      const start = Date.now();
      while (!out.includes('ready') && Date.now() - start < 10_000) {
        if (proc.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.ok(out.includes('ready'), `child did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 20 + Math.floor(random() * 300)));
      proc.kill('SIGKILL');
      const code = await exited;
      assert.equal(code, null, `child exited by itself: ${err}`);
      kills++;
      for (const line of out.split('\n')) {
        const m = /^ack (\d+)$/.exec(line);
        if (m !== null && BigInt(m[1]!) > acked) acked = BigInt(m[1]!);
      }
      const databases = await openLevelChainDatabases(dir);
      try {
        const store = await ChainStore.open(databases, { hash: sha256, verify: 'full' });
        const head = store.head()?.height ?? 0n;
        assert.ok(head >= acked, `round ${round}: head ${head} is behind acknowledged block ${acked}`);
        assert.ok(head <= acked + 1n, `round ${round}: head ${head} is past the one unacknowledged block after ${acked}`);
        assert.deepEqual(store.stateRoot(), store.head()?.header.stateRoot ?? store.stateRoot());
        acked = head;
      } finally {
        await databases.close();
      }
    }
    assert.equal(kills, 6);
    assert.ok(acked > 0n, 'the child committed blocks');
    console.log(`kill test: ${kills} SIGKILLs, head at block ${acked}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

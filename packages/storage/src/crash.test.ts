// Crash safety of the chain store, three ways, (1) and (2) for a block that writes its
// tree pages, one that is the tree checkpoint after logged blocks, and one only logged.
// (1) An atomic store that crashes at the
// N-th call of any method during prepare + commit, for every N: reopened (with the full
// check), the store is exactly at the previous block or exactly at the new one. (2) A
// store WITHOUT atomic batches, torn after each possible prefix of the block's batch:
// reopened with the full check, it is either indistinguishable from the previous block
// or refused with CORRUPT_STORE — never silently between, which shows batch atomicity is
// the only property we rely on. (3) A real child process committing to LevelDB, SIGKILLed
// at random moments over several rounds: the reopened head is at or just past every
// acknowledged block, all blocks link, and the head's state root is the tree's root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesToHex } from '@tongbao/protocol';
import { ChainStore, type BlockCommit } from './chain-store.js';
import { StorageError } from './errors.js';
import { LevelKeyValueStore } from './level-kv.js';
import { MemoryKeyValueStore } from './memory-kv.js';
import { FaultyKeyValueStore } from './testing/faulty-kv.js';
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

/** A store at block 2, and the block 3 every run tries to commit (deterministic). */
async function setup(mode: TreeMode, nodeCacheEntriesMax?: number): Promise<{ inner: MemoryKeyValueStore; faulty: FaultyKeyValueStore; store: ChainStore }> {
  const inner = new MemoryKeyValueStore();
  const faulty = new FaultyKeyValueStore(inner);
  const options = { hash: sha256, treeCheckpointBlocks: mode.treeCheckpointBlocks };
  const store = await ChainStore.open(faulty, nodeCacheEntriesMax === undefined ? options : { ...options, nodeCacheEntriesMax });
  await ensureGenesis(store, KEY_SPACE / 2);
  for (let h = 1; h <= 2; h++) await store.commitBlock(nextBlock(store, sha256, randomChanges(seededRandom(h), 10, KEY_SPACE), 3));
  return { inner, faulty, store };
}

const block3 = (store: ChainStore): BlockCommit => nextBlock(store, sha256, randomChanges(seededRandom(3), 12, KEY_SPACE), 4);

async function expectedSnapshots(mode: TreeMode): Promise<{ before: string; after: string; probe: BlockCommit; operations: number }> {
  const { faulty, store } = await setup(mode);
  const probe = block3(store);
  const before = snapshot(store, probe);
  await store.commitBlock(probe);
  return { before, after: snapshot(store, probe), probe, operations: faulty.lastWriteOperations };
}

for (const mode of TREE_MODES) {
  test(`${mode.name}: a crash at every call of prepare + commit leaves the previous block or the new one`, async () => {
    const { before, after, probe } = await expectedSnapshots(mode);
    const seen = { before: 0, after: 0 };
    // Without the page cache every tree read of a stored page reaches the store, so each is a crash point.
    for (let n = 1; ; n++) {
      const { inner, faulty, store } = await setup(mode, 0);
      faulty.arm({ failAtCall: n });
      let failed: unknown;
      try {
        await store.commitBlock(block3(store));
      } catch (error) {
        failed = error;
      }
      if (!faulty.hasCrashed) {
        assert.equal(failed, undefined);
        assert.ok(n > 2, `the commit made ${n - 1} calls`);
        break;
      }
      assert.ok(failed instanceof StorageError, `call ${n}: ${String(failed)}`);
      if (failed.message.includes('write')) {
        // The process no longer knows what is on disk: it must reopen.
        assert.throws(() => store.prepareState([]), (e: unknown) => e instanceof StorageError && e.code === 'STORE_FAILED');
      }
      const reopened = await ChainStore.open(inner.reopen(), { hash: sha256, verify: 'full' });
      const state = snapshot(reopened, probe);
      assert.ok(state === before || state === after, `call ${n}: the store is between blocks: ${state}`);
      seen[state === before ? 'before' : 'after']++;
    }
    // And a crash just after the batch became durable, before the commit returned.
    const { inner, faulty, store } = await setup(mode);
    faulty.arm({ crashAfterWrite: true });
    await assert.rejects(store.commitBlock(block3(store)), StorageError);
    const reopened = await ChainStore.open(inner.reopen(), { hash: sha256, verify: 'full' });
    assert.equal(snapshot(reopened, probe), after);
    seen.after++;
    assert.ok(seen.before >= 2, JSON.stringify(seen));
    console.log(`${mode.name}: crash at every call: ${JSON.stringify(seen)}`);
  });

  test(`${mode.name}: a torn (non-atomic) batch is never served: previous block or CORRUPT_STORE`, async () => {
    const { before, probe, operations } = await expectedSnapshots(mode);
    const outcome = { atPrevious: 0, refused: 0 };
    for (let p = 0; p < operations; p++) {
      const { inner, faulty, store } = await setup(mode);
      faulty.arm({ tornWriteOperations: p });
      await assert.rejects(store.commitBlock(block3(store)), StorageError);
      assert.equal(faulty.lastWriteOperations, operations, 'the same batch every time');
      try {
        const reopened = await ChainStore.open(inner.reopen(), { hash: sha256, verify: 'full' });
        assert.equal(snapshot(reopened, probe), before, `prefix ${p} of ${operations} opened between blocks`);
        outcome.atPrevious++;
      } catch (error) {
        assert.ok(error instanceof StorageError && error.code === 'CORRUPT_STORE', `prefix ${p}: ${String(error)}`);
        outcome.refused++;
      }
    }
    assert.ok(outcome.atPrevious > 0 && outcome.refused > 0, JSON.stringify(outcome));
    console.log(`${mode.name}: torn batches of ${operations} operations: ${JSON.stringify(outcome)}`);
  });
}

test('SIGKILLed child committing to LevelDB: reopens at or just past its last acknowledged block', async () => {
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
      const kv = await LevelKeyValueStore.open(dir);
      try {
        const store = await ChainStore.open(kv, { hash: sha256, verify: 'full' });
        const head = store.head()?.height ?? 0n;
        assert.ok(head >= acked, `round ${round}: head ${head} is behind acknowledged block ${acked}`);
        assert.ok(head <= acked + 1n, `round ${round}: head ${head} is past the one unacknowledged block after ${acked}`);
        assert.deepEqual(store.stateRoot(), store.head()?.header.stateRoot ?? store.stateRoot());
        acked = head;
      } finally {
        await kv.close();
      }
    }
    assert.equal(kills, 6);
    assert.ok(acked > 0n, 'the child committed blocks');
    console.log(`kill test: ${kills} SIGKILLs, head at block ${acked}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

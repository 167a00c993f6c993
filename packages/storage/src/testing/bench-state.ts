/**
 * Prints how long the state tree takes for one large block: prepareState of
 * `changes` changes on a state of `keys` keys, and the commit (one synced LevelDB
 * batch), over LevelDB in a temporary folder and over memory.
 *
 *   node packages/storage/dist/testing/bench-state.js [keys=100000] [changes=15000] [blocks=3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { getSuite } from '@tongbao/protocol';
import { ChainStore } from '../chain-store.js';
import type { KeyValueStore } from '../kv.js';
import { LevelKeyValueStore } from '../level-kv.js';
import { MemoryKeyValueStore } from '../memory-kv.js';
import { ensureGenesis, nextBlock, randomChanges, seededRandom } from './chain-fixture.js';

// The chain's SHA-256 (libsodium), as the node uses it.
const sha256 = getSuite('ed25519').hash;
const [keys = 100_000, changes = 15_000, blocks = 3] = process.argv.slice(2).map(Number);

async function run(name: string, kv: KeyValueStore): Promise<void> {
  const store = await ChainStore.open(kv, { hash: sha256 });
  let t = performance.now();
  await ensureGenesis(store, keys);
  console.log(`${name}: genesis of ${keys} keys prepared and committed in ${(performance.now() - t).toFixed(0)} ms`);
  const random = seededRandom(42);
  for (let b = 0; b < blocks; b++) {
    // Keys drawn from 1.1× the state so some changes insert; about one in five deletes.
    const set = randomChanges(random, changes, Math.floor(keys * 1.1));
    t = performance.now();
    const commit = nextBlock(store, sha256, set, 0);
    const prepareMs = performance.now() - t;
    t = performance.now();
    await store.commitBlock(commit);
    const commitMs = performance.now() - t;
    const s = commit.prepared.stats;
    console.log(
      `${name}: block ${b + 1}: prepareState ${set.length} changes ${prepareMs.toFixed(0)} ms ` +
        `(pages: ${s.nodeReads} read, ${s.nodeCacheHits} from cache, ${s.nodeWrites} written, ${s.nodeDeletes} deleted; ${s.hashes} hashes), ` +
        `commit ${commit.prepared.operations.length} operations ${commitMs.toFixed(0)} ms`,
    );
  }
  await kv.close();
}

const dir = mkdtempSync(join(tmpdir(), 'tongbao-bench-'));
try {
  await run('leveldb', await LevelKeyValueStore.open(dir));
  await run('memory', new MemoryKeyValueStore());
} finally {
  rmSync(dir, { recursive: true, force: true });
}

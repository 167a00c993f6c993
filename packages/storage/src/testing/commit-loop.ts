/**
 * Child process of the kill test (crash.test.ts): opens the chain store on the three
 * LevelDBs under the folder given as argument (verifying it), then commits blocks
 * forever, printing `ready <height>` once open and `ack <height>` after each commitBlock has resolved —
 * that is, after the block is durable. The parent SIGKILLs it at a random moment.
 */
import { createHash } from 'node:crypto';
import { ChainStore } from '../chain-store.js';
import { openLevelChainDatabases } from '../level-chain-databases.js';
import { ensureGenesis, nextBlock, randomChanges, seededRandom } from './chain-fixture.js';

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: commit-loop.js <ledger folder>\n');
  process.exit(2);
}
// Tree checkpoints every 7 blocks, so that kills land both on checkpoints and between them.
const store = await ChainStore.open(await openLevelChainDatabases(dir), { hash: sha256, treeCheckpointBlocks: 7 });
await ensureGenesis(store, 200);
process.stdout.write(`ready ${store.head()?.height ?? 0n}\n`);
for (;;) {
  const height = (store.head()?.height ?? 0n) + 1n;
  const changes = randomChanges(seededRandom(Number(height) * 7919 + 1), 60, 400);
  await store.commitBlock(nextBlock(store, sha256, changes, 20));
  process.stdout.write(`ack ${height}\n`);
}

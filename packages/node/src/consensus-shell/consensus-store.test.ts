// Checks the consensus store's bookkeeping of uncommitted blocks: a commit deletes the
// records at or below its height — those written since open and those a previous
// process left on disk — and keeps the ones above, which a restart then loads. Run on the
// in-memory store and on LevelDB, where deletions linger until compaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { ConsensusBlockSchema, QuorumCertSchema, utf8ToBytes, type ConsensusBlock } from '@tongbao/protocol';
import { LevelKeyValueStore, MemoryKeyValueStore, type KeyValueStore } from '@tongbao/storage';
import { ConsensusStore } from './consensus-store.js';

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const block = (height: number, round = height): ConsensusBlock => create(ConsensusBlockSchema, { chainId: 'store-test', round: BigInt(round), height: BigInt(height) });
const commit = (b: ConsensusBlock) => ({ block: b, commitQc: create(QuorumCertSchema, {}) });

async function uncommittedRecords(kv: KeyValueStore): Promise<number> {
  let count = 0;
  for await (const _ of kv.iterate({ gte: utf8ToBytes('u'), lt: utf8ToBytes('v') })) count++;
  return count;
}

const stores: Array<[string, () => Promise<{ kv: KeyValueStore; reopen: () => Promise<KeyValueStore>; close: () => Promise<void> }>]> = [
  [
    'memory',
    async () => {
      const kv = new MemoryKeyValueStore();
      return { kv, reopen: async () => kv, close: async () => {} };
    },
  ],
  [
    'LevelDB',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'consensus-store-'));
      let kv = await LevelKeyValueStore.open(dir);
      return {
        kv,
        reopen: async () => {
          await kv.close();
          kv = await LevelKeyValueStore.open(dir);
          return kv;
        },
        close: async () => {
          await kv.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
];

for (const [name, open] of stores) {
  test(`${name}: a commit deletes the uncommitted blocks at or below it, from this process and the one before`, async () => {
    const { kv, reopen, close } = await open();
    try {
      const first = new ConsensusStore(kv);
      // Two competing blocks at height 2 (different rounds), and one at each of 1, 3, 4.
      await first.save([{ blocks: [block(1), block(2), block(2, 3), block(3, 4)] }], [], sha256);
      await first.save([], [commit(block(1))], sha256);
      assert.equal(await uncommittedRecords(kv), 3, 'height 1 dropped');
      // A restart: the new store did not write the remaining records itself.
      const reopened = await reopen();
      const second = new ConsensusStore(reopened);
      assert.deepEqual((await second.loadUncommitted()).map((b) => b.height), [2n, 2n, 3n]);
      await second.save([{ blocks: [block(4, 5)] }], [], sha256);
      await second.save([], [commit(block(2)), commit(block(3, 4))], sha256);
      assert.deepEqual((await second.loadUncommitted()).map((b) => b.height), [4n]);
      assert.equal(second.committedHeight(), 3n);
      // Many commits later, each deletes only what it covers.
      for (let h = 5; h < 200; h++) {
        await second.save([{ blocks: [block(h, h + 1)] }], [], sha256);
        await second.save([], [commit(block(h - 1, h))], sha256);
        assert.equal(await uncommittedRecords(reopened), 1);
      }
      assert.deepEqual((await second.loadUncommitted()).map((b) => b.height), [199n]);
    } finally {
      await close();
    }
  });
}

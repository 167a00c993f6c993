// Checks the batch store on its two databases: batches stored here are found by digest
// after a restart, with their transactions; the bodies database is only ever appended to
// in key order, arrival numbers going on past the last body after a restart; a body
// whose index record never landed (a crash between the two writes) is not found and is
// not overwritten; and on one database both records go in one write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareBytes, decodeVerifiedTransaction, getSuite, utf8ToBytes, type VerifiedTransaction } from '@tongbao/protocol';
import { MemoryKeyValueStore, type KvOperation } from '@tongbao/storage';
import { command, NonceSigner } from '../demo/signer.js';
import { BatchStore } from './batch-store.js';

const CHAIN_ID = 'batch-store-test';
const suite = getSuite('ed25519');
const author = suite.generateKeyPair(suite.hash(utf8ToBytes('validator/0'))).publicKey;
const signer = new NonceSigner('ed25519', CHAIN_ID, suite.generateKeyPair(suite.hash(utf8ToBytes('payer'))));

function transactions(count: number): VerifiedTransaction[] {
  const out: VerifiedTransaction[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = signer.sign(command('setQuota', { operatorId: 'icbc', quota: BigInt(i + 1) }));
    out.push(decodeVerifiedTransaction('ed25519', CHAIN_ID, bytes));
  }
  return out;
}

/** A memory store that records the keys of each write. */
class RecordingStore extends MemoryKeyValueStore {
  readonly writes: Uint8Array[][] = [];
  override async write(operations: readonly KvOperation[]): Promise<void> {
    this.writes.push(operations.map((op) => op.key));
    await super.write(operations);
  }
}

const open = (bodies: MemoryKeyValueStore, index: MemoryKeyValueStore) => BatchStore.open({ bodies, index }, 'ed25519', CHAIN_ID, suite.hash);

test('batches are found by digest after a restart; bodies are appended in key order across restarts', async () => {
  const bodies = new RecordingStore();
  const index = new MemoryKeyValueStore();
  let store = await open(bodies, index);
  const digests: Uint8Array[] = [];
  const ids: string[][] = [];
  for (let sequence = 0; sequence < 5; sequence++) {
    const txs = transactions(sequence + 1);
    const stored = await store.add(author, BigInt(sequence), txs);
    digests.push(stored.digest);
    ids.push(txs.map((tx) => Buffer.from(tx.id).toString('hex')));
    store.release(stored.digest);
  }
  // Released from memory: read back from the databases.
  for (let i = 0; i < 5; i++) {
    assert.ok(store.has(digests[i]!));
    const found = store.get(digests[i]!)!;
    assert.deepEqual(found.digest, digests[i]);
    assert.deepEqual(found.transactions.map((tx) => Buffer.from(tx.id).toString('hex')), ids[i]);
  }
  // A restart, then more batches: they go after the earlier ones, and all are found.
  // (The same store objects: what a restart loses is the BatchStore's memory.)
  store = await open(bodies, index);
  for (let sequence = 5; sequence < 8; sequence++) digests.push((await store.add(author, BigInt(sequence), transactions(2))).digest);
  for (const digest of digests) assert.ok(store.get(digest) !== undefined);
  assert.equal(store.get(suite.hash(utf8ToBytes('not a batch'))), undefined);
  assert.equal(store.has(suite.hash(utf8ToBytes('not a batch'))), false);

  let bodyCount = 0;
  for await (const _ of bodies.iterate()) bodyCount++;
  assert.equal(bodyCount, 8);
  assert.equal(bodies.writes.length, 8);
  let highest: Uint8Array = new Uint8Array(0);
  for (const keys of bodies.writes) {
    for (const key of keys) {
      assert.ok(compareBytes(key, highest) > 0, 'each body key is above every one written before');
      highest = key;
    }
  }
});

test('a body whose index record never landed is not found, and the next batch does not overwrite it', async () => {
  const bodies = new MemoryKeyValueStore();
  const index = new MemoryKeyValueStore();
  const store = await open(bodies, index);
  await store.add(author, 1n, transactions(1));
  // The crash: a body written without its index record.
  const orphanKey = Uint8Array.of(0x61, 0, 0, 0, 0, 0, 0, 0, 1);
  const orphan = utf8ToBytes('a body whose index record was never written');
  await bodies.write([{ type: 'put', key: orphanKey, value: orphan }]);
  const reopened = await open(bodies.reopen(), index.reopen());
  const next = await reopened.add(author, 2n, transactions(1));
  reopened.release(next.digest);
  assert.ok(reopened.get(next.digest) !== undefined);
  assert.deepEqual(bodies.get(orphanKey), orphan);
  assert.equal(reopened.get(suite.hash(orphan)), undefined);
});

test('on one database a batch is one write of its body and its index record', async () => {
  const kv = new RecordingStore();
  const store = await BatchStore.open(kv, 'ed25519', CHAIN_ID, suite.hash);
  const stored = await store.add(author, 7n, transactions(3));
  assert.equal(kv.writes.length, 1);
  assert.equal(kv.writes[0]!.length, 2);
  store.release(stored.digest);
  const again = await BatchStore.open(kv.reopen(), 'ed25519', CHAIN_ID, suite.hash);
  assert.equal(again.get(stored.digest)!.transactions.length, 3);
});

// Checks the per-validator bound on disseminated batches: a peer may have at most
// peerPendingBatchesMax batches (and peerPendingBytesMax bytes) received here and not yet
// ordered; more are refused before verification and not stored; once one of its batches
// is ordered, the next is accepted again; and a batch this node asked for by digest (to
// execute a certified block) is accepted whatever the bound. Then that a batch is
// verified once however many copies arrive while it is being verified, and that it is not
// asked for while being verified. Then that a validator's batches become available in
// the order it sent them even when a later one verifies first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { BatchRefSchema, BatchSchema, create, encode, getSuite, PeerMessageSchema, utf8ToBytes, type BatchRef } from '@tongbao/protocol';
import { MemoryKeyValueStore } from '@tongbao/storage';
import { VerifierPool } from '../mempool/verifier-pool.js';
import { command, NonceSigner } from '../demo/signer.js';
import { BatchStore } from './batch-store.js';
import { PayloadQueue } from './payload-queue.js';
import { PeerLink, type PeerLinkOptions } from './peer-link.js';

const CHAIN_ID = 'peer-link-test';
const suite = getSuite('ed25519');
const validators = [0, 1, 2, 3].map((i) => suite.generateKeyPair(suite.hash(utf8ToBytes(`validator/${i}`))));
const signer = new NonceSigner('ed25519', CHAIN_ID, suite.generateKeyPair(suite.hash(utf8ToBytes('payer'))));

/** A batch by validator `author` with one transaction, its digest, and the frame that carries it. */
function batchFrom(author: number, sequence: number) {
  const batch = create(BatchSchema, {
    chainId: CHAIN_ID,
    author: validators[author]!.publicKey,
    sequence: BigInt(sequence),
    transactions: [signer.sign(command('setQuota', { operatorId: 'icbc', quota: BigInt(sequence) }))],
  });
  return { batch, digest: suite.hash(encode(BatchSchema, batch)), frame: encode(PeerMessageSchema, create(PeerMessageSchema, { kind: { case: 'batch', value: batch } })) };
}

/**
 * A PeerLink over a memory batch store and one real verification thread; `options`
 * replaces any of its collaborators. `close` must be awaited.
 */
async function createLink(options: Partial<PeerLinkOptions>) {
  const pool = new VerifierPool({ suite: 'ed25519', chainId: CHAIN_ID, workers: 1, transactionBytesMax: 16 * 1024 });
  const batches = options.batches ?? await BatchStore.open(new MemoryKeyValueStore(), 'ed25519', CHAIN_ID, suite.hash);
  const link = new PeerLink({
    transport: { send: () => true, broadcast: () => {} },
    validators: validators.map((v) => v.publicKey),
    chainId: CHAIN_ID,
    batches,
    pool,
    logger: pino({ level: 'silent' }, new Writable({ write: (_c, _e, done) => done() })),
    frameBytesMax: 1024 * 1024,
    batchRequestDigestsMax: 16,
    onBatch: () => {},
    onConsensus: () => {},
    pendingLoad: () => ({ batches: 0, bytes: 0n }),
    peerPendingBatchesMax: 16,
    peerPendingBytesMax: 1024 * 1024,
    ...options,
  });
  return { link, batches, pool, close: () => pool.close() };
}

/** Verification runs on a worker thread: waits until `done()`, then a little for what should not happen. */
async function settle(done: () => boolean): Promise<void> {
  for (let waited = 0; !done() && waited < 20_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 100));
}

test('a peer may have only so many batches waiting; ordered ones make room; requested ones always pass', async () => {
  const batches = await BatchStore.open(new MemoryKeyValueStore(), 'ed25519', CHAIN_ID, suite.hash);
  const payload = new PayloadQueue(batches);
  const received: { ref: BatchRef; author: number }[] = [];
  const { link, close } = await createLink({
    batches,
    onBatch: (ref, author) => {
      payload.add(ref, author);
      received.push({ ref, author });
    },
    pendingLoad: (author) => payload.loadOf(author),
    peerPendingBatchesMax: 2,
  });
  try {
    const sent = [1, 2, 3].map((sequence) => batchFrom(1, sequence));
    for (const { frame } of sent) link.handleFrame(1, frame);
    await settle(() => received.length >= 2);
    assert.deepEqual(received.map((r) => r.author), [1, 1], 'two batches of validator 1 taken');
    assert.equal(batches.has(sent[2]!.digest), false, 'the third was refused and not stored');
    assert.deepEqual(payload.loadOf(1).batches, 2);

    // Another validator is not held back by validator 1's load.
    link.handleFrame(2, batchFrom(2, 1).frame);
    await settle(() => received.length >= 3);
    assert.deepEqual(received.map((r) => r.author), [1, 1, 2]);

    // Validator 1's first batch is ordered: its third now fits.
    payload.remove([received[0]!.ref]);
    link.handleFrame(1, sent[2]!.frame);
    await settle(() => received.length >= 4);
    assert.equal(batches.has(sent[2]!.digest), true);
    assert.equal(payload.loadOf(1).batches, 2);

    // Over the bound again, but asked for by digest: accepted, and counted to its author.
    const wanted = batchFrom(1, 4);
    link.requestBatches(3, [create(BatchRefSchema, { digest: wanted.digest, transactionCount: 1 })]);
    link.handleFrame(3, wanted.frame);
    await settle(() => received.length >= 5);
    assert.equal(batches.has(wanted.digest), true, 'a requested batch passes the bound');
    assert.equal(received.at(-1)!.author, 1, 'counted to the validator that authored it, not the one that relayed it');
  } finally {
    await close();
  }
});

test('a batch being verified is neither verified again when a copy arrives nor asked for', async () => {
  let verifications = 0;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const sentFrames: { to: number; frame: Uint8Array }[] = [];
  const received: BatchRef[] = [];
  const fixture = await createLink({
    transport: { send: (to, frame) => (sentFrames.push({ to, frame }), true), broadcast: () => {} },
    // Verification is held until released, as on a node whose verification threads are busy.
    pool: { verify: async (transactions) => (verifications++, await held, fixture.pool.verify(transactions)) },
    onBatch: (ref) => received.push(ref),
  });
  const { link, batches, close } = fixture;
  try {
    const { digest, frame } = batchFrom(1, 1);
    link.handleFrame(1, frame);
    // A proposal ordering it arrives now: nothing is asked of anyone.
    link.requestBatches(1, [create(BatchRefSchema, { digest, transactionCount: 1 })]);
    assert.equal(sentFrames.length, 0, 'no request for a batch being verified');
    // The author resends it, and another validator relays it: both copies are dropped.
    link.handleFrame(1, frame);
    link.handleFrame(2, frame);
    release();
    await settle(() => received.length >= 1);
    assert.equal(verifications, 1, 'verified once');
    assert.equal(received.length, 1, 'stored and announced once');
    assert.equal(batches.has(digest), true);

    // Once stored, a copy is still not verified again.
    link.handleFrame(3, frame);
    await settle(() => false);
    assert.equal(verifications, 1);
  } finally {
    await close();
  }
});

test("a validator's batches become available in the order it sent them, whichever verifies first", async () => {
  const received: { sequence: bigint; author: number }[] = [];
  // The first verification is held until released; the others finish at once, as when
  // a large batch is followed by a small one.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  const batches = await BatchStore.open(new MemoryKeyValueStore(), 'ed25519', CHAIN_ID, suite.hash);
  const fixture = await createLink({
    batches,
    pool: { verify: async (transactions) => (calls++ === 0 ? await held : undefined, fixture.pool.verify(transactions)) },
    onBatch: (ref, author) => received.push({ sequence: batches.get(ref.digest)!.batch.sequence, author }),
  });
  const { link, close } = fixture;
  try {
    link.handleFrame(1, batchFrom(1, 1).frame);
    link.handleFrame(1, batchFrom(1, 2).frame);
    link.handleFrame(2, batchFrom(2, 1).frame);
    // Validator 2's batch does not wait for validator 1's; validator 1's second, verified, waits for its first.
    await settle(() => received.length >= 1);
    assert.deepEqual(received, [{ sequence: 1n, author: 2 }], "validator 1's second batch is not announced before its first");
    release();
    await settle(() => received.length >= 3);
    assert.deepEqual(received.slice(1), [
      { sequence: 1n, author: 1 },
      { sequence: 2n, author: 1 },
    ]);
  } finally {
    await close();
  }
});

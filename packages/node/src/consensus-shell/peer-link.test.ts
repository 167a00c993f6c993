// Checks the per-validator bound on disseminated batches: a peer may have at most
// peerPendingBatchesMax batches (and peerPendingBytesMax bytes) received here and not yet
// ordered; more are refused before verification and not stored; once one of its batches
// is ordered, the next is accepted again; and a batch this node asked for by digest (to
// execute a certified block) is accepted whatever the bound.
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
import { PeerLink } from './peer-link.js';

const CHAIN_ID = 'peer-link-test';

test('a peer may have only so many batches waiting; ordered ones make room; requested ones always pass', async () => {
  const suite = getSuite('ed25519');
  const validators = [0, 1, 2, 3].map((i) => suite.generateKeyPair(suite.hash(utf8ToBytes(`validator/${i}`))));
  const signer = new NonceSigner('ed25519', CHAIN_ID, suite.generateKeyPair(suite.hash(utf8ToBytes('payer'))));
  const pool = new VerifierPool({ suite: 'ed25519', chainId: CHAIN_ID, workers: 1, transactionBytesMax: 16 * 1024 });
  try {
    const batches = new BatchStore(new MemoryKeyValueStore(), 'ed25519', CHAIN_ID, suite.hash);
    const payload = new PayloadQueue(batches);
    const received: { ref: BatchRef; author: number }[] = [];
    const logger = pino({ level: 'silent' }, new Writable({ write: (_c, _e, done) => done() }));
    const link = new PeerLink({
      transport: { send: () => true, broadcast: () => {} },
      validators: validators.map((v) => v.publicKey),
      chainId: CHAIN_ID,
      batches,
      pool,
      logger,
      frameBytesMax: 1024 * 1024,
      batchRequestDigestsMax: 16,
      onBatch: (ref, author) => {
        payload.add(ref, author);
        received.push({ ref, author });
      },
      onConsensus: () => {},
      pendingLoad: (author) => payload.loadOf(author),
      peerPendingBatchesMax: 2,
      peerPendingBytesMax: 1024 * 1024,
    });
    const batchFrom = (author: number, sequence: number) => {
      const batch = create(BatchSchema, {
        chainId: CHAIN_ID,
        author: validators[author]!.publicKey,
        sequence: BigInt(sequence),
        transactions: [signer.sign(command('setQuota', { operatorId: 'icbc', quota: BigInt(sequence) }))],
      });
      return { batch, digest: suite.hash(encode(BatchSchema, batch)), frame: encode(PeerMessageSchema, create(PeerMessageSchema, { kind: { case: 'batch', value: batch } })) };
    };
    // Verification runs on a worker thread: wait for what should arrive, then a little for what should not.
    const settle = async (count: number) => {
      for (let waited = 0; received.length < count && waited < 20_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 100));
    };

    const sent = [1, 2, 3].map((sequence) => batchFrom(1, sequence));
    for (const { frame } of sent) link.handleFrame(1, frame);
    await settle(2);
    assert.deepEqual(received.map((r) => r.author), [1, 1], 'two batches of validator 1 taken');
    assert.equal(batches.has(sent[2]!.digest), false, 'the third was refused and not stored');
    assert.deepEqual(payload.loadOf(1).batches, 2);

    // Another validator is not held back by validator 1's load.
    link.handleFrame(2, batchFrom(2, 1).frame);
    await settle(3);
    assert.deepEqual(received.map((r) => r.author), [1, 1, 2]);

    // Validator 1's first batch is ordered: its third now fits.
    payload.remove([received[0]!.ref]);
    link.handleFrame(1, sent[2]!.frame);
    await settle(4);
    assert.equal(batches.has(sent[2]!.digest), true);
    assert.equal(payload.loadOf(1).batches, 2);

    // Over the bound again, but asked for by digest: accepted, and counted to its author.
    const wanted = batchFrom(1, 4);
    link.requestBatches(3, [create(BatchRefSchema, { digest: wanted.digest, transactionCount: 1 })]);
    link.handleFrame(3, wanted.frame);
    await settle(5);
    assert.equal(batches.has(wanted.digest), true, 'a requested batch passes the bound');
    assert.equal(received.at(-1)!.author, 1, 'counted to the validator that authored it, not the one that relayed it');
  } finally {
    await pool.close();
  }
});

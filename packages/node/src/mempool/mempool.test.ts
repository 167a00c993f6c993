// Checks mempool admission and ordering against a real ledger: every refusal code,
// per-sender nonce order across interleaved senders, batch limits, and clean-up after
// commit. Transactions are signed and verified for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyTransaction, type VerifiedTransaction } from '@tongbao/protocol';
import { MemoryKeyValueStore } from '@tongbao/storage';
import { createDemoConsortium } from '../genesis/demo-consortium.js';
import { command, NonceSigner } from '../demo/signer.js';
import { Ledger } from '../ledger/ledger.js';
import { Mempool, type MempoolLimits } from './mempool.js';

const consortium = createDemoConsortium({ seed: 'mempool-test' });
const { suite, chainId } = consortium;
const LIMITS: MempoolLimits = { transactionsMax: 100, bytesMax: 1_000_000, senderTransactionsMax: 10, nonceGapMax: 5 };

async function setup(limits: MempoolLimits = LIMITS) {
  const ledger = await Ledger.open(new MemoryKeyValueStore(), consortium.genesis);
  const mempool = new Mempool(ledger.app, () => ledger.state, limits);
  const verified = (bytes: Uint8Array): VerifiedTransaction => verifyTransaction(suite, chainId, bytes);
  const signer = (i: 0 | 1) => new NonceSigner(suite, chainId, consortium.operators[i]!.keys);
  const quota = (s: NonceSigner, n: number) => verified(s.sign(command('requestIssuance', { requestId: `r${n}`, amount: 100n, reserveReference: 'RSV' })));
  return { ledger, mempool, signer, quota, verified };
}

test('transactions leave per sender in nonce order, across senders in the order they became ready', async () => {
  const { mempool, signer, quota } = await setup();
  const icbc = signer(0);
  const boc = signer(1);
  const i0 = quota(icbc, 0);
  const i1 = quota(icbc, 1);
  const b0 = quota(boc, 0);
  const i2 = quota(icbc, 2);
  // Arrive out of order: nonce 1 and 2 before 0.
  assert.deepEqual(mempool.admit(i1), { ok: true });
  assert.deepEqual(mempool.admit(i2), { ok: true });
  assert.equal(mempool.readyCount, 0, 'nothing is ready until nonce 0 arrives');
  assert.deepEqual(mempool.admit(b0), { ok: true });
  assert.deepEqual(mempool.admit(i0), { ok: true });
  const batch = mempool.takeBatch(10, 1_000_000);
  assert.deepEqual(batch.map((t) => t.nonce), [0n, 0n, 1n, 2n]);
  assert.equal(batch[0], b0);
  assert.equal(mempool.pendingNonce(icbc.keys.publicKey), 3n);
  assert.equal(mempool.takeBatch(10, 1_000_000).length, 0, 'batched transactions are not offered again');
});

test('every refusal has its code and changes nothing', async () => {
  const { mempool, signer, quota, verified } = await setup();
  const icbc = signer(0);
  const first = quota(icbc, 0);
  assert.ok(mempool.admit(first).ok);
  const sizeBefore = mempool.size;
  const code = (tx: VerifiedTransaction) => {
    const result = mempool.admit(tx);
    return result.ok ? 'OK' : result.code;
  };
  assert.equal(code(first), 'DUPLICATE_TRANSACTION');
  const other = new NonceSigner(suite, chainId, icbc.keys); // same key, restarts at nonce 0
  assert.equal(code(quota(other, 99)), 'NONCE_TAKEN');
  const far = new NonceSigner(suite, chainId, icbc.keys, 100n);
  assert.equal(code(quota(far, 1)), 'NONCE_TOO_FAR_AHEAD');
  const stranger = new NonceSigner(suite, chainId, createDemoConsortium({ seed: 'other' }).centralBank.keys);
  assert.equal(code(verified(stranger.sign(command('setQuota', { operatorId: 'icbc', quota: 1n })))), 'UNKNOWN_SENDER');
  const pboc = new NonceSigner(suite, chainId, consortium.centralBank.keys);
  assert.equal(code(verified(pboc.sign(command('requestIssuance', { requestId: 'x', amount: 1n, reserveReference: 'R' })))), 'UNAUTHORIZED');
  assert.equal(mempool.size, sizeBefore);
});

test('bounds: total count and per-sender count', async () => {
  const { mempool, signer, quota } = await setup({ ...LIMITS, transactionsMax: 3, senderTransactionsMax: 2 });
  const icbc = signer(0);
  const boc = signer(1);
  assert.ok(mempool.admit(quota(icbc, 0)).ok);
  assert.ok(mempool.admit(quota(icbc, 1)).ok);
  const third = mempool.admit(quota(icbc, 2));
  assert.equal(third.ok ? 'OK' : third.code, 'SENDER_QUEUE_FULL');
  assert.ok(mempool.admit(quota(boc, 0)).ok);
  const full = mempool.admit(quota(boc, 1));
  assert.equal(full.ok ? 'OK' : full.code, 'MEMPOOL_FULL');
});

test('after a commit, committed and stale transactions leave and nonces move on', async () => {
  const { ledger, mempool, signer, quota } = await setup();
  const icbc = signer(0);
  const txs = [quota(icbc, 0), quota(icbc, 1)];
  for (const tx of txs) assert.ok(mempool.admit(tx).ok);
  const batch = mempool.takeBatch(1, 1_000_000);
  assert.equal(batch.length, 1);
  await ledger.produceBlock(batch.map((t) => t.bytes), { timestampMs: consortium.genesis.genesisTimeMs + 1n, proposer: consortium.centralBank.keys.publicKey });
  mempool.removeCommitted(batch, ledger.state);
  assert.equal(mempool.size, 1);
  const late = mempool.admit(txs[0]!);
  assert.equal(late.ok ? 'OK' : late.code, 'NONCE_MISMATCH');
  assert.deepEqual(mempool.takeBatch(10, 1_000_000).map((t) => t.nonce), [1n]);
});

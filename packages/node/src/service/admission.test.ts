// Checks the size rule of the way in, with real signature-verification threads: a client's
// transaction above mempool.transaction_bytes_max is refused as OVERSIZED before it is
// verified, while the same transaction submitted under the protocol's limit (the node's
// own evidence, whose two proposals can outgrow a client's limit) is verified and
// admitted; above the protocol's limit it is refused even so. The pool is made as the node
// makes it, with the protocol's limit (it verifies other validators' batches too).
// And a client waiting for commitment learns when execution discards its transaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockHeaderSchema, bytesToHex, create, getSuite, signTransaction, TRANSACTION_BYTES_MAX, utf8ToBytes, type VerifiedTransaction } from '@tongbao/protocol';
import { command } from '../demo/signer.js';
import type { Mempool } from '../mempool/mempool.js';
import { VerifierPool } from '../mempool/verifier-pool.js';
import { NodeMetrics } from '../telemetry/metrics.js';
import { Admission } from './admission.js';
import { CommitEvents } from './commit-events.js';

const CHAIN_ID = 'admission-test';
const CLIENT_BYTES_MAX = 16 * 1024;

/** A signed payment whose memo makes the whole transaction about `bytes` long. */
function paymentOfAbout(bytes: number): Uint8Array {
  const suite = getSuite('ed25519');
  const keys = suite.generateKeyPair(suite.hash(utf8ToBytes('admission-test payer')));
  return signTransaction('ed25519', CHAIN_ID, keys.secretKey, {
    sender: keys.publicKey,
    nonce: 0n,
    command: command('pay', { paymentId: 'p1', fromWalletId: 'w1', toWalletId: 'w2', amount: 1n, memo: new Uint8Array(bytes - 200) }),
  });
}

test('clients are held to their limit; the node itself may submit up to the protocol limit', async () => {
  const pool = new VerifierPool({ suite: 'ed25519', chainId: CHAIN_ID, workers: 1, transactionBytesMax: TRANSACTION_BYTES_MAX });
  const admitted: VerifiedTransaction[] = [];
  // Only what this test needs of the mempool: admission takes every verified transaction.
  const mempool = { admit: (tx: VerifiedTransaction) => (admitted.push(tx), { ok: true }) } as unknown as Mempool;
  const admission = new Admission(pool, mempool, new CommitEvents(), new NodeMetrics(), { transactionBytesMax: CLIENT_BYTES_MAX }, () => {});
  const options = { wait: 'none', timeoutMs: 1_000, receipts: 'brief' } as const;
  try {
    const large = paymentOfAbout(24 * 1024);
    assert.ok(large.length > CLIENT_BYTES_MAX && large.length < TRANSACTION_BYTES_MAX);
    const [client] = await admission.submit([large], options);
    assert.equal(client!.status, 'rejected');
    assert.equal(client!.error?.code, 'OVERSIZED');
    assert.match(client!.error!.message, /exceeds the limit of 16384 bytes/);
    assert.equal(admitted.length, 0);

    const [own] = await admission.submit([large], options, TRANSACTION_BYTES_MAX);
    assert.equal(own!.status, 'accepted', JSON.stringify(own));
    assert.equal(admitted.length, 1);

    const huge = paymentOfAbout(TRANSACTION_BYTES_MAX + 1024);
    const [tooLarge] = await admission.submit([huge], options, TRANSACTION_BYTES_MAX);
    assert.equal(tooLarge!.error?.code, 'OVERSIZED');
    assert.equal(admitted.length, 1);
  } finally {
    await pool.close();
  }
});

test('a client waiting for a transaction that execution discards is told so, with the reason', async () => {
  const pool = new VerifierPool({ suite: 'ed25519', chainId: CHAIN_ID, workers: 1, transactionBytesMax: TRANSACTION_BYTES_MAX });
  const admitted: VerifiedTransaction[] = [];
  const mempool = { admit: (tx: VerifiedTransaction) => (admitted.push(tx), { ok: true }) } as unknown as Mempool;
  const events = new CommitEvents();
  const admission = new Admission(pool, mempool, events, new NodeMetrics(), { transactionBytesMax: CLIENT_BYTES_MAX }, () => {});
  try {
    const waiting = admission.submit([paymentOfAbout(300)], { wait: 'committed', timeoutMs: 10_000, receipts: 'brief' });
    while (admitted.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const header = create(BlockHeaderSchema, { height: 7n });
    const message = "nonce 0 is not this sender's next nonce 1; sign the next transaction with nonce 1";
    events.publish({ header, hash: new Uint8Array(32), transactions: [], receipts: [], discarded: [{ id: admitted[0]!.id, code: 'NONCE_MISMATCH', message }] });
    const [result] = await waiting;
    assert.deepEqual(result, { id: bytesToHex(admitted[0]!.id), status: 'rejected', error: { code: 'NONCE_MISMATCH', message } });
  } finally {
    await pool.close();
  }
});

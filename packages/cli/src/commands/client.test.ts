// Checks the `tongbao` client commands end to end against a one-validator node: the
// README's walk-through — quota, issuance request and approval, wallets from key files,
// distribution, payments, redemption — run as the real command with --json, then the
// refusals a person meets (a repeated payment id, a payment over the tier-4 limit, an
// unknown wallet) exit 1 with the stable code, and the queries (balance with its proof
// verified, supply, recorded evidence) report what the ledger holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { initNetwork, TongbaoNode } from '@tongbao/node';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });

interface Run {
  readonly status: number | null;
  readonly json: Record<string, unknown>;
  readonly stderr: string;
}

test('the client commands walk through issuance, wallets, payments and redemption, and refuse with stable codes', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tongbao-cli-test-'));
  const node = await TongbaoNode.start((await initNetwork({ dir, validators: 1, suite: 'ed25519', apiPortBase: 0 })).nodeHomes[0]!, { logDestination: quiet });
  try {
    const keys = join(dir, 'keys');
    // spawnSync would block the event loop this node answers on: run the command asynchronously.
    const tongbao = async (...args: string[]): Promise<Run> => {
      const child = spawn(process.execPath, [MAIN, ...args, '--api', node.apiUrl, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      return { status, json: stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>), stderr };
    };
    const ok = async (...args: string[]): Promise<Record<string, unknown>> => {
      const run = await tongbao(...args);
      assert.equal(run.status, 0, `tongbao ${args.join(' ')}: ${JSON.stringify(run.json)} ${run.stderr}`);
      return run.json;
    };
    for (const owner of ['alice', 'shop']) {
      const made = spawnSync(process.execPath, [MAIN, 'keygen', '--out', join(dir, `${owner}.json`)], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
    }

    await ok('set-quota', '--key', join(keys, 'pboc.json'), '--operator', 'icbc', '--amount', '1000000');
    await ok('issue', '--key', join(keys, 'icbc.json'), '--request-id', 'r1', '--amount', '500000', '--reserve', 'RSV-1');
    await ok('approve', '--key', join(keys, 'pboc.json'), '--operator', 'icbc', '--request-id', 'r1');
    await ok('open-wallet', '--key', join(keys, 'icbc.json'), '--wallet', 'alice', '--owner', join(dir, 'alice.json'), '--tier', '4', '--linked');
    await ok('open-wallet', '--key', join(keys, 'icbc.json'), '--wallet', 'shop', '--owner', join(dir, 'shop.json'), '--tier', '2', '--merchant', '--linked');
    await ok('distribute', '--key', join(keys, 'icbc.json'), '--wallet', 'alice', '--amount', '5000');
    const paid = await ok('pay', '--key', join(dir, 'alice.json'), '--from', 'alice', '--to', 'shop', '--amount', '1500', '--payment-id', 'p1');
    assert.equal(paid['status'], 'committed');
    assert.equal(paid['code'], 0);

    const again = await tongbao('pay', '--key', join(dir, 'alice.json'), '--from', 'alice', '--to', 'shop', '--amount', '1500', '--payment-id', 'p1');
    assert.equal(again.status, 1, 'a retry of a settled payment id exits 1');
    assert.equal(again.json['error'], 'PAYMENT_ID_USED', again.stderr);
    const tooMuch = await tongbao('pay', '--key', join(dir, 'alice.json'), '--from', 'alice', '--to', 'shop', '--amount', '3000', '--payment-id', 'p2');
    assert.equal(tooMuch.status, 1);
    assert.equal(tooMuch.json['error'], 'LIMIT_PER_PAYMENT');
    assert.match(String(tooMuch.json['message']), /tier-4 per-payment limit of 2,000\.00/);

    const alice = await ok('balance', '--wallet', 'alice');
    assert.equal(alice['balance'], '350000', 'alice holds 3,500.00 yuan (in fen)');
    assert.equal(alice['proofVerified'], true);
    const ghost = await tongbao('balance', '--wallet', 'ghost');
    assert.equal(ghost.status, 1);
    assert.equal(ghost.json['exists'], false);

    assert.equal((await ok('supply'))['supply'], '50000000');
    await ok('redeem', '--key', join(keys, 'icbc.json'), '--amount', '100000', '--reserve', 'RSV-2');
    assert.equal((await ok('supply'))['supply'], '40000000');
    assert.deepEqual((await ok('evidence'))['records'], []);
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

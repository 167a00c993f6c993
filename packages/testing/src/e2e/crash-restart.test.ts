// End to end, from outside: a real node process is driven only through the SDK with a
// load of payments, SIGKILLed in the middle of it and restarted. Every payment the node
// acknowledged as committed before the kill must be on the chain afterwards with the
// same outcome; payments continue after the restart; and `tongbao audit` of the stopped
// node passes (hash links, signatures, re-executed roots, conservation of money).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initNetwork } from '@tongbao/node';
import { freePortRange, NodeProcess } from '@tongbao/cli';
import {
  approveIssuanceCommand,
  createClient,
  createLocalAccount,
  distributeCommand,
  generateKeyPair,
  getTransaction,
  openWalletCommand,
  payCommand,
  requestIssuanceCommand,
  sendCommand,
  setQuotaCommand,
  TransactionRejectedError,
  type LocalAccount,
} from '@tongbao/sdk';

const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));
const WALLETS = 6;
const LOAD_BEFORE_KILL_MS = 1_500;

test('payments acknowledged before a SIGKILL survive it, the node resumes, and the audit passes', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tongbao-e2e-crash-'));
  const network = await initNetwork({ dir, validators: 1, suite: 'ed25519', apiPortBase: await freePortRange(1) });
  const node = new NodeProcess(network.nodeHomes[0]!, network.apiUrls[0]!);
  try {
    node.start();
    await node.waitUntilReady();
    const client = createClient({ url: node.api, retryCount: 0 });
    const { consortium } = network;
    const org = (keys: { secretKey: Uint8Array }) => createLocalAccount({ suite: consortium.suite, secretKey: keys.secretKey });
    const pboc = org(consortium.centralBank.keys);
    const icbc = org(consortium.operators[0]!.keys);
    const ok = async (account: LocalAccount, command: Parameters<typeof sendCommand>[1]['command']) => {
      const result = await sendCommand(client, { account, command });
      assert.equal(result.status, 'committed');
      assert.equal(result.receipt?.code ?? 0, 0, `${result.receipt?.error}: ${result.receipt?.message}`);
    };
    await ok(pboc, setQuotaCommand({ operatorId: 'icbc', quota: 10_000_000n }));
    await ok(icbc, requestIssuanceCommand({ requestId: 'r1', amount: 10_000_000n, reserveReference: 'RSV' }));
    await ok(pboc, approveIssuanceCommand({ operatorId: 'icbc', requestId: 'r1' }));
    const owners: LocalAccount[] = [];
    const ownerSecrets: Uint8Array[] = [];
    for (let i = 0; i < WALLETS; i++) {
      const keys = generateKeyPair(consortium.suite);
      ownerSecrets.push(keys.secretKey);
      owners.push(createLocalAccount({ suite: consortium.suite, secretKey: keys.secretKey }));
      await ok(icbc, openWalletCommand({ walletId: `w${i}`, ownerPublicKey: keys.publicKey, tier: 1 }));
      await ok(icbc, distributeCommand({ walletId: `w${i}`, amount: 1_000_000n }));
    }

    // The load: each wallet pays the next, one payment at a time per wallet, waiting for the commit.
    const acknowledged = new Map<string, number>(); // transaction id → receipt code
    let killed = false;
    let sequence = 0;
    const payer = async (i: number): Promise<void> => {
      while (!killed) {
        try {
          const result = await sendCommand(client, {
            account: owners[i]!,
            command: payCommand({ paymentId: `p${sequence++}`, fromWalletId: `w${i}`, toWalletId: `w${(i + 1) % WALLETS}`, amount: 1n }),
            timeoutMs: 10_000,
          });
          if (result.status === 'committed') acknowledged.set(result.id, result.receipt?.code ?? 0);
        } catch {
          return; // the node is gone: stop this payer
        }
      }
    };
    const load = Promise.all(owners.map((_, i) => payer(i)));
    await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_KILL_MS));
    await node.stop('SIGKILL');
    killed = true;
    await load;
    assert.ok(acknowledged.size > 0, 'some payments were acknowledged before the kill');

    node.start();
    await node.waitUntilReady();
    for (const [id, code] of acknowledged) {
      const found = await getTransaction(client, { id });
      assert.equal(found.status, 'committed', `acknowledged transaction ${id} is on the chain after the restart`);
      assert.equal(found.receipt?.code ?? 0, code);
    }
    // Payments continue after the restart. A payment sent before the kill but never
    // acknowledged may still commit after the restart and take the nonce a fresh account
    // just read; a client then re-reads the nonce and signs again, as here.
    let resumed = false;
    for (let attempt = 0; attempt < 5 && !resumed; attempt++) {
      const again = createLocalAccount({ suite: consortium.suite, secretKey: ownerSecrets[0]! });
      try {
        const result = await sendCommand(client, { account: again, command: payCommand({ paymentId: `after-restart-${attempt}`, fromWalletId: 'w0', toWalletId: 'w1', amount: 5n }) });
        assert.equal(result.status, 'committed');
        resumed = (result.receipt?.code ?? 0) === 0;
        if (!resumed) assert.equal(result.receipt?.error, 'NONCE_MISMATCH', `${result.receipt?.error}: ${result.receipt?.message}`);
      } catch (error) {
        // Refused at admission for the same reason (the nonce was taken meanwhile).
        if (!(error instanceof TransactionRejectedError) || error.code !== 'NONCE_MISMATCH') throw error;
      }
    }
    assert.ok(resumed, 'a payment commits after the restart');
    await node.stop('SIGTERM');

    const audit = JSON.parse(execFileSync(process.execPath, [CLI, 'audit', '--home', network.nodeHomes[0]!, '--json'], { encoding: 'utf8' })) as { ok: boolean; transactions: number };
    assert.equal(audit.ok, true);
    assert.ok(audit.transactions >= acknowledged.size + 3 + 2 * WALLETS);
  } finally {
    await node.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

// End to end with four validators as separate processes over real TLS sockets, checked
// only from outside through the SDK and the API: under a load of payments, one validator
// at a time is SIGKILLed and restarted, or SIGSTOPped and resumed. Payments keep
// committing while three of four run; every payment acknowledged as committed is on
// every node at the end; all nodes hold the same chain; `tongbao audit` passes on each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTransaction } from '@tongbao/sdk';
import { LocalNetwork } from './local-network.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// With one validator of four down, the round it leads and the one before it (whose votes
// go to it) time out: about one commit per rotation, slower still on a loaded machine.
// Each fault therefore waits up to this long for new payments to be acknowledged.
const FAULT_WINDOW_MS = 30_000;

test('four validators keep committing through kills and pauses of any one; nothing acknowledged is lost', { timeout: 240_000 }, async () => {
  const network = await LocalNetwork.create(4);
  try {
    await network.startAll();
    const secrets = await network.fundWallets(6);
    const load = network.startLoad(secrets);
    await sleep(2_000);

    /** Payments newly acknowledged, waiting until there are some or `ms` passed. */
    const committedDuring = async (ms: number): Promise<number> => {
      const before = load.acknowledged.size;
      const deadline = Date.now() + ms;
      while (load.acknowledged.size - before < 3 && Date.now() < deadline) await sleep(250);
      return load.acknowledged.size - before;
    };
    /** Waits until every running node has caught up with the highest one. */
    const settle = async (): Promise<void> => {
      const running = network.nodes.map((node, i) => (node.running ? i : -1)).filter((i) => i >= 0);
      const heights = await Promise.all(running.map((i) => network.status(i)));
      await network.waitForHeight(heights.reduce((max, s) => (s.height > max ? s.height : max), 0n), 60_000);
    };

    // Kill validators 1, then 3, one at a time; each time the other three carry on.
    for (const victim of [1, 3]) {
      await network.nodes[victim]!.stop('SIGKILL');
      assert.ok((await committedDuring(FAULT_WINDOW_MS)) > 0, `payments commit while validator ${victim} is down`);
      network.nodes[victim]!.start();
      await network.nodes[victim]!.waitUntilReady();
      await settle();
    }
    // Pause validator 2 (a hung process, not a crash), then resume it.
    network.nodes[2]!.pause();
    assert.ok((await committedDuring(FAULT_WINDOW_MS)) > 0, 'payments commit while validator 2 is paused');
    network.nodes[2]!.resume();
    await settle();
    // Kill validator 0 too (it was the setup's entry point and leads every fourth round).
    await network.nodes[0]!.stop('SIGKILL');
    assert.ok((await committedDuring(FAULT_WINDOW_MS)) > 0, 'payments commit while validator 0 is down');
    network.nodes[0]!.start();
    await network.nodes[0]!.waitUntilReady();
    await sleep(1_000);
    await load.stop();

    // Every node converges on one chain.
    const heights = await Promise.all(network.nodes.map((_, i) => network.status(i)));
    const top = heights.reduce((max, s) => (s.height > max ? s.height : max), 0n);
    await network.waitForHeight(top, 60_000);
    const hashes = await Promise.all(network.nodes.map((_, i) => network.blockHash(i, top)));
    assert.equal(new Set(hashes).size, 1, `all nodes hold the same block at height ${top}: ${hashes.join(' ')}`);

    // Nothing acknowledged is lost, on any node.
    assert.ok(load.acknowledged.size > 0);
    for (const [i] of network.nodes.entries()) {
      const client = network.client(i);
      for (const [id, code] of load.acknowledged) {
        const found = await getTransaction(client, { id });
        assert.equal(found.status, 'committed', `node ${i} has acknowledged transaction ${id}`);
        assert.equal(found.receipt?.code ?? 0, code);
      }
    }
    for (const node of network.nodes) await node.stop('SIGTERM');
    for (const [i] of network.nodes.entries()) {
      const audit = network.audit(i);
      assert.equal(audit.ok, true, `audit of node ${i}: ${audit.code}: ${audit.message}`);
    }
  } finally {
    await network.close();
  }
});

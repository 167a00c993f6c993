// End to end, a validator that is new to a running chain: three of four validators
// start, commit a load of payments for a while, and only then is the fourth started, with
// an empty data folder. It must fetch every block it lacks (with its commit certificate,
// verified) and the batches those blocks order, execute them, and rejoin consensus — shown
// by stopping another validator afterwards, when no quorum exists without the newcomer.
// Checked from outside: it reaches the others' height, it holds every payment
// acknowledged before it started, all nodes end on one chain, and its audit passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTransaction } from '@tongbao/sdk';
import { LocalNetwork } from './local-network.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a validator started late with no data catches up from its peers and then carries a quorum', { timeout: 240_000 }, async () => {
  const network = await LocalNetwork.create(4);
  try {
    const [first, second, third, newcomer] = network.nodes as [typeof network.nodes[0], typeof network.nodes[0], typeof network.nodes[0], typeof network.nodes[0]];
    for (const node of [first, second, third]) node.start();
    await Promise.all([first, second, third].map((node) => node.waitUntilReady()));
    const secrets = await network.fundWallets(4);
    const load = network.startLoad(secrets);
    await network.waitForHeight(40n, 90_000);
    const acknowledgedBefore = [...load.acknowledged];
    assert.ok(acknowledgedBefore.length > 0, 'payments committed before the newcomer started');

    newcomer.start();
    await newcomer.waitUntilReady();
    const top = (await network.status(0)).height;
    await network.waitForHeight(top, 90_000); // every running node, the newcomer included
    const newcomerClient = network.client(3);
    for (const [id, code] of acknowledgedBefore) {
      const found = await getTransaction(newcomerClient, { id });
      assert.equal(found.status, 'committed', `the newcomer has payment ${id}, acknowledged before it started`);
      assert.equal(found.receipt?.code ?? 0, code);
    }

    // Without validator 0, validators 1, 2 and the newcomer are exactly a quorum: payments
    // commit only if the newcomer votes.
    await first.stop('SIGKILL');
    const before = load.acknowledged.size;
    const deadline = Date.now() + 30_000;
    while (load.acknowledged.size - before < 3 && Date.now() < deadline) await sleep(250);
    assert.ok(load.acknowledged.size - before >= 3, 'payments commit with the newcomer as the third of a quorum of three');
    first.start();
    await first.waitUntilReady();
    await load.stop();

    const heights = await Promise.all(network.nodes.map((_, i) => network.status(i)));
    const end = heights.reduce((max, s) => (s.height > max ? s.height : max), 0n);
    await network.waitForHeight(end, 60_000);
    const hashes = await Promise.all(network.nodes.map((_, i) => network.blockHash(i, end)));
    assert.equal(new Set(hashes).size, 1, `all nodes hold the same block at height ${end}`);
    for (const [id] of load.acknowledged) assert.equal((await getTransaction(newcomerClient, { id })).status, 'committed', `the newcomer has payment ${id}`);

    await newcomer.stop('SIGTERM');
    const audit = network.audit(3);
    assert.equal(audit.ok, true, `audit of the newcomer: ${audit.code}: ${audit.message}`);
  } finally {
    await network.close();
  }
});

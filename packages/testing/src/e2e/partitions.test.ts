// End to end, partitions between real processes: an isolated validator (a minority of
// one) commits nothing while the other three go on; a 2–2 split halts everyone; healing
// resumes progress and every node converges on one chain. Run twice where the machine
// allows it, because the two ways of cutting a link fail differently:
// - proxies: every link runs through a fault-injecting TCP proxy that stops forwarding;
// - netns: every node runs in its own network namespace on a bridge, and a cut is a
//   blackhole route in the kernel — packets vanish and TCP retransmits into silence.
// Network namespaces need Linux and root; elsewhere only the proxy run exists, and the
// reason is printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalNetwork, type LinkMode } from './local-network.js';
import { NetnsLab } from './netns-lab.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function partitionScenario(links: LinkMode): Promise<void> {
  const network = await LocalNetwork.create(4, { links });
  try {
    await network.startAll();
    await network.waitForHeight(3n, 30_000);

    // Isolate validator 3.
    network.setLinks([3], [0, 1, 2], false);
    await sleep(1_500); // whatever was in flight settles
    const isolatedBefore = (await network.status(3)).height;
    const majorityBefore = (await network.status(0)).height;
    await sleep(10_000);
    assert.equal((await network.status(3)).height, isolatedBefore, 'the isolated validator commits nothing');
    assert.ok((await network.status(0)).height > majorityBefore, 'the other three keep committing');
    network.setLinks([3], [0, 1, 2], true);
    const majorityTop = (await network.status(0)).height;
    await network.waitForHeight(majorityTop, 30_000);

    // Split 2–2: nobody has a quorum.
    network.setLinks([0, 1], [2, 3], false);
    await sleep(2_000);
    const frozen = await Promise.all(network.nodes.map((_, i) => network.status(i)));
    await sleep(6_000);
    const after = await Promise.all(network.nodes.map((_, i) => network.status(i)));
    assert.deepEqual(
      after.map((s) => s.height),
      frozen.map((s) => s.height),
      'no side of a 2–2 split commits',
    );

    // Heal: progress resumes and everyone converges.
    network.setLinks([0, 1], [2, 3], true);
    const target = after.reduce((max, s) => (s.height > max ? s.height : max), 0n) + 3n;
    await network.waitForHeight(target, 60_000);
    const hashes = await Promise.all(network.nodes.map((_, i) => network.blockHash(i, target)));
    assert.equal(new Set(hashes).size, 1, 'one chain after healing');
  } finally {
    await network.close();
  }
}

test('links cut by TCP proxies: a minority commits nothing, a 2–2 split halts, healing resumes', { timeout: 180_000 }, () => partitionScenario('proxies'));

const netnsUnavailable = NetnsLab.unavailableReason();
if (netnsUnavailable === undefined) {
  test('links cut in the kernel between network namespaces: a minority commits nothing, a 2–2 split halts, healing resumes', { timeout: 180_000 }, () =>
    partitionScenario('netns'));
} else {
  console.log(`# partitions between network namespaces not run on this machine: ${netnsUnavailable}`);
}

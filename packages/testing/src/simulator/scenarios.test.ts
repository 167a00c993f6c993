// Named scenarios on the simulator harness, one per fault, each over a handful of seeds
// with that fault alone (and always the safety, prefix, restart and progress checks):
// a lone validator, a clean network, lossy/duplicating links, partitions that heal,
// crashes mid-effect-list, and each Byzantine behaviour at full strength (f faulty).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faultTolerance } from '@tongbao/consensus';
import { randomOptions, Simulation, type ByzantineBehaviour, type SimulationOptions, type SimulationResult } from './simulation.js';

const QUIET: Partial<SimulationOptions> = { byzantine: new Map(), dropRate: 0, duplicateRate: 0, partitionEveryMs: 0, crashEveryMs: 0, chaosMs: 2_000 };

function scenario(seeds: readonly number[], n: number, overrides: Partial<SimulationOptions>): SimulationResult[] {
  return seeds.map((seed) => new Simulation(randomOptions(seed, n, n, { ...QUIET, ...overrides })).run());
}

function faulty(n: number, behaviour: ByzantineBehaviour): Map<number, ByzantineBehaviour> {
  // The last f validators, so some are leaders early.
  const f = faultTolerance(n);
  return new Map([...Array(f).keys()].map((i) => [n - 1 - i, behaviour] as const));
}

test('a lone validator commits with a one-block lag, through its only path', () => {
  for (const result of scenario([1, 2, 3], 1, {})) {
    assert.ok(result.committedHeights[0]! > 10, `committed ${result.committedHeights[0]}`);
    assert.ok(result.committedBatches > 0);
  }
});

test('a lone validator survives crashes mid-effect-list', () => {
  for (const result of scenario([4, 5, 6, 7], 1, { crashEveryMs: 300, chaosMs: 3_000 })) assert.ok(result.crashes > 0);
});

test('a clean network of 4, 7 and 10 commits every batch quickly', () => {
  for (const n of [4, 7, 10]) {
    for (const result of scenario([11, 12], n, {})) {
      assert.ok(Math.min(...result.committedHeights) > 5);
      assert.equal(result.evidenceCount, 0);
    }
  }
});

test('lossy, duplicating, reordering links', () => {
  scenario([21, 22, 23, 24], 4, { dropRate: 0.3, duplicateRate: 0.2, delayMaxMs: 80 });
  scenario([25, 26], 7, { dropRate: 0.2, duplicateRate: 0.2, delayMaxMs: 80 });
});

test('partitions that heal', () => {
  scenario([31, 32, 33, 34], 4, { partitionEveryMs: 400, chaosMs: 4_000 });
  scenario([35, 36], 7, { partitionEveryMs: 400, chaosMs: 4_000 });
});

test('crashes at arbitrary points and restarts from persisted state', () => {
  for (const result of scenario([41, 42, 43, 44, 45, 46], 4, { crashEveryMs: 200, chaosMs: 4_000 })) assert.ok(result.crashes > 0);
});

// An equivocating leader sends each honest node one of its two proposals; without gossip
// of proposals no node sees both, so that case is checked for safety, not for evidence.
test('Byzantine: an equivocating leader is survived', () => {
  for (const n of [4, 7]) scenario([51, 52, 53], n, { byzantine: faulty(n, 'equivocate') });
});

for (const behaviour of ['doubleVote', 'twin'] as const) {
  test(`Byzantine: ${behaviour} is survived and reported as evidence`, () => {
    for (const n of [4, 7]) {
      const results = scenario([51, 52, 53], n, { byzantine: faulty(n, behaviour) });
      assert.ok(results.some((r) => r.evidenceCount > 0), 'conflicting signatures were detected');
    }
  });
}

for (const behaviour of ['badSignatures', 'withholdVotes', 'forgeCertificates'] as const) {
  test(`Byzantine: ${behaviour} is survived`, () => {
    for (const n of [4, 7, 10]) scenario([61, 62], n, { byzantine: faulty(n, behaviour) });
  });
}

test('everything at once: f Byzantine, drops, partitions, crashes', () => {
  scenario([71, 72, 73], 7, { byzantine: faulty(7, 'twin'), dropRate: 0.1, partitionEveryMs: 500, crashEveryMs: 500, chaosMs: 3_000, wireEncoding: true });
});

// Found by a sweep (seed 103638, before leaders stopped proposing a block after every
// commit): a validator restarted 37 blocks behind, with sync responses of 20 blocks,
// asked from its root again and again — the same first 20 blocks — and every message
// from any of the 9 others sent another request, a storm that froze the simulated clock.
// Catch-up must continue after what it already linked, once per round. Pinned now with
// sync responses of 4 blocks and a seed whose restarted validator lacks 23.
test('a validator further behind than one sync response catches up', () => {
  const syncBlocksMax = 4;
  const result = new Simulation(randomOptions(103706, 10, 10, { syncBlocksMax })).run();
  assert.ok(result.restartGapMax > 4 * syncBlocksMax, `a restarted validator lacked ${result.restartGapMax} blocks, several responses' worth`);
  assert.equal(result.committedHeights.length, 10);
  const heights = result.committedHeights;
  assert.ok(Math.min(...heights) === Math.max(...heights), `heights ${heights.join(',')}`);
});

// Found by the same sweep after the fix above: a sync response had linked a certified
// block of a branch that never committed; asking after it, the validator got blocks
// whose parent it could never have, and stayed at height 62 while the others reached
// 443. A response that links nothing after the tip sends catch-up back to the root.
test('catch-up that followed a branch the chain left starts over from the root (seed 100824)', () => {
  const result = new Simulation(randomOptions(100824, 4, 10)).run();
  const heights = result.committedHeights;
  assert.ok(Math.min(...heights) >= Math.max(...heights) - 5, `heights ${heights.join(',')}`);
});

test('a run is a function of its seed', () => {
  const a = new Simulation(randomOptions(81, 4, 10)).run();
  const b = new Simulation(randomOptions(81, 4, 10)).run();
  assert.deepEqual(a, b);
});

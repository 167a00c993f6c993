// Explores 500 seeds of the whole-network simulator with 4 to 10 validators, with the
// same faults and checks as seeds-small.test.ts (a disjoint seed range). A failure names
// its seed; replay it with run.js --seed N --validators 4..10.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSeed, SimulationFailure } from './simulation.js';

const FIRST_SEED = 100_001;
const SEEDS = 500;

test(`${SEEDS} seeds with 4..10 validators keep safety and make progress after healing`, () => {
  const failures: string[] = [];
  for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
    try {
      runSeed(seed, 4, 10);
    } catch (error) {
      if (!(error instanceof SimulationFailure)) throw error;
      failures.push(error.message);
    }
  }
  assert.deepEqual(failures, []);
});

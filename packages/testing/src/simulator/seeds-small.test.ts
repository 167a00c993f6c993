// Explores 1,000 seeds of the whole-network simulator with 4 or 5 validators: random
// drops, delays, duplicates, partitions, crashes cut mid-effect-list with restarts from
// persisted state, and up to f Byzantine validators of every kind. Each run checks
// agreement at every height, prefixes, commit certificates, restart integrity and
// progress after healing; a failure names its seed (replay: run.js --seed N).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSeed, SimulationFailure } from './simulation.js';

const SEEDS = 1_000;

test(`${SEEDS} seeds with 4..5 validators keep safety and make progress after healing`, () => {
  const failures: string[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    try {
      runSeed(seed, 4, 5);
    } catch (error) {
      if (!(error instanceof SimulationFailure)) throw error;
      failures.push(error.message);
    }
  }
  assert.deepEqual(failures, []);
});

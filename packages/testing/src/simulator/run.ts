#!/usr/bin/env node
/**
 * Explores or replays seeds of the consensus simulator.
 *
 *   node packages/testing/dist/simulator/run.js --seeds 10000 --validators 4..10 [--from 1]
 *   node packages/testing/dist/simulator/run.js --seed 1234            (replay one seed)
 *
 * Prints progress every 100 seeds and a summary; a failure prints its seed and the check
 * it broke, and the exit status is non-zero.
 */
import { randomOptions, Simulation, SimulationFailure } from './simulation.js';

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const single = argument('seed');
const from = Number(argument('from') ?? (single ?? 1));
const count = single !== undefined ? 1 : Number(argument('seeds') ?? 100);
const [minText, maxText] = (argument('validators') ?? '4..10').split('..');
const validatorsMin = Number(minText);
const validatorsMax = Number(maxText ?? minText);

const started = Date.now();
const failures: string[] = [];
let committed = 0;
let evidence = 0;
let crashes = 0;
for (let seed = from; seed < from + count; seed++) {
  const options = randomOptions(seed, validatorsMin, validatorsMax);
  try {
    const result = new Simulation(options).run();
    committed += Math.max(...result.committedHeights);
    evidence += result.evidenceCount;
    crashes += result.crashes;
    if (single !== undefined) console.log(JSON.stringify({ ...result, byzantine: [...options.byzantine] }));
  } catch (error) {
    if (!(error instanceof SimulationFailure)) throw error;
    failures.push(`${error.message}  [n=${options.validators}, byzantine=${JSON.stringify([...options.byzantine])}]`);
    console.log(`FAIL ${error.message}`);
  }
  const done = seed - from + 1;
  if (done % 100 === 0) console.log(`${done}/${count} seeds, ${failures.length} failed, ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
console.log(
  `summary: ${count} seeds from ${from}, validators ${validatorsMin}..${validatorsMax}: ${count - failures.length} passed, ${failures.length} failed; ` +
    `${committed} blocks committed (max per run, summed), ${evidence} evidence, ${crashes} crashes, ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
for (const failure of failures) console.log(failure);
process.exitCode = failures.length === 0 ? 0 : 1;

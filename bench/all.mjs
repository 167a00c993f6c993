#!/usr/bin/env node
// `npm run bench`: every single-process benchmark in sequence, each printing its own table.
// Pass-through flags go to ledger-core (e.g. `npm run bench -- --payments 50000`).
import { spawnSync } from 'node:child_process';

const here = new URL('.', import.meta.url).pathname;
for (const [script, args] of [
  ['verify.mjs', []],
  ['state-tree.mjs', []],
  ['ledger-core.mjs', process.argv.slice(2)],
]) {
  process.stderr.write(`\n== ${script} ==\n`);
  const { status } = spawnSync(process.execPath, [here + script, ...args], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}

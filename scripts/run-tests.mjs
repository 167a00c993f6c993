#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/**/*.test.js) with node's test runner.
// Usage: node scripts/run-tests.mjs [substring ...]   — only files whose path contains one.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith('.test.js')) yield path;
  }
}

const files = [];
for (const pkg of readdirSync(join(root, 'packages')).sort()) {
  const dist = join(root, 'packages', pkg, 'dist');
  if (existsSync(dist)) files.push(...walk(dist));
}
const selected = files.sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (selected.length === 0) {
  console.error('no test files found; run `npm run build` first');
  process.exit(1);
}
// End-to-end tests start real node processes and time real faults: they run after the
// others, one file at a time, so that parallel unit tests do not starve them of CPU.
const isEndToEnd = (file) => file.includes('/dist/e2e/');
const phases = [
  { files: selected.filter((f) => !isEndToEnd(f)), concurrency: Math.max(2, availableParallelism()) },
  { files: selected.filter(isEndToEnd), concurrency: 1 },
];
let status = 0;
for (const phase of phases) {
  if (phase.files.length === 0) continue;
  const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${phase.concurrency}`, '--test-timeout=600000', ...phase.files], {
    stdio: 'inherit',
    cwd: root,
  });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);

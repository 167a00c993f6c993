// Checks `tongbao bench` as a person runs it, on the smallest network that shows its
// parts: two validators, a few hundred payments in small requests, --json. Every payment
// commits; the first --warmup committed are left out of the timed window, so the figures
// count only the rest; at an offered rate the window counts the payments sent in it, so
// the throughput it reports cannot exceed the rate offered (a warm-up backlog drained in
// the window once made it); and a warm-up that would leave nothing to time is refused
// before any network starts. With --spread each wallet pays through its own validator.
// And that the driver's result is read from its last line, whatever Node printed before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { driveResultFrom } from './bench-drive.js';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

async function bench(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, 'bench', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { status, stdout, stderr };
}

test('bench times only the payments committed after the warm-up; --spread sends each wallet to its own validator', { timeout: 180_000 }, async () => {
  const run = await bench('--validators', '2', '--wallets', '20', '--payments', '600', '--chunk', '50', '--inflight', '2', '--warmup', '200', '--spread', '--json');
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout) as Record<string, unknown>;
  assert.equal(result['failed'], 0);
  assert.equal(result['payments'], 600);
  // Wallet i pays through validator i mod 2: half of the payments each.
  assert.deepEqual(result['committedByEntryPoint'], [300, 300]);
  // The window opens at the first reply that brings the count to 200: a request of 50 may overshoot it.
  const warmup = result['warmup'] as number;
  assert.ok(warmup >= 200 && warmup < 250, `warm-up ${warmup}`);
  assert.equal(result['committed'], 600 - warmup);
  assert.ok((result['blocks'] as number) > 0);
  assert.ok((result['elapsedMs'] as number) > 0);
  // The rate is of the timed window (elapsedMs is rounded to the millisecond, hence the tolerance).
  const rate = ((result['committed'] as number) / (result['elapsedMs'] as number)) * 1000;
  assert.ok(Math.abs((result['committedPerSecond'] as number) - rate) <= 0.01 * rate, `${result['committedPerSecond']} vs ${rate}`);
  const latency = result['latencyMs'] as Record<string, number>;
  assert.ok(latency['p50']! > 0 && latency['p50']! <= latency['p99']! && latency['p99']! <= latency['max']!);
  assert.ok(run.stderr.includes('[driver] timed phase starts'));
  // The driver's own CPU over the window: sending and reading answers is never free.
  const driverCpu = result['driverCpuPerPaymentUs'] as number;
  assert.ok(Number.isInteger(driverCpu) && driverCpu > 0, `driver CPU ${driverCpu} µs per payment`);
});

test('bench at an offered rate reports no more than the rate it offered', { timeout: 180_000 }, async () => {
  const run = await bench('--validators', '2', '--wallets', '20', '--payments', '1200', '--rate', '300', '--warmup', '300', '--json');
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout) as Record<string, unknown>;
  assert.equal(result['failed'], 0);
  const committed = result['committed'] as number;
  assert.ok(committed > 0 && committed <= 1200 - (result['warmup'] as number), `${committed} committed in the window`);
  // One tick's worth over the rate at most: the driver sends what is due every 50 ms.
  assert.ok((result['committedPerSecond'] as number) <= 300 * 1.1, `${result['committedPerSecond']}/s at 300 offered`);
  assert.deepEqual(result['committedByEntryPoint'], [1200], 'without --spread, all through the first validator');
  // p99 for each tenth of the sending time: ten figures, none above the window's longest
  // wait, and at an offered rate payments leave in every tenth.
  const latency = result['latencyMs'] as Record<string, number>;
  const byTenth = result['p99ByTenthMs'] as number[];
  assert.equal(byTenth.length, 10);
  for (const p99 of byTenth) assert.ok(p99 > 0 && p99 <= latency['max']!, `tenths ${byTenth.join()} within max ${latency['max']}`);
});

test('bench refuses a warm-up as long as the run', { timeout: 30_000 }, async () => {
  const run = await bench('--payments', '100', '--warmup', '100');
  assert.equal(run.status, 2);
  assert.match(run.stderr, /--warmup \(100\) must be below --payments \(100\)/);
});

test("the driver's result is its output's last line, whatever lines Node's flags printed before", () => {
  const result = { committed: 3 };
  const output = `[1:0x1]       84 ms: Scavenge 4.1 (4.2) -> 3.5 (5.2) MB, 1.52 / 0.00 ms  allocation failure;\n${JSON.stringify(result)}\n`;
  assert.deepEqual(driveResultFrom(output), result);
  assert.throws(() => driveResultFrom('\n'), /printed no result/);
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initNetwork, loadNodeHome } from '@tongbao/node';
import { getSuite, type SignatureCheck, type SuiteName } from '@tongbao/protocol';
import { extraNodeFlags, freePortRange, nodeProcesses } from '../network-process.js';
import { driveResultFrom, TIMED_PHASE_MARKER } from './bench-drive.js';
import { readProcessCpu, type ProcessCpu } from '../process-cpu.js';
import { readGcPauseMs } from '../node-gc.js';

export interface BenchOptions {
  readonly validators: number;
  readonly crypto: SuiteName;
  readonly wallets: number;
  readonly payments: number;
  readonly chunk: number;
  readonly inflight: number;
  /** Offered payments per second, or 0 for as fast as possible. */
  readonly rate: number;
  /** Payments committed before the timed window opens; default a fifth of `payments`. */
  readonly warmup?: number;
  /** The nodes' block.interval_min_ms (least time between blocks with transactions); default the config's. */
  readonly blockInterval?: number;
  /** The nodes' block.interval_transaction_rate_min (the interval applies at this load or more); default the config's. */
  readonly blockIntervalRate?: number;
  readonly json?: boolean;
  /** Keep the network's directory (homes, node logs) instead of removing it. */
  readonly keep?: boolean;
  /** Send each wallet's payments to its own validator rather than all to the first. */
  readonly spread?: boolean;
}

/** Without --warmup, the first payments / WARMUP_SHARE_DEFAULT committed are not timed. */
const WARMUP_SHARE_DEFAULT = 5;

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

/**
 * Keys and signatures for the verification figures: more keys than the Ed25519 addon
 * keeps prepared (4,096 per thread), taken in turn, so every figure is for a key not seen
 * lately — the machine's rate, not the cache's.
 */
const VERIFY_SAMPLE_KEYS = 8192;

function verifySample(suiteName: SuiteName): SignatureCheck[] {
  const suite = getSuite(suiteName);
  return Array.from({ length: VERIFY_SAMPLE_KEYS }, (_, i) => {
    const seed = new Uint8Array(32);
    new DataView(seed.buffer).setUint32(0, i + 1);
    const keys = suite.generateKeyPair(seed);
    const message = new Uint8Array(200).fill(i & 0xff);
    return { publicKey: keys.publicKey, message, signature: suite.sign(keys.secretKey, message) };
  });
}

/**
 * Single-core signature verifications per second for the suite, one at a time: the best
 * of five trials of 300 ms. On a shared machine one trial can lose a third of its time to
 * other work; the machine's limit is what it does when it gets the core, so the best
 * trial is taken.
 */
function measureVerifyRate(suiteName: SuiteName, sample: readonly SignatureCheck[]): number {
  const suite = getSuite(suiteName);
  let next = 0;
  return bestRate(64, () => {
    for (let i = 0; i < 64; i++, next = (next + 1) % sample.length) {
      const check = sample[next]!;
      suite.verify(check.publicKey, check.message, check.signature);
    }
  });
}

/**
 * The same, checking signatures the way the mempool does: 64 at a time (Suite.verifyMany;
 * Ed25519's batch equation). Printed beside the limit, which stays the one-at-a-time rate
 * the issue's figure is stated in.
 */
function measureBatchVerifyRate(suiteName: SuiteName, sample: readonly SignatureCheck[]): number {
  const suite = getSuite(suiteName);
  let next = 0;
  return bestRate(64, () => {
    suite.verifyMany(sample.slice(next, next + 64));
    next = (next + 64) % sample.length;
  });
}

/** Operations a second of `round` (which does `perRound` of them): the best of five 300 ms trials, after a warm-up. */
function bestRate(perRound: number, round: () => void): number {
  for (let i = 0; i < 3; i++) round();
  let best = 0;
  for (let trial = 0; trial < 5; trial++) {
    let count = 0;
    const started = performance.now();
    while (performance.now() - started < 300) {
      round();
      count += perRound;
    }
    best = Math.max(best, Math.round((count / (performance.now() - started)) * 1000));
  }
  return best;
}

/**
 * A counter of milliseconds read from each validator at the start and the end of the
 * timed phase, as microseconds per committed payment (mean over the validators);
 * undefined if any reading is missing.
 */
function perPaymentUs<T>(start: readonly (T | undefined)[] | undefined, end: readonly (T | undefined)[], committed: number, ms: (reading: T) => number): number | undefined {
  if (start === undefined || committed === 0) return undefined;
  let total = 0;
  for (let i = 0; i < end.length; i++) {
    const before = start[i];
    const after = end[i];
    if (before === undefined || after === undefined) return undefined;
    total += ms(after) - ms(before);
  }
  return Math.round((total * 1000) / end.length / committed);
}

/**
 * CPU each validator spent per committed payment over the timed phase: a figure much
 * steadier than throughput on a shared machine, to compare changes by. Undefined without /proc.
 */
function cpuPerPayment(start: readonly (ProcessCpu | undefined)[] | undefined, end: readonly (ProcessCpu | undefined)[], committed: number): { allThreads: number; mainThread: number } | undefined {
  const allThreads = perPaymentUs(start, end, committed, (cpu) => cpu.totalMs);
  const mainThread = perPaymentUs(start, end, committed, (cpu) => cpu.mainThreadMs);
  return allThreads === undefined || mainThread === undefined ? undefined : { allThreads, mainThread };
}

/**
 * `tongbao bench`: starts a network of real node processes, drives it from a separate
 * process with pre-signed payments, and prints committed payments per second, latency
 * percentiles (submit → committed), and the ratio of throughput to this machine's
 * signature-verification limit measured in the same run.
 */
export async function benchCommand(options: BenchOptions): Promise<number> {
  const warmup = options.warmup ?? Math.floor(options.payments / WARMUP_SHARE_DEFAULT);
  if (warmup >= options.payments) {
    process.stderr.write(`tongbao bench: --warmup (${warmup}) must be below --payments (${options.payments}): the timed window would be empty\n`);
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tongbao-bench-'));
  // One range for both, so the API ports and the peer ports cannot overlap.
  const portBase = await freePortRange(2 * options.validators);
  const network = await initNetwork({
    dir,
    validators: options.validators,
    suite: options.crypto,
    apiPortBase: portBase,
    p2pPortBase: portBase + options.validators,
    blockSpacing: { intervalMinMs: options.blockInterval, intervalTransactionRateMin: options.blockIntervalRate },
  });
  const spacing = loadNodeHome(network.nodeHomes[0]!).config.block;
  const nodes = nodeProcesses({ chainId: network.consortium.chainId, suite: network.consortium.suite, nodes: network.nodeHomes.map((home, i) => ({ home, api: network.apiUrls[i]! })) });
  try {
    process.stderr.write(`[bench] measuring ${options.crypto} verifications per second on one core…\n`);
    const sample = verifySample(options.crypto);
    const verifyPerCore = measureVerifyRate(options.crypto, sample);
    const batchVerifyPerCore = measureBatchVerifyRate(options.crypto, sample);
    const cores = availableParallelism();
    process.stderr.write(`[bench] starting ${options.validators} validator(s)…\n`);
    for (const node of nodes) node.start();
    await Promise.all(nodes.map((node) => node.waitUntilReady()));
    const driver = spawn(
      process.execPath,
      [
        ...extraNodeFlags(),
        MAIN, 'bench-drive', '--api', (options.spread === true ? network.apiUrls : network.apiUrls.slice(0, 1)).join(','), '--keys', network.keysDir, '--suite', options.crypto, '--chain-id', network.consortium.chainId,
        '--wallets', String(options.wallets), '--payments', String(options.payments), '--chunk', String(options.chunk), '--inflight', String(options.inflight), '--rate', String(options.rate),
        '--warmup', String(warmup),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    driver.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let cpuAtStart: (ProcessCpu | undefined)[] | undefined;
    let gcAtStart: Promise<(number | undefined)[]> | undefined;
    driver.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (cpuAtStart === undefined && text.includes(TIMED_PHASE_MARKER)) {
        cpuAtStart = nodes.map((node) => readProcessCpu(node.pid));
        gcAtStart = Promise.all(nodes.map((node) => readGcPauseMs(node.api)));
      }
      process.stderr.write(text);
    });
    const code = await new Promise<number | null>((resolve) => driver.on('exit', resolve));
    const cpuAtEnd = nodes.map((node) => readProcessCpu(node.pid));
    const gcAtEnd = await Promise.all(nodes.map((node) => readGcPauseMs(node.api)));
    if (code !== 0) throw new Error(`the load driver exited with code ${code}`);
    const drive = driveResultFrom(output);
    const limit = Math.round((verifyPerCore * cores) / options.validators);
    const result = {
      validators: options.validators,
      crypto: options.crypto,
      wallets: options.wallets,
      offeredPerSecond: options.rate === 0 ? 'as fast as possible' : options.rate,
      committedByEntryPoint: drive.committedByEntry,
      blockIntervalMinMs: spacing.intervalMinMs,
      blockIntervalTransactionRateMin: spacing.intervalTransactionRateMin,
      payments: drive.payments,
      warmup: drive.warmup,
      committed: drive.committed,
      failed: drive.failed,
      failures: drive.failures,
      elapsedMs: drive.elapsedMs,
      committedPerSecond: drive.committedPerSecond,
      latencyMs: drive.latencyMs,
      p99ByTenthMs: drive.p99ByTenthMs,
      blocks: drive.blocks,
      transactionsPerBlock: drive.blocks === 0 ? 0 : Math.round(drive.committed / drive.blocks),
      verifyPerSecondPerCore: verifyPerCore,
      batchVerifyPerSecondPerCore: batchVerifyPerCore,
      cores,
      verificationLimitPerSecond: limit,
      ratioToLimit: +(drive.committedPerSecond / limit).toFixed(3),
      nodeCpuPerPaymentUs: cpuPerPayment(cpuAtStart, cpuAtEnd, drive.committed),
      nodeGcPausePerPaymentUs: perPaymentUs(await gcAtStart, gcAtEnd, drive.committed, (pauseMs) => pauseMs),
      driverCpuPerPaymentUs: drive.driverCpuPerPaymentUs,
    };
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else {
      console.log(`tongbao bench — ${result.validators} validator(s), ${result.crypto}, ${result.payments} pre-signed payments among ${result.wallets} wallets`);
      console.log(`  offered load                     ${options.rate === 0 ? `as fast as ${options.inflight} chunks of ${options.chunk} in flight allow` : `${options.rate} payments per second`}, ${options.spread === true ? `each wallet's to its own validator (${result.validators} entry points)` : 'all to the first validator'}`);
      if (result.blockIntervalMinMs > 0) {
        const when = result.blockIntervalTransactionRateMin === 0 ? 'always' : `while ${result.blockIntervalTransactionRateMin} or more payments a second arrive`;
        console.log(`  block interval                   at least ${result.blockIntervalMinMs} ms between blocks with payments, ${when}`);
      }
      console.log(`  warm-up                          the first ${result.warmup} committed, not timed (code compiled, caches warm${options.rate === 0 ? ', pipeline full' : '; drained before the window'})`);
      console.log(`  committed payments per second   ${result.committedPerSecond}   (${result.committed} committed in ${(result.elapsedMs / 1000).toFixed(1)} s after the warm-up; ${result.failed} failed)`);
      for (const { reason, count, example } of result.failures) console.log(`    failed: ${count} × ${reason}${example === '' ? '' : ` — e.g. "${example}"`}`);
      console.log(`  blocks                           ${result.blocks} (${result.transactionsPerBlock} payments per block on average)`);
      console.log(`  latency submit → committed       p50 ${result.latencyMs.p50} ms   p90 ${result.latencyMs.p90} ms   p99 ${result.latencyMs.p99} ms   max ${result.latencyMs.max} ms`);
      console.log(`  p99 by tenth of the window       ${result.p99ByTenthMs.join(' ')} ms (by when each payment was sent)`);
      console.log(`  verification limit               ${result.verifyPerSecondPerCore}/s per core × ${result.cores} cores ÷ ${result.validators} validator(s) = ${result.verificationLimitPerSecond}/s`);
      console.log(`  throughput ÷ limit               ${result.ratioToLimit}`);
      console.log(`  verification in batches          ${result.batchVerifyPerSecondPerCore}/s per core (the mempool's way; the limit above is one at a time)`);
      const cpu = result.nodeCpuPerPaymentUs;
      if (cpu !== undefined) console.log(`  node CPU per committed payment   ${cpu.allThreads} µs all threads, ${cpu.mainThread} µs main thread (mean of ${result.validators} validator(s))`);
      if (result.nodeGcPausePerPaymentUs !== undefined) console.log(`  main thread paused for GC        ${result.nodeGcPausePerPaymentUs} µs per committed payment (mean of ${result.validators} validator(s))`);
      console.log(`  load driver CPU per payment      ${result.driverCpuPerPaymentUs} µs (its own process, on the same cores as the validators)`);
    }
    return result.failed === 0 ? 0 : 1;
  } finally {
    await Promise.all(nodes.map((node) => node.stop('SIGTERM')));
    if (options.keep === true) process.stderr.write(`[bench] the network's homes and node logs are kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

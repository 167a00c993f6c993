import { join } from 'node:path';
import { command, NonceSigner, readKeyFile } from '@tongbao/node';
import { utf8ToBytes, getSuite, WalletKind, type SuiteName } from '@tongbao/protocol';
import { createClient, getStatus, submitBinary } from '@tongbao/sdk';
import { PackedBytes } from './packed-bytes.js';

export interface DriveOptions {
  /**
   * The validators' API addresses. Setup goes through the first; each wallet's payments
   * go to one of them (wallet i to api[i mod n]), as a bank's customers use their bank's
   * node, so every validator admits, batches and answers its share.
   */
  readonly apis: readonly string[];
  readonly keys: string;
  readonly suite: SuiteName;
  readonly chainId: string;
  readonly wallets: number;
  readonly payments: number;
  readonly chunk: number;
  readonly inflight: number;
  /**
   * Offered load in payments per second (open loop: a chunk leaves every
   * RATE_TICK_MS whatever is still in flight), or 0 to send as fast as `inflight`
   * requests allow. Latency means something only below saturation, so this is how
   * finality is measured.
   */
  readonly rate: number;
  /**
   * Payments committed before the timed window opens. They are sent like the rest; the
   * window opens when this many are committed (at an offered rate: and every payment sent
   * so far is answered), so the figures are those of a running network — its code
   * compiled, its caches warm — not of its first seconds.
   */
  readonly warmup: number;
}

/** How often the open-loop driver sends a chunk at a fixed rate. */
const RATE_TICK_MS = 50;

export interface DriveResult {
  readonly payments: number;
  /** Payments committed before the timed window (DriveOptions.warmup, or more if a reply brought several). */
  readonly warmup: number;
  /** Payments committed in the timed window. */
  readonly committed: number;
  /** Failed payments, warm-up included. */
  readonly failed: number;
  /** Failed payments by reason ('status CODE': a receipt's error, a refusal's or a wait's code), most frequent first. */
  readonly failures: readonly { readonly reason: string; readonly count: number; readonly example: string }[];
  /** The timed window. */
  readonly elapsedMs: number;
  readonly committedPerSecond: number;
  /** Of the requests answered in the timed window. */
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  /**
   * p99 latency of the payments sent in each tenth of the time the window's payments were
   * sent over, in order (0 for a tenth nothing was sent in): whether finality holds over
   * the window or climbs as the state grows.
   */
  readonly p99ByTenthMs: readonly number[];
  /** Blocks committed during the timed window (on the node driven). */
  readonly blocks: number;
  /** Payments committed through each API address of DriveOptions.apis, warm-up included. */
  readonly committedByEntry: readonly number[];
  /**
   * This driver's own CPU (all its threads) over the timed window per payment committed
   * in it: on one machine, CPU the validators beside it did not have.
   */
  readonly driverCpuPerPaymentUs: number;
}

/**
 * The driver's result from what it printed: its last line, the JSON of a DriveResult.
 * Node flags given to it (TONGBAO_NODE_FLAGS, e.g. --trace-gc) may print lines of their
 * own before it.
 */
export function driveResultFrom(output: string): DriveResult {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  const last = lines[lines.length - 1];
  if (last === undefined) throw new Error('the load driver printed no result');
  return JSON.parse(last) as DriveResult;
}

/** Written on stderr when the timed window opens. */
export const TIMED_PHASE_MARKER = '[driver] timed phase starts';

const progress = (text: string): void => void process.stderr.write(`\r\x1b[K[driver] ${text}`);

/**
 * The timed phase's progress line at most this often: written on every answer (up to a
 * hundred a second under --spread) it cost the driver a tenth of its CPU, and its parent
 * as much again to pass it on — CPU the validators on this machine then lacked.
 */
const PROGRESS_INTERVAL_MS = 250;

/** The `q` quantile of ascending `sorted`, rounded (0 for none). */
function quantile(sorted: readonly number[], q: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
}

/** The `q` quantile of `values` in each of `slices` equal spans of [0, spanMs) by `offsets` (0 where a span has none). */
function percentileBySlice(values: readonly number[], offsets: readonly number[], spanMs: number, slices: number, q: number): number[] {
  const bySlice: number[][] = Array.from({ length: slices }, () => []);
  for (let i = 0; i < values.length; i++) {
    const slice = Math.min(slices - 1, Math.floor((offsets[i]! / spanMs) * slices));
    bySlice[slice]!.push(values[i]!);
  }
  return bySlice.map((list) => quantile(list.sort((a, b) => a - b), q));
}

/**
 * The benchmark's load generator, in its own process: sets up funded wallets, pre-signs
 * every payment (not timed), then submits them in binary chunks — `inflight` chunks in
 * flight, or one every RATE_TICK_MS at a rate — each chunk split into one request per
 * validator (its wallets' payments), each waiting until its transactions are committed.
 * A payment's latency is from its request leaving to the node answering that it is
 * committed.
 */
export async function benchDrive(options: DriveOptions): Promise<DriveResult> {
  const clients = options.apis.map((url) => createClient({ url, suite: options.suite, chainId: options.chainId }));
  const client = clients[0]!;
  const crypto = getSuite(options.suite);
  const org = (id: string) => new NonceSigner(options.suite, options.chainId, readKeyFile(join(options.keys, `${id}.json`)).keys);
  const pboc = org('pboc');
  const icbc = org('icbc');
  const perWallet = 1_000_000_00n;
  const total = perWallet * BigInt(options.wallets);
  const setup = async (label: string, txs: Uint8Array[]): Promise<void> => {
    for (let start = 0; start < txs.length; start += 5_000) {
      progress(`setup: ${label} ${start}/${txs.length}`);
      const results = await submitBinary(client, { transactions: txs.slice(start, start + 5_000), wait: 'committed', timeoutMs: 60_000 });
      const bad = results.find((r) => r.status !== 'committed' || (r.receipt?.code ?? 0) !== 0);
      if (bad !== undefined) throw new Error(`setup step "${label}" failed: ${JSON.stringify(bad)}`);
    }
  };
  await setup('issuance', [
    pboc.sign(command('setQuota', { operatorId: 'icbc', quota: total })),
  ]);
  await setup('issuance', [icbc.sign(command('requestIssuance', { requestId: 'bench', amount: total, reserveReference: 'bench' }))]);
  await setup('issuance', [pboc.sign(command('approveIssuance', { operatorId: 'icbc', requestId: 'bench' }))]);
  const owners = Array.from({ length: options.wallets }, (_, i) => new NonceSigner(options.suite, options.chainId, crypto.generateKeyPair(crypto.hash(utf8ToBytes(`bench owner/${i}`)))));
  await setup(
    'wallets',
    owners.map((owner, i) =>
      icbc.sign(command('openWallet', { walletId: `b${i}`, ownerPublicKey: owner.keys.publicKey, tier: 1, kind: WalletKind.PERSONAL, bankAccountLinked: true, identityEscrow: new Uint8Array(), parentWalletId: '' })),
    ),
  );
  await setup('funding', owners.map((_, i) => icbc.sign(command('distribute', { walletId: `b${i}`, amount: perWallet }))));

  // Pre-sign: payment k goes from wallet k mod W to the next wallet, so senders rotate.
  const payments = new PackedBytes();
  for (let k = 0; k < options.payments; k++) {
    if (k % 5_000 === 0) progress(`signing payments ${k}/${options.payments}`);
    const from = k % options.wallets;
    const to = (from + 1 + (k % 7)) % options.wallets;
    payments.push(owners[from]!.sign(command('pay', { paymentId: `p${k}`, fromWalletId: `b${from}`, toWalletId: `b${to === from ? (to + 1) % options.wallets : to}`, amount: 1n + BigInt(k % 100), memo: new Uint8Array() })));
  }

  const latencies: number[] = [];
  /** When each latency's request left, in ms from the window's start (latencies[i]'s at sentAtMs[i]). */
  const sentAtMs: number[] = [];
  let committed = 0;
  const committedByEntry = clients.map(() => 0);
  let failed = 0;
  const failures = new Map<string, { count: number; example: string }>();
  let next = 0;
  // The timed window opens once `warmup` payments are committed. What it counts depends
  // on the loop. With requests in flight (closed loop): every payment answered in the
  // window, the pipeline being as full when it opens as when it closes. At an offered
  // rate (open loop): the payments sent in the window, until the last of them is
  // answered; a backlog left from the warm-up would otherwise count as a throughput the
  // rate never offered.
  let timedWindow: { startedMs: number; committedBefore: number; heightBefore: Promise<bigint>; cpu: NodeJS.CpuUsage } | undefined;
  let timedCommitted = 0;
  let lastTimedAnswerMs = 0;
  const openWindow = (): void => {
    // The parent samples the nodes' CPU at this line.
    process.stderr.write(`\n${TIMED_PHASE_MARKER}\n`);
    const heightBefore = getStatus(client).then((status) => status.height);
    heightBefore.catch(() => undefined); // awaited at the end, where a failure is reported
    timedWindow = { startedMs: performance.now(), committedBefore: committed, heightBefore, cpu: process.cpuUsage() };
  };
  if (options.warmup === 0) openWindow();
  const started = performance.now();
  let lastProgressMs = 0;
  // Payment k is wallet (k mod W)'s: its validator is that wallet's.
  const entryOf = (k: number): number => (k % options.wallets) % clients.length;
  /** Payments [start, end), each to its wallet's validator: one request per validator. */
  const send = async (start: number, end: number): Promise<void> => {
    const byEntry: Uint8Array[][] = clients.map(() => []);
    for (let k = start; k < end; k++) byEntry[entryOf(k)]!.push(payments.at(k));
    await Promise.all(byEntry.map((chunk, entry) => (chunk.length === 0 ? undefined : sendTo(entry, chunk))));
  };
  const sendTo = async (entry: number, chunk: Uint8Array[]): Promise<void> => {
    const sent = performance.now();
    const sentInWindow = timedWindow !== undefined;
    const results = await submitBinary(clients[entry]!, { transactions: chunk, wait: 'committed', timeoutMs: 60_000, receipts: 'brief' });
    const answered = performance.now();
    const counted = options.rate === 0 ? timedWindow !== undefined : sentInWindow;
    for (const result of results) {
      if (result.status === 'committed' && (result.receipt?.code ?? 0) === 0) {
        committed++;
        committedByEntry[entry]!++;
        if (counted) {
          timedCommitted++;
          latencies.push(answered - sent);
          sentAtMs.push(Math.max(0, sent - timedWindow!.startedMs));
        }
      } else {
        failed++;
        const code = result.receipt?.error ?? result.error?.code ?? 'UNKNOWN';
        const reason = `${result.status} ${code}`;
        const seen = failures.get(reason);
        if (seen === undefined) failures.set(reason, { count: 1, example: result.receipt?.message ?? result.error?.message ?? '' });
        else seen.count++;
      }
    }
    if (counted) lastTimedAnswerMs = answered;
    if (options.rate === 0 && timedWindow === undefined && committed >= options.warmup) openWindow();
    if (answered - lastProgressMs < PROGRESS_INTERVAL_MS) return;
    lastProgressMs = answered;
    if (timedWindow === undefined) progress(`warm-up: ${committed}/${options.warmup} committed, ${failed} failed, ${Math.round((committed / (performance.now() - started)) * 1000)}/s`);
    else progress(`${timedCommitted} committed in the timed window, ${failed} failed, ${Math.round((timedCommitted / (performance.now() - timedWindow.startedMs)) * 1000)}/s`);
  };
  if (options.rate === 0) {
    const worker = async (): Promise<void> => {
      while (next < payments.length) {
        const start = next;
        next = Math.min(payments.length, next + options.chunk);
        await send(start, next);
      }
    };
    await Promise.all(Array.from({ length: options.inflight }, worker));
  } else {
    // Open loop: by each tick, as many payments as the rate says should have left since
    // the phase began.
    const requests: Promise<void>[] = [];
    const sendAtRate = async (done: () => boolean): Promise<void> => {
      const phaseStarted = performance.now();
      const first = next;
      while (next < payments.length && !done()) {
        const due = Math.min(payments.length, first + Math.floor(((performance.now() - phaseStarted) / 1000) * options.rate) + 1);
        if (due > next) {
          requests.push(send(next, due));
          next = due;
        }
        await new Promise((resolve) => setTimeout(resolve, RATE_TICK_MS));
      }
    };
    if (timedWindow === undefined) {
      await sendAtRate(() => committed >= options.warmup);
      // Drain before timing: the warm-up runs on cold code and caches and leaves a
      // backlog behind it, which at a rate just under the network's capacity takes far
      // longer than the timed window to clear; timing its tail would measure the warm-up,
      // not the offered rate. The window starts from an idle, warm network instead.
      await Promise.all(requests);
      if (committed >= options.warmup) openWindow();
    }
    if (timedWindow !== undefined) await sendAtRate(() => false);
    await Promise.all(requests);
  }
  if (timedWindow === undefined) throw new Error(`only ${committed} payments were committed, fewer than the ${options.warmup} of the warm-up`);
  if (timedCommitted === 0) throw new Error('no payment was committed in the timed window; send more payments or warm up with fewer');
  const elapsedMs = (options.rate === 0 ? performance.now() : lastTimedAnswerMs) - timedWindow.startedMs;
  const driverCpu = process.cpuUsage(timedWindow.cpu);
  const blocks = Number((await getStatus(client)).height - (await timedWindow.heightBefore));
  process.stderr.write('\n');
  let sendSpanMs = 1;
  for (const at of sentAtMs) sendSpanMs = Math.max(sendSpanMs, at + 1);
  const p99ByTenthMs = percentileBySlice(latencies, sentAtMs, sendSpanMs, 10, 0.99);
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => quantile(latencies, q);
  return {
    payments: options.payments,
    warmup: timedWindow.committedBefore,
    committed: timedCommitted,
    failed,
    failures: [...failures].map(([reason, { count, example }]) => ({ reason, count, example })).sort((a, b) => b.count - a.count),
    elapsedMs: Math.round(elapsedMs),
    committedPerSecond: Math.round((timedCommitted / elapsedMs) * 1000),
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Math.round(latencies[latencies.length - 1] ?? 0) },
    p99ByTenthMs,
    blocks,
    committedByEntry,
    driverCpuPerPaymentUs: Math.round((driverCpu.user + driverCpu.system) / timedCommitted),
  };
}


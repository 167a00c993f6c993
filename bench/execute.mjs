#!/usr/bin/env node
// Benchmark of block execution alone (not a test): Application.finalizeBlock over an
// in-memory StateReader, no storage, no hashing, no signatures. Prints µs per payment
// (median and best over the measured blocks, wall clock, and the median in process CPU
// time, which a busy machine disturbs less), and for comparison what encoding the
// receipts with protobuf-es costs, as the node did for its receipts root.
//
//   node bench/execute.mjs [--wallets 10000] [--payments 30000] [--block 5000] [--warmup 2] [--json]
//                          [--execution <an execution package's dist folder, to compare builds>]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encode, ReceiptSchema, WalletKind } from '@tongbao/protocol';

const { values: args } = parseArgs({
  options: {
    wallets: { type: 'string', default: '10000' },
    payments: { type: 'string', default: '30000' },
    block: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
    execution: { type: 'string', default: new URL('../packages/execution/dist', import.meta.url).pathname },
  },
});
const { createApplication } = await import(`${args.execution}/index.js`);
const { cmd, KEYS, makeTransaction, testGenesis, testKey } = await import(`${args.execution}/testing/harness.js`);
const walletCount = Number(args.wallets);
const paymentCount = Number(args.payments);
const blockSize = Number(args.block);
const warmupBlocks = Number(args.warmup);

/**
 * Committed state in a Map keyed by the key's latin1 string: a get costs about what a
 * hash lookup costs, so the figures are execution's own.
 */
class MapState {
  entries = new Map();
  get(key) {
    return this.entries.get(Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1'));
  }
  apply(changes) {
    for (const { key, value } of changes) {
      const k = Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');
      if (value === undefined) this.entries.delete(k);
      else this.entries.set(k, value);
    }
  }
}

// A seeded generator: the workload is the same on every run.
let seed = 0x9e3779b9;
const random = () => {
  seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
  return seed / 0x1_0000_0000;
};

const genesis = testGenesis();
const app = createApplication({ chainId: genesis.chainId });
const state = new MapState();
state.apply(app.initChain(genesis));
let height = 0n;
let time = genesis.genesisTimeMs;
const nonces = new Map();
const tx = (sender, kind) => {
  const hex = Buffer.from(sender).toString('hex');
  const nonce = nonces.get(hex) ?? 0n;
  nonces.set(hex, nonce + 1n);
  return makeTransaction(sender, nonce, kind);
};
function run(txs, check = true) {
  height += 1n;
  time += 1_000n;
  const ctx = { height, timestampMs: time, proposer: KEYS.centralBank };
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  const result = app.finalizeBlock(ctx, txs, state);
  const elapsedMs = performance.now() - began;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  if (check) {
    const failed = result.receipts.find((r) => r.code !== 0);
    if (failed !== undefined) throw new Error(`block ${height}: ${failed.error}: ${failed.message}`);
  }
  state.apply(result.changes);
  return { result, elapsedMs, cpuMs };
}

// Setup (not timed): quota, issuance, wallets of tier 2 with linked accounts, funds.
const total = BigInt(walletCount) * 1_000_00n;
run([tx(KEYS.centralBank, cmd.setQuota({ operatorId: 'icbc', quota: total }))]);
run([tx(KEYS.icbc, cmd.requestIssuance({ requestId: 'bench', amount: total, reserveReference: 'bench' }))]);
run([tx(KEYS.centralBank, cmd.approveIssuance({ operatorId: 'icbc', requestId: 'bench' }))]);
const owners = Array.from({ length: walletCount }, (_, i) => testKey(`bench/${i}`));
for (let start = 0; start < walletCount; start += blockSize) {
  const txs = [];
  for (let i = start; i < Math.min(walletCount, start + blockSize); i++) {
    txs.push(tx(KEYS.icbc, cmd.openWallet({ walletId: `w${i}`, ownerPublicKey: owners[i], tier: 2, kind: WalletKind.PERSONAL, bankAccountLinked: true, identityEscrow: new Uint8Array(0), parentWalletId: '' })));
  }
  run(txs);
}
for (let start = 0; start < walletCount; start += blockSize) {
  const txs = [];
  for (let i = start; i < Math.min(walletCount, start + blockSize); i++) txs.push(tx(KEYS.icbc, cmd.distribute({ walletId: `w${i}`, amount: 1_000_00n })));
  run(txs);
}

// Payments: random payer and payee, 0.01–10.00 yuan; warm-up blocks first.
const blocks = [];
for (let b = 0; b < warmupBlocks + Math.ceil(paymentCount / blockSize); b++) {
  const txs = [];
  for (let i = 0; i < blockSize; i++) {
    const from = Math.floor(random() * walletCount);
    let to = Math.floor(random() * (walletCount - 1));
    if (to >= from) to += 1;
    txs.push(tx(owners[from], cmd.pay({ paymentId: `p${b}-${i}`, fromWalletId: `w${from}`, toWalletId: `w${to}`, amount: BigInt(1 + Math.floor(random() * 1000)), memo: new Uint8Array(0) })));
  }
  blocks.push(txs);
}
/** CPU seconds of the main thread alone (Linux), which other processes on a busy machine disturb least. */
function mainThreadCpuSeconds() {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return undefined;
  }
}

const rows = [];
let threadCpuSeconds = 0;
blocks.forEach((txs, b) => {
  const threadBefore = mainThreadCpuSeconds();
  const { result, elapsedMs, cpuMs } = run(txs);
  if (b >= warmupBlocks && threadBefore !== undefined) threadCpuSeconds += mainThreadCpuSeconds() - threadBefore;
  const encodeStarted = performance.now();
  for (const r of result.receipts) encode(ReceiptSchema, r);
  const encodeMs = performance.now() - encodeStarted;
  if (b >= warmupBlocks) {
    rows.push({ executeUs: (elapsedMs * 1000) / txs.length, cpuUs: (cpuMs * 1000) / txs.length, receiptEncodeUs: (encodeMs * 1000) / txs.length });
  }
});

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const result = {
  wallets: walletCount,
  blockSize,
  blocks: rows.length,
  executeUsPerPaymentMedian: +median(rows.map((r) => r.executeUs)).toFixed(2),
  executeUsPerPaymentMin: +Math.min(...rows.map((r) => r.executeUs)).toFixed(2),
  // Process CPU time (GC helper threads included): steadier than wall time on a busy machine.
  cpuUsPerPaymentMedian: +median(rows.map((r) => r.cpuUs)).toFixed(2),
  // The main thread's CPU time over all measured blocks (10 ms ticks), per payment.
  mainThreadCpuUsPerPayment: +((threadCpuSeconds * 1e6) / (rows.length * blockSize)).toFixed(1),
  receiptEncodeUsPerPaymentMedian: +median(rows.map((r) => r.receiptEncodeUs)).toFixed(2),
};
if (args.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`execution: finalizeBlock over an in-memory state, ${result.wallets} wallets, ${result.blocks} blocks of ${blockSize} payments (after ${warmupBlocks} warm-up)`);
  console.log(`  µs per payment   median ${result.executeUsPerPaymentMedian}   best ${result.executeUsPerPaymentMin}   (= ${(result.executeUsPerPaymentMedian * blockSize / 1000).toFixed(1)} ms per block)   CPU median ${result.cpuUsPerPaymentMedian}   main thread CPU ${result.mainThreadCpuUsPerPayment}`);
  console.log(`  receipt encoding with protobuf-es (node side)   median ${result.receiptEncodeUsPerPaymentMedian} µs per payment`);
}

#!/usr/bin/env node
// Benchmark of the ledger core (not a test): payments executed and committed per
// second by the state machine with storage, signatures not verified (they are checked
// once on entry, by the mempool). Prints progress on stderr and a table on stdout.
//
//   node bench/ledger-core.mjs [--wallets 10000] [--payments 50000] [--block 5000] [--memory] [--suite ed25519|sm2] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { utf8ToBytes, WalletKind } from '@tongbao/protocol';
import { LevelKeyValueStore, MemoryKeyValueStore } from '@tongbao/storage';
import { Ledger, createDemoConsortium, command, NonceSigner, auditConservation } from '@tongbao/node';

const { values: args } = parseArgs({
  options: {
    wallets: { type: 'string', default: '10000' },
    payments: { type: 'string', default: '50000' },
    block: { type: 'string', default: '5000' },
    memory: { type: 'boolean', default: false },
    suite: { type: 'string', default: 'ed25519' },
    json: { type: 'boolean', default: false },
  },
});
const walletCount = Number(args.wallets);
const paymentCount = Number(args.payments);
const blockSize = Number(args.block);
const progress = (text) => process.stderr.write(`\r\x1b[K${text}`);

// A seeded generator: the benchmark's workload is the same on every run.
let seed = 0x9e3779b9;
const random = () => {
  seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
  return seed / 0x1_0000_0000;
};

const consortium = createDemoConsortium({ seed: 'bench', suite: args.suite });
const { chainId, suite: suiteName } = consortium;
const dataDir = args.memory ? undefined : mkdtempSync(join(tmpdir(), 'tongbao-bench-'));
const kv = dataDir === undefined ? new MemoryKeyValueStore() : await LevelKeyValueStore.open(join(dataDir, 'ledger'));
// Counts the bytes each block writes (keys and values), to report write volume per payment.
let bytesWritten = 0;
const write = kv.write.bind(kv);
kv.write = (operations) => {
  for (const op of operations) bytesWritten += op.key.length + (op.type === 'put' ? op.value.length : 0);
  return write(operations);
};
const ledger = await Ledger.open(kv, consortium.genesis);
const proposer = consortium.centralBank.keys.publicKey;
let time = consortium.genesis.genesisTimeMs;

async function commit(transactions, verifySignatures = true) {
  time += 1_000n;
  const block = await ledger.produceBlock(transactions, { timestampMs: time, proposer, verifySignatures, limits: { transactionsMax: 100_000, bytesMax: 256 * 1024 * 1024 } });
  const failed = block.receipts.filter((r) => r.code !== 0);
  if (failed.length > 0 || block.rejected.length > 0) {
    throw new Error(`setup block ${block.header.height} had ${failed.length} failures (${failed[0]?.error}: ${failed[0]?.message}) and ${block.rejected.length} rejections`);
  }
  return block;
}

// Setup: quota, issuance, wallets, distribution.
const pboc = new NonceSigner(suiteName, chainId, consortium.centralBank.keys);
const icbc = new NonceSigner(suiteName, chainId, consortium.operators[0].keys);
const total = BigInt(walletCount) * 1_000_00n;
await commit([pboc.sign(command('setQuota', { operatorId: 'icbc', quota: total }))]);
await commit([icbc.sign(command('requestIssuance', { requestId: 'bench', amount: total, reserveReference: 'bench' }))]);
await commit([pboc.sign(command('approveIssuance', { operatorId: 'icbc', requestId: 'bench' }))]);
const owners = [];
for (let i = 0; i < walletCount; i++) {
  owners.push(new NonceSigner(suiteName, chainId, ledger.suite.generateKeyPair(ledger.suite.hash(utf8ToBytes(`bench/${i}`)))));
}
for (let start = 0; start < walletCount; start += blockSize) {
  progress(`setup: opening wallets ${start}/${walletCount}`);
  const txs = [];
  for (let i = start; i < Math.min(walletCount, start + blockSize); i++) {
    txs.push(icbc.sign(command('openWallet', { walletId: `w${i}`, ownerPublicKey: owners[i].keys.publicKey, tier: 2, kind: WalletKind.PERSONAL, bankAccountLinked: true, identityEscrow: new Uint8Array(0), parentWalletId: '' })));
  }
  await commit(txs);
}
for (let start = 0; start < walletCount; start += blockSize) {
  progress(`setup: distributing ${start}/${walletCount}`);
  const txs = [];
  for (let i = start; i < Math.min(walletCount, start + blockSize); i++) {
    txs.push(icbc.sign(command('distribute', { walletId: `w${i}`, amount: 1_000_00n })));
  }
  await commit(txs);
}

// Pre-sign every payment (not timed): random payer and payee, 0.01–10.00 yuan.
const payments = [];
for (let i = 0; i < paymentCount; i++) {
  if (i % 5000 === 0) progress(`signing payments ${i}/${paymentCount}`);
  const from = Math.floor(random() * walletCount);
  let to = Math.floor(random() * (walletCount - 1));
  if (to >= from) to += 1;
  payments.push(owners[from].sign(command('pay', { paymentId: `p${i}`, fromWalletId: `w${from}`, toWalletId: `w${to}`, amount: BigInt(1 + Math.floor(random() * 1000)), memo: new Uint8Array(0) })));
}

const rows = [];
for (let start = 0; start < paymentCount; start += blockSize) {
  const txs = payments.slice(start, start + blockSize);
  const began = performance.now();
  const writtenBefore = bytesWritten;
  const block = await commit(txs, false);
  const elapsedMs = performance.now() - began;
  rows.push({ count: txs.length, elapsedMs, bytes: bytesWritten - writtenBefore, ...block.timings });
  progress(`block ${block.header.height}: ${txs.length} payments in ${elapsedMs.toFixed(0)} ms (${Math.round((txs.length / elapsedMs) * 1000)}/s)`);
}
process.stderr.write('\n');

const audit = await auditConservation(ledger);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const perSecond = rows.map((r) => (r.count / r.elapsedMs) * 1000);
const result = {
  store: args.memory ? 'memory' : 'leveldb',
  suite: suiteName,
  wallets: walletCount,
  payments: paymentCount,
  blockSize,
  blocks: rows.length,
  paymentsPerSecondMedian: Math.round(median(perSecond)),
  paymentsPerSecondOverall: Math.round((paymentCount / rows.reduce((a, r) => a + r.elapsedMs, 0)) * 1000),
  perBlockMsMedian: {
    decode: +median(rows.map((r) => r.decodeMs)).toFixed(1),
    execute: +median(rows.map((r) => r.executeMs)).toFixed(1),
    prepareState: +median(rows.map((r) => r.prepareStateMs)).toFixed(1),
    commit: +median(rows.map((r) => r.commitMs)).toFixed(1),
    total: +median(rows.map((r) => r.elapsedMs)).toFixed(1),
  },
  bytesWrittenPerPayment: Math.round(median(rows.map((r) => r.bytes / r.count))),
  conservation: audit.ok ? 'holds' : audit.violation.code,
};
if (args.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`ledger core: ${result.payments} payments among ${result.wallets} wallets, blocks of ${blockSize}, ${result.store}, ${result.suite}, signatures not verified`);
  console.log(`  payments executed and committed per second   median ${result.paymentsPerSecondMedian}   overall ${result.paymentsPerSecondOverall}`);
  const t = result.perBlockMsMedian;
  console.log(`  per block (median ms)   decode ${t.decode}   execute ${t.execute}   state root ${t.prepareState}   commit ${t.commit}   total ${t.total}`);
  console.log(`  bytes written per payment (median block)   ${result.bytesWrittenPerPayment}`);
  console.log(`  conservation of money after the run: ${result.conservation}`);
}
await kv.close();
if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });

#!/usr/bin/env node
// Benchmark of the state tree alone (not a test): StateTree.prepare — the new state root
// of a block — over blocks shaped like payment blocks (two account balances, the payer's
// nonce and a new payment record per payment), on an in-memory store. Prints progress on
// stderr and a table on stdout.
//
//   node bench/state-tree.mjs [--wallets 2000] [--blocks 60] [--block 1400] [--suite ed25519|sm2]
//   node bench/state-tree.mjs --compare ../other-checkout/packages/storage/dist/index.js
//
// Two trees of this build get the same blocks in the same process, taking turns to go
// first: the native one (what a node runs when the addon is built) and the JavaScript
// reference; the roots must agree. With --compare, the tree of another build of
// @tongbao/storage takes the reference's place. On a shared machine only such
// interleaved figures compare: separate runs of the same build differ by 15 % here.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { getSuite } from '@tongbao/protocol';
import * as storage from '@tongbao/storage';

const { values: args } = parseArgs({
  options: {
    wallets: { type: 'string', default: '2000' },
    blocks: { type: 'string', default: '60' },
    block: { type: 'string', default: '1400' },
    suite: { type: 'string', default: 'ed25519' },
    compare: { type: 'string' },
  },
});
const walletCount = Number(args.wallets);
const blockCount = Number(args.blocks);
const paymentsPerBlock = Number(args.block);
const hash = getSuite(args.suite).hash;
const progress = (text) => process.stderr.write(`\r\x1b[K${text}`);
const encoder = new TextEncoder();

// A seeded generator: the same blocks on every run and for both builds.
let seed = 0x2545f491;
const random = () => {
  seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
  return seed;
};
const value = () => {
  const bytes = new Uint8Array(48);
  for (let i = 0; i < 4; i++) bytes[i] = random() & 0xff;
  return bytes;
};

function sideOf(name, module, implementation) {
  const kv = new module.MemoryKeyValueStore();
  // Builds before the native tree exported one StateTree class.
  const tree = module.openStateTree === undefined ? new module.StateTree(kv, hash) : module.openStateTree(kv, hash, {}, implementation);
  return { name, kv, tree, prepareMs: [], hashes: 0, pagesWritten: 0 };
}
const sides = [
  sideOf(`this build, ${storage.nativeStateTreeAvailable(hash) ? 'native' : 'JavaScript (the addon is not built)'}`, storage, 'auto'),
  args.compare === undefined
    ? sideOf('this build, JavaScript reference', storage, 'javascript')
    : sideOf(args.compare, await import(pathToFileURL(resolve(args.compare)).href), 'auto'),
];

async function apply(side, changes) {
  const started = performance.now();
  const prepared = side.tree.prepare(changes);
  const elapsed = performance.now() - started;
  await side.kv.write(prepared.operations);
  side.tree.applied(prepared);
  // The chain store's checkpoint rule: dirty pages are written once there are enough.
  if (side.tree.dirtyPages() >= storage.TREE_DIRTY_PAGES_MAX_DEFAULT) {
    await side.kv.write(side.tree.pageOperations());
    side.tree.checkpointed();
  }
  return { elapsed, prepared };
}

function sortedChanges(byKey) {
  return [...byKey.keys()].sort().map((key) => ({ key: encoder.encode(key), value: byKey.get(key) }));
}

const signerKey = (wallet) => `signer/${wallet.toString(16).padStart(64, '0')}`;
{
  const genesis = new Map();
  for (let w = 0; w < walletCount; w++) {
    genesis.set(`account/wallet:w${w}`, value());
    genesis.set(signerKey(w), value());
  }
  const changes = sortedChanges(genesis);
  for (const side of sides) await apply(side, changes);
}

let payment = 0;
let changeCount = 0;
for (let b = 0; b < blockCount; b++) {
  const byKey = new Map();
  for (let i = 0; i < paymentsPerBlock; i++) {
    const from = random() % walletCount;
    const to = random() % walletCount;
    byKey.set(`account/wallet:w${from}`, value());
    byKey.set(`account/wallet:w${to}`, value());
    byKey.set(signerKey(from), value());
    byKey.set(`payment/w${from}/p${payment++}`, value());
  }
  const changes = sortedChanges(byKey);
  changeCount += changes.length;
  const order = b % 2 === 0 ? sides : [...sides].reverse();
  const roots = [];
  for (const side of order) {
    const { elapsed, prepared } = await apply(side, changes);
    side.prepareMs.push(elapsed);
    side.hashes += prepared.stats.hashes;
    side.pagesWritten += prepared.stats.nodeWrites;
    roots.push(Buffer.from(prepared.root).toString('hex'));
  }
  if (roots.some((root) => root !== roots[0])) throw new Error(`block ${b + 1}: the trees disagree on the root`);
  progress(`block ${b + 1}/${blockCount}: ${changes.length} changes, ${sides.map((s) => `${s.prepareMs.at(-1).toFixed(1)} ms`).join(' / ')}`);
}
process.stderr.write('\n');

// The first quarter of the blocks warms the caches and the compiler: left out.
const settled = (xs) => xs.slice(Math.floor(xs.length / 4)).sort((a, b) => a - b);
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const changesPerBlock = changeCount / blockCount;
console.log(`state tree: ${blockCount} blocks of ${paymentsPerBlock} payments (${Math.round(changesPerBlock)} changed keys each) among ${walletCount} wallets, ${args.suite}, in memory`);
for (const side of sides) {
  const times = settled(side.prepareMs);
  const median = quantile(times, 0.5);
  console.log(`  ${side.name}`);
  console.log(`    prepare per block        median ${median.toFixed(2)} ms   p90 ${quantile(times, 0.9).toFixed(2)} ms   (${((median * 1000) / changesPerBlock).toFixed(2)} µs per changed key)`);
  console.log(`    per changed key          ${(side.hashes / changeCount).toFixed(1)} hashes, ${(side.pagesWritten / changeCount).toFixed(2)} pages written`);
}
const [a, b] = sides.map((side) => quantile(settled(side.prepareMs), 0.5));
console.log(`  ratio (first ÷ second)   ${(a / b).toFixed(3)}   (same roots in all ${blockCount} blocks)`);

#!/usr/bin/env node
// Signature verifications per second per core, for each suite, plus hash throughput.
// Single thread; each figure is the median of 5 runs of about one second.
// Run: npx tsc -b && node bench/verify.mjs
// These are the "verification limit" figures ARCHITECTURE.md compares throughput with.
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import {
  getSuite,
  sm2PrepareKey,
  sm2VerifyPrepared,
  sm2VerifyPortable,
  sm2VerifyWithUserId,
  sm3,
  sm3Portable,
  SM2_DEFAULT_USER_ID,
} from '../packages/protocol/dist/index.js';

const RUNS = 5;
const RUN_MS = 1000;
const MESSAGE_BYTES = 200; // about one transfer's signing bytes

function measure(label, unit, operation, bytesPerOperation = 1) {
  const rates = [];
  // Warm-up: let the JIT settle and lazily built tables fill before anything is timed.
  for (let i = 0; i < 128; i++) operation(i);
  for (let run = 0; run < RUNS; run++) {
    process.stderr.write(`\r${label}: run ${run + 1}/${RUNS}   `);
    let count = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      for (let i = 0; i < 16; i++) operation(count++);
      elapsed = performance.now() - start;
    } while (elapsed < RUN_MS);
    rates.push((count * bytesPerOperation * 1000) / elapsed);
  }
  rates.sort((a, b) => a - b);
  process.stderr.write(`\r${label}: done${' '.repeat(20)}\n`);
  return { label, unit, median: rates[Math.floor(RUNS / 2)], low: rates[0], high: rates[RUNS - 1] };
}

function signedSet(suite, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const keyPair = suite.generateKeyPair();
    const message = new Uint8Array(randomBytes(MESSAGE_BYTES));
    out.push({ publicKey: keyPair.publicKey, message, signature: suite.sign(keyPair.secretKey, message) });
  }
  return out;
}

function check(ok, what) {
  if (!ok) {
    console.error(`benchmark self-check failed: ${what}`);
    process.exit(1);
  }
}

const results = [];
const ed25519 = getSuite('ed25519');
const sm2 = getSuite('sm2');

process.stderr.write('preparing signed messages…\n');
const edSet = signedSet(ed25519, 64);
// 64 signers: within the key cache, as a validator's steady state of recurring senders.
const smSet = signedSet(sm2, 64);
const prepared = smSet.map((s) => ({ ...s, key: sm2PrepareKey(s.publicKey, SM2_DEFAULT_USER_ID, sm3) }));

results.push(
  measure('ed25519 verify (libsodium)', 'verifies/s', (i) => {
    const s = edSet[i & 63];
    check(ed25519.verify(s.publicKey, s.message, s.signature), 'ed25519');
  }),
);
results.push(
  measure('sm2 verify (OpenSSL addon, cached key) — the consensus path', 'verifies/s', (i) => {
    const s = smSet[i & 63];
    check(sm2.verify(s.publicKey, s.message, s.signature), 'sm2 native');
  }),
);
results.push(
  measure('sm2 verify (OpenSSL addon, key parsed every time)', 'verifies/s', (i) => {
    const s = smSet[i & 63];
    check(sm2VerifyWithUserId(s.publicKey, s.message, s.signature, SM2_DEFAULT_USER_ID), 'sm2 native uncached');
  }),
);
results.push(
  measure('sm2 verify (portable JS, precomputed key)', 'verifies/s', (i) => {
    const s = prepared[i & 63];
    check(sm2VerifyPrepared(s.key, s.message, s.signature, sm3), 'sm2 portable prepared');
  }),
);
results.push(
  measure('sm2 verify (portable JS, one-off key)', 'verifies/s', (i) => {
    const s = smSet[i & 63];
    check(sm2VerifyPortable(s.publicKey, s.message, s.signature), 'sm2 portable');
  }),
);

// For the ADR: the library first considered, if it is still installed.
try {
  const { sm2: smV2 } = await import('sm-crypto-v2');
  const hexSet = smSet.slice(0, 16).map((s) => {
    const publicKey = Buffer.from(s.publicKey).toString('hex');
    return { point: smV2.precomputePublicKey(publicKey), message: s.message, signature: Buffer.from(s.signature).toString('hex') };
  });
  results.push(
    measure('sm2 verify (sm-crypto-v2, precomputed key)', 'verifies/s', (i) => {
      const s = hexSet[i & 15];
      check(smV2.doVerifySignature(s.message, s.signature, s.point, { hash: true }), 'sm-crypto-v2');
    }),
  );
} catch {
  process.stderr.write('sm-crypto-v2 not installed; skipping it\n');
}

const block = new Uint8Array(randomBytes(64 * 1024));
const MiB = 1024 * 1024;
results.push(measure('sha-256 (OpenSSL), 64 KiB blocks', 'MiB/s', () => ed25519.hash(block), block.length / MiB));
results.push(measure('sm3 (OpenSSL), 64 KiB blocks', 'MiB/s', () => sm3(block), block.length / MiB));
results.push(measure('sm3 (portable JS), 64 KiB blocks', 'MiB/s', () => sm3Portable(block), block.length / MiB));
const small = new Uint8Array(randomBytes(MESSAGE_BYTES));
results.push(measure(`sm3 (OpenSSL), ${MESSAGE_BYTES}-byte messages`, 'hashes/s', () => sm3(small)));

const cpu = cpus()[0]?.model ?? 'unknown cpu';
console.log(`\nnode ${process.version}, OpenSSL ${process.versions.openssl}, ${cpu}, ${cpus().length} cores; single thread, median of ${RUNS} × ~${RUN_MS} ms`);
const width = Math.max(...results.map((r) => r.label.length));
console.log(`${'what'.padEnd(width)} | ${'median'.padStart(10)} | ${'min–max'.padStart(19)} | unit`);
console.log(`${'-'.repeat(width)}-|-${'-'.repeat(10)}-|-${'-'.repeat(19)}-|-----`);
const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
for (const r of results) {
  console.log(`${r.label.padEnd(width)} | ${fmt(r.median).padStart(10)} | ${`${fmt(r.low)}–${fmt(r.high)}`.padStart(19)} | ${r.unit}`);
}

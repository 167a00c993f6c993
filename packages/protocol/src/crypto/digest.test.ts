// Checks the native digests (OpenSSL in the @tongbao/sm2-native addon) against the
// fallbacks and node:crypto, byte for byte: SHA-256 and SM3 of random messages on both
// sides of the 1 KiB scratch copy, through `hash` and the allocation-free `into` (at an
// offset of a larger buffer, from arrays inside and outside V8's heap); the same from
// two worker threads at once, since each thread keeps its own digest context; and bad
// arguments refused with a typed error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import sm2Native from '@tongbao/sm2-native';
import { nativeSha256Into, nativeSm3Into } from './digest.js';
import { sha256Libsodium } from './ed25519.js';
import { sm3, sm3NodeCrypto } from './sm2.js';
import { sm3Portable } from './sm3-portable.js';
import { getSuite } from './index.js';
import { hashIntoOf } from '../merkle/hash.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const reference = (algorithm: 'sha256' | 'sm3', data: Uint8Array): string => createHash(algorithm).update(data).digest('hex');

test('the native digests are built (npm ci builds the addon), so the suites use them', () => {
  assert.equal(sm2Native.loadError, null);
  assert.ok(nativeSha256Into !== undefined && nativeSm3Into !== undefined);
});

test('SHA-256 and SM3: native, fallback and node:crypto agree on random messages', () => {
  const sha256 = getSuite('ed25519').hash;
  const sha256Into = hashIntoOf(sha256);
  const sm3Into = hashIntoOf(sm3);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat({ max: 64 }), (data, offset) => {
      const sha = reference('sha256', data);
      const sm = reference('sm3', data);
      assert.equal(hex(sha256(data)), sha);
      assert.equal(hex(sha256Libsodium(data)), sha);
      assert.equal(hex(sm3(data)), sm);
      assert.equal(hex(sm3NodeCrypto(data)), sm);
      // into: at an offset of a larger buffer outside V8's heap, from a copy of data outside it too.
      const out = new Uint8Array(new ArrayBuffer(offset + 32 + 8));
      const outside = new Uint8Array(new ArrayBuffer(data.length));
      outside.set(data);
      sha256Into(out.subarray(offset, offset + 32), outside);
      assert.equal(hex(out.subarray(offset, offset + 32)), sha);
      sm3Into(out.subarray(offset, offset + 32), data);
      assert.equal(hex(out.subarray(offset, offset + 32)), sm);
      assert.ok(out.subarray(offset + 32).every((byte) => byte === 0), 'nothing written past the digest');
    }),
    { numRuns: 400 },
  );
  assert.equal(hex(sm3(new TextEncoder().encode('abc'))), hex(sm3Portable(new TextEncoder().encode('abc'))));
});

test('two worker threads hashing at once each get the right digests', async () => {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { binding } = require(workerData.addon);
    const out = new Uint8Array(32);
    const digests = [];
    for (let i = 0; i < workerData.count; i++) {
      const data = new Uint8Array(i % 300).fill(i & 0xff);
      (i % 2 === 0 ? binding.sha256Into : binding.sm3Into)(out, data);
      digests.push(Buffer.from(out).toString('hex'));
    }
    parentPort.postMessage(digests);
  `;
  const count = 20_000;
  const addon = createRequire(import.meta.url).resolve('@tongbao/sm2-native');
  const run = (): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(source, { eval: true, workerData: { addon, count } });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const results = await Promise.all([run(), run()]);
  for (const digests of results) {
    for (let i = 0; i < count; i += 997) {
      const data = new Uint8Array(i % 300).fill(i & 0xff);
      assert.equal(digests[i], reference(i % 2 === 0 ? 'sha256' : 'sm3', data), `digest ${i}`);
    }
  }
});

test('bad arguments are refused with a typed error', () => {
  const into = nativeSha256Into!;
  const refused = (run: () => void): void =>
    assert.throws(run, (error: unknown) => error instanceof TypeError && (error as { code?: string }).code === 'TONGBAO_DIGEST_ARGUMENTS');
  refused(() => into(new Uint8Array(31), new Uint8Array(1)));
  refused(() => into(new Uint8Array(32), 'text' as unknown as Uint8Array));
  refused(() => (into as unknown as (out: Uint8Array) => void)(new Uint8Array(32)));
  refused(() => into(new Uint16Array(32) as unknown as Uint8Array, new Uint8Array(1)));
});

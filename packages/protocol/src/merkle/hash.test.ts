// Pins the chain hashes' fast paths to node:crypto's reference digests: the suite's
// `hash` (SHA-256 through libsodium with a reused input buffer, SM3 through the one-shot
// API) and its allocation-free form from hashIntoOf, across the input lengths where
// padding and the reused buffer change behaviour, and checks returned arrays are fresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { getSuite } from '../crypto/index.js';
import { hashIntoOf } from './hash.js';

const LENGTHS = [0, 1, 31, 32, 55, 56, 63, 64, 65, 97, 1023, 1024, 1025, 4096];

for (const [suiteName, algorithm] of [['ed25519', 'sha256'], ['sm2', 'sm3']] as const) {
  test(`${suiteName}: hash and hashIntoOf(hash) equal node:crypto ${algorithm}`, () => {
    const hash = getSuite(suiteName).hash;
    const into = hashIntoOf(hash);
    for (const length of LENGTHS) {
      const data = new Uint8Array(randomBytes(length));
      const expected = createHash(algorithm).update(data).digest('hex');
      assert.equal(Buffer.from(hash(data)).toString('hex'), expected, `hash of ${length} bytes`);
      const out = new Uint8Array(32);
      into(out, data);
      assert.equal(Buffer.from(out).toString('hex'), expected, `into of ${length} bytes`);
      // A view into a larger buffer hashes only its own bytes.
      const wide = new Uint8Array(length + 10);
      wide.set(data, 5);
      assert.equal(Buffer.from(hash(wide.subarray(5, 5 + length))).toString('hex'), expected, `hash of a view of ${length} bytes`);
    }
  });

  test(`${suiteName}: every call returns a fresh array of its own`, () => {
    const hash = getSuite(suiteName).hash;
    const a = hash(Uint8Array.of(1));
    const b = hash(Uint8Array.of(2));
    assert.notEqual(Buffer.from(a).toString('hex'), Buffer.from(b).toString('hex'));
    assert.equal(a.byteOffset, 0);
    assert.equal(a.buffer.byteLength, 32);
    assert.equal(Buffer.from(a).toString('hex'), createHash(algorithm).update(Uint8Array.of(1)).digest('hex'));
  });
}

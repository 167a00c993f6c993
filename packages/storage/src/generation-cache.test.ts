// Checks bytesKey — one code unit per byte on both its paths (short keys by fromCharCode,
// long ones by Buffer), so distinct keys never collide, and strings compare in byte order
// — and that the generation cache keeps at most its bound while a hit survives a turnover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareBytes } from '@tongbao/protocol';
import { bytesKey, GenerationCache } from './generation-cache.js';

test('bytesKey is the latin1 string of the bytes, short or long, and sorts as the bytes do', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (a, b) => {
      assert.equal(bytesKey(a), Buffer.from(a).toString('latin1'));
      assert.equal(bytesKey(a).length, a.length);
      const order = bytesKey(a) < bytesKey(b) ? -1 : bytesKey(a) > bytesKey(b) ? 1 : 0;
      assert.equal(order, Math.sign(compareBytes(a, b)));
    }),
    { numRuns: 500 },
  );
  // A view into a larger buffer is converted from its own bytes only.
  const whole = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  assert.equal(bytesKey(whole.subarray(10, 20)), Buffer.from(whole.subarray(10, 20)).toString('latin1'));
  assert.equal(bytesKey(whole.subarray(10, 110)), Buffer.from(whole.subarray(10, 110)).toString('latin1'));
});

test('the generation cache holds at most its bound, and a recent hit outlives a turnover', () => {
  const cache = new GenerationCache<string, number>(8);
  for (let i = 0; i < 100; i++) {
    cache.set(`k${i}`, i);
    assert.equal(cache.get('k0') ?? 0, 0); // touched every time: stays
    assert.ok(cache.size <= 8, `size ${cache.size}`);
  }
  assert.equal(cache.get('k0'), 0);
  assert.equal(cache.get('k1'), undefined);
  const off = new GenerationCache<string, number>(1);
  off.set('a', 1);
  assert.equal(off.get('a'), undefined);
});

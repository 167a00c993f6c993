// OffHeapScratch hands native calls a copy of a short byte string from one reused buffer:
// the copy equals the input, a longer input passes through as itself, the next call
// reuses the same buffer, and a size below one is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OffHeapScratch } from './off-heap-scratch.js';

test('short inputs are copied into the one buffer; longer ones pass through', () => {
  const scratch = new OffHeapScratch(8);
  const first = scratch.hold(Uint8Array.of(1, 2, 3));
  assert.deepEqual(Array.from(first), [1, 2, 3]);
  const second = scratch.hold(Uint8Array.of(9, 8, 7, 6, 5, 4, 3, 2));
  assert.deepEqual(Array.from(second), [9, 8, 7, 6, 5, 4, 3, 2]);
  assert.equal(first.buffer, second.buffer, 'one buffer serves every call');
  assert.deepEqual(Array.from(first), [9, 8, 7], 'an earlier view is overwritten by the next call');
  const long = new Uint8Array(9);
  assert.equal(scratch.hold(long), long);
  assert.deepEqual(Array.from(scratch.hold(new Uint8Array(0))), []);
});

test('a size below one is refused', () => {
  assert.throws(() => new OffHeapScratch(0), RangeError);
  assert.throws(() => new OffHeapScratch(1.5), RangeError);
});

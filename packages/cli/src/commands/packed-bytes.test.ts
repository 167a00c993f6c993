// PackedBytes keeps many byte strings in a few shared buffers: every item reads back
// exactly as pushed — across buffer boundaries, empty, and longer than a buffer — and
// a bad index or buffer size is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PackedBytes } from './packed-bytes.js';

test('items read back exactly, across buffer boundaries, empty, and longer than a buffer', () => {
  const packed = new PackedBytes(16);
  const items = [5, 7, 0, 4, 16, 1, 40, 3, 9].map((length, i) => Uint8Array.from({ length }, (_, j) => (i * 31 + j) & 0xff));
  for (const item of items) packed.push(item);
  assert.equal(packed.length, items.length);
  items.forEach((item, i) => assert.deepEqual(Array.from(packed.at(i)), Array.from(item), `item ${i}`));
});

test('items are copies: changing the pushed array afterwards changes nothing', () => {
  const packed = new PackedBytes();
  const item = Uint8Array.of(1, 2, 3);
  packed.push(item);
  item[0] = 9;
  assert.deepEqual(Array.from(packed.at(0)), [1, 2, 3]);
});

test('an index outside the items and a buffer size below one are refused', () => {
  const packed = new PackedBytes(8);
  packed.push(Uint8Array.of(1));
  assert.throws(() => packed.at(1), RangeError);
  assert.throws(() => packed.at(-1), RangeError);
  assert.throws(() => packed.at(0.5), RangeError);
  assert.throws(() => new PackedBytes(0), RangeError);
});

// Checks the yuan formatting of result messages (grouping, cents, sign, huge values)
// and the calendar-day arithmetic of daily limits, by example and against the
// reference of Date's UTC calendar shifted by the offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatYuan } from './format.js';
import { dayIndex } from './modules/currency/limits.js';

test('formatYuan groups thousands and always shows two decimals', () => {
  assert.equal(formatYuan(0n), '0.00');
  assert.equal(formatYuan(5n), '0.05');
  assert.equal(formatYuan(100n), '1.00');
  assert.equal(formatYuan(300_000n), '3,000.00');
  assert.equal(formatYuan(200_000n), '2,000.00');
  assert.equal(formatYuan(123_456_789n), '1,234,567.89');
  assert.equal(formatYuan(-12_345n), '-123.45');
  assert.equal(formatYuan((1n << 64n) - 1n), '184,467,440,737,095,516.15');
});

test('formatYuan matches a plain grouping of the digits', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (fen) => {
      const text = formatYuan(fen);
      assert.equal(BigInt(text.replace(/[,.]/g, '')), fen);
      assert.match(text, /^\d{1,3}(,\d{3})*\.\d\d$/);
    }),
  );
});

test('dayIndex: 23:59 and 00:01 Beijing time fall on different days', () => {
  // 2026-03-10 23:59 UTC+8 = 2026-03-10 15:59Z; 2026-03-11 00:01 UTC+8 = 2026-03-10 16:01Z.
  const before = BigInt(Date.UTC(2026, 2, 10, 15, 59));
  const after = BigInt(Date.UTC(2026, 2, 10, 16, 1));
  assert.equal(dayIndex(after, 480) - dayIndex(before, 480), 1n);
  // In UTC they are the same day.
  assert.equal(dayIndex(after, 0), dayIndex(before, 0));
});

test('dayIndex agrees with the UTC calendar shifted by the offset, including before 1970', () => {
  fc.assert(
    fc.property(fc.integer({ min: -4e12, max: 4e12 }), fc.integer({ min: -720, max: 840 }), (ms, offset) => {
      const expected = Math.floor((ms + offset * 60_000) / 86_400_000);
      assert.equal(dayIndex(BigInt(ms), offset), BigInt(expected));
    }),
  );
});

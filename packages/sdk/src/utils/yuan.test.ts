// yuan() parses decimal yuan into bigint fen exactly (no floats) and refuses anything it
// would have to round or guess; formatYuan is its inverse. Checked on fixed cases and
// by a property over random fen amounts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidParameterError } from '../errors.js';
import { formatYuan, yuan } from './yuan.js';

test('decimal strings become exact fen', () => {
  assert.equal(yuan('12.50'), 1250n);
  assert.equal(yuan('12.5'), 1250n);
  assert.equal(yuan('0.01'), 1n);
  assert.equal(yuan('0'), 0n);
  assert.equal(yuan('100'), 10000n);
  assert.equal(yuan('0.10'), 10n);
  assert.equal(yuan('184467440737095516.15'), (1n << 64n) - 1n);
  assert.equal(yuan('90071992547409.93'), 9007199254740993n); // past 2^53: a float would round
  assert.equal(yuan(3n), 300n);
  assert.equal(yuan(7), 700n);
});

test('anything that is not an exact amount is refused', () => {
  for (const bad of ['12.345', '-1', '+1', '1e3', '01', '1.', '.5', ' 1', '1,000', '', 'abc', '1_000', '0x10', '184467440737095516.16']) {
    assert.throws(() => yuan(bad), InvalidParameterError, JSON.stringify(bad));
  }
  assert.throws(() => yuan(1.5), InvalidParameterError);
  assert.throws(() => yuan(-1n), InvalidParameterError);
  assert.throws(() => yuan(Number.MAX_SAFE_INTEGER + 2), InvalidParameterError);
});

test('formatYuan is the inverse of yuan for every amount', () => {
  assert.equal(formatYuan(1250n), '12.50');
  assert.equal(formatYuan(1n), '0.01');
  assert.equal(formatYuan(-5n), '-0.05');
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (fen) => {
      assert.equal(yuan(formatYuan(fen)), fen);
    }),
    { numRuns: 500 },
  );
});

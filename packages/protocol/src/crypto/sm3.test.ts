// Pins SM3 — OpenSSL's (the chain's hash in Node) and the portable one (browser) — to
// the two examples of GB/T 32905-2016 appendix A, and to each other on random inputs of
// every length around the block and padding boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesToHex, utf8ToBytes } from '../bytes.js';
import { getSuite, sm3, sm3Portable } from './index.js';

const EXAMPLES = [
  { message: 'abc', digest: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0' },
  { message: 'abcd'.repeat(16), digest: 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732' },
];

for (const { message, digest } of EXAMPLES) {
  test(`GB/T 32905 example: SM3("${message.length > 8 ? 'abcd×16' : message}")`, () => {
    assert.equal(bytesToHex(sm3(utf8ToBytes(message))), digest);
    assert.equal(bytesToHex(sm3Portable(utf8ToBytes(message))), digest);
    assert.equal(bytesToHex(getSuite('sm2').hash(utf8ToBytes(message))), digest);
  });
}

test('portable SM3 equals OpenSSL SM3 on every length 0..200 and on random data', () => {
  for (let length = 0; length <= 200; length++) {
    const data = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
    assert.equal(bytesToHex(sm3Portable(data)), bytesToHex(sm3(data)), `length ${length}`);
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), (data) => bytesToHex(sm3Portable(data)) === bytesToHex(sm3(data))),
    { numRuns: 300 },
  );
});

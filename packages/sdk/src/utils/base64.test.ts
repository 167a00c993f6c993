// The SDK's base64 codec agrees with Node's Buffer for every length and rejects text
// that is not padded standard base64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { base64ToBytes, bytesToBase64 } from './base64.js';

test('round-trips and matches Buffer', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      const text = bytesToBase64(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64'));
      assert.deepEqual(base64ToBytes(text), bytes);
    }),
    { numRuns: 300 },
  );
});

test('malformed text decodes to null', () => {
  for (const bad of ['a', 'ab=c', 'a===', '****', 'ab\ncd', 'YQ', '=YQ=']) assert.equal(base64ToBytes(bad), null, bad);
});

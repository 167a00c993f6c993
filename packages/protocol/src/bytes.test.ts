// Checks the hex codec against Node's own (Buffer) for every byte value and for random
// arrays of any length, and that hexToBytes inverts bytesToHex.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from './bytes.js';

test('bytesToHex writes every byte value as Node does, lower case', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(bytesToHex(all), Buffer.from(all).toString('hex'));
  assert.equal(bytesToHex(new Uint8Array(0)), '');
});

test('bytesToHex matches Buffer and hexToBytes inverts it, for any bytes (also views into larger buffers)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(8), (bytes, skip) => {
      const view = bytes.subarray(Math.min(skip, bytes.length));
      const hex = bytesToHex(view);
      assert.equal(hex, Buffer.from(view).toString('hex'));
      assert.deepEqual(hexToBytes(hex), Uint8Array.from(view));
    }),
    { numRuns: 500 },
  );
});

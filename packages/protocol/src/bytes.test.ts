// Checks the hex codec against Node's own (Buffer) for every byte value and for random
// arrays of any length, and that hexToBytes inverts bytesToHex; and base64url against
// RFC 4648's test vectors and against Buffer for any bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesToBase64Url, bytesToHex, hexToBytes } from './bytes.js';

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

test('bytesToBase64Url gives RFC 4648 §10 vectors unpadded, and matches Buffer for any bytes', () => {
  const vectors: [string, string][] = [['', ''], ['f', 'Zg'], ['fo', 'Zm8'], ['foo', 'Zm9v'], ['foob', 'Zm9vYg'], ['fooba', 'Zm9vYmE'], ['foobar', 'Zm9vYmFy']];
  for (const [text, encoded] of vectors) assert.equal(bytesToBase64Url(new TextEncoder().encode(text)), encoded);
  // The two characters base64url replaces: 62 and 63.
  assert.equal(bytesToBase64Url(Uint8Array.of(0xfb, 0xff)), '-_8');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(8), (bytes, skip) => {
      const view = bytes.subarray(Math.min(skip, bytes.length));
      assert.equal(bytesToBase64Url(view), Buffer.from(view).toString('base64url'));
    }),
    { numRuns: 500 },
  );
});
